"""Chasing and mail: the daily chase of returns, SEFs, challenges and target dates with its
escalations, notices to followers, and the outbox that delivers every message once."""
