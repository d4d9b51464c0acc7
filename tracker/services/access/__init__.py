"""People and access: people and their roles, organisations and areas, sign-in and invitations,
first run and the organisation's set-up (rhythm, words, self-evaluation, chasing)."""
