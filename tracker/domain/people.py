"""Rules for managing people: passwords, invitation links, leavers and deputies."""

from __future__ import annotations

from datetime import date, datetime
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


# A leaving date further back than this is more likely a mistyped year than a late record.
LEAVING_YEARS_BACK = 5


def leaving_date_problem(left_on: date, *, today: date) -> str | None:
    """Why `left_on` cannot be a person's leaving date, or None: marking them as left stops
    their sign-in now, so the day is today or earlier (London), and not years back."""
    if left_on > today:
        return (
            f"The date they left must be today ({_words(today)}) or earlier: "
            "mark a person as left once they have gone"
        )
    try:
        earliest = today.replace(year=today.year - LEAVING_YEARS_BACK)
    except ValueError:  # 29 February
        earliest = today.replace(year=today.year - LEAVING_YEARS_BACK, day=28)
    if left_on < earliest:
        return f"The date they left must be on or after {_words(earliest)}: check the year"
    return None


def _words(day: date) -> str:
    return f"{day.day} {day.strftime('%B %Y')}"


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
