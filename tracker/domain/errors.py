"""Errors the domain raises; the web and API layers turn them into messages."""

from __future__ import annotations


class DomainError(Exception):
    """A rule refused a change."""


class RuleViolation(DomainError):
    """One or more fields break a rule: maps field name -> message."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors
