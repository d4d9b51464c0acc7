"""The organisations and areas an administrator sets up (issue 20.2): their names, the codes
derived from them, and which cycles and months a retired area is still asked for.

Pure rules: the services load and write; these say what a name may be and what follows from it.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from datetime import date, datetime

from tracker.domain.calendar import LONDON

ORGANISATION_NAME_LIMIT = 200
AREA_NAME_LIMIT = 100
CODE_LIMIT = 32
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class NameProblem(ValueError):
    """A name that cannot be used; the message says why, in the form's words."""


def clean_name(value: str | None, *, what: str, limit: int) -> str:
    """A name as typed, with its spaces tidied: refused if empty, too long or holding control
    characters (a NUL byte among them)."""
    text = " ".join((value or "").split())
    if not text:
        raise NameProblem(f"Enter the {what}")
    if _CONTROL.search(value or ""):
        raise NameProblem(f"The {what} must not contain control characters")
    if len(text) > limit:
        raise NameProblem(f"The {what} must be {limit} characters or fewer")
    return text


def derive_code(name: str, taken: Collection[str], *, fallback: str = "area") -> str:
    """A short code for links and exports, made from the name ("North East" -> "north-east"),
    never one already `taken`: a number is added ("north-east-2") when it would be."""
    base = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:CODE_LIMIT].strip("-")
    base = base or fallback
    if base not in taken:
        return base
    number = 2
    while True:
        suffix = f"-{number}"
        code = base[: CODE_LIMIT - len(suffix)].rstrip("-") + suffix
        if code not in taken:
            return code
        number += 1


def same_name(a: str, b: str) -> bool:
    """Two names are the same whatever their case and spacing ("North  east" is "north East")."""
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


def area_plan_name(area_name: str) -> str:
    """The name an area's plan is given when the area is added."""
    return f"{area_name} action plan"


def asked_for(retired_at: datetime | None, opens_on: date) -> bool:
    """Whether an area is asked for the return of a cycle (or the SEF of a month) that opens on
    `opens_on`: always while it is in use; once retired, only for what opened before the London
    day it was retired on (that history stays, nothing after it is asked)."""
    if retired_at is None:
        return True
    return opens_on < retired_at.astimezone(LONDON).date()
