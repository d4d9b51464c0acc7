"""Governance: the chair's dashboard, sign-off, meetings and their packs (snapshot, paper, board
pack) and the challenge log."""
