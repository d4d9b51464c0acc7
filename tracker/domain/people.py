"""Rules for managing people: passwords, invitation links, leavers and deputies."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

PASSWORD_MIN = 12
PASSWORD_MAX = 200


class LinkState(StrEnum):
    VALID = "valid"
    USED = "used"
    EXPIRED = "expired"
    UNKNOWN = "unknown"


def invitation_state(
    *, found: bool, expires_at: datetime | None, used_at: datetime | None, now: datetime
) -> LinkState:
    """An invitation link works once, until it expires."""
    if not found or expires_at is None:
        return LinkState.UNKNOWN
    if used_at is not None:
        return LinkState.USED
    if now >= expires_at:
        return LinkState.EXPIRED
    return LinkState.VALID


def password_problem(password: str, confirm: str) -> tuple[str, str] | None:
    """(field, message) for a new password that breaks the rules, or None."""
    if not password:
        return "password", "Enter a password"
    if len(password) < PASSWORD_MIN:
        return "password", f"The password must be at least {PASSWORD_MIN} characters"
    if len(password) > PASSWORD_MAX:
        return "password", f"The password must be {PASSWORD_MAX} characters or fewer"
    if "\x00" in password:
        return "password", "The password must not contain a NUL character"
    if not password.strip():
        return "password", "The password must not be only spaces"
    if password != confirm:
        return "confirm", "The passwords do not match"
    return None


def leaving_problem(
    *, actor_id: int, person_id: int, active: bool, is_admin: bool, active_admins: int
) -> str | None:
    """Why this person may not be marked as left, or None: nobody marks themselves, and the
    tracker always keeps one active administrator."""
    if person_id == actor_id:
        return "You cannot mark yourself as left: ask another administrator"
    if not active:
        return "This person has already left"
    if is_admin and active_admins <= 1:
        return "This is the last active administrator: name another administrator first"
    return None


def demotion_problem(
    *, actor_id: int, person_id: int, was_admin: bool, stays_admin: bool, active_admins: int
) -> str | None:
    """Why an administrator may not lose the role, or None (the same rule as leaving)."""
    if not was_admin or stays_admin:
        return None
    if person_id == actor_id:
        return "You cannot take away your own administrator role: ask another administrator"
    if active_admins <= 1:
        return "This is the last active administrator: name another administrator first"
    return None
