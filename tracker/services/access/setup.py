"""First run: a database with no administrator is given its organisation, its improvement plan
and its first administrator, who sets a password through a one-time set-up link (24 hours, used
once). Only `flask tracker init` calls this; a database that has an administrator refuses,
changing nothing."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, select

from tracker.domain.permissions import Role
from tracker.extensions import db
from tracker.models import Action, Inspection, Locality, Organisation, Plan, User
from tracker.models.org import ORG_KINDS
from tracker.services.access.auth import normalise_email
from tracker.services.access.invitations import new_link
from tracker.services.access.settings import keep_first_rhythm
from tracker.services.platform.audit import add_event

SETUP_LINK = timedelta(hours=24)
MAIN_PLAN_CODE = "improvement"
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class AlreadySetUp(Exception):
    """The database has an administrator: set-up is done in the browser from now on."""


class BadSetUp(ValueError):
    """A value given to `init` is not usable (the message says which and why)."""


@dataclass(frozen=True)
class FirstRun:
    organisation: str
    kind: str
    email: str
    name: str


def _text(value: str, what: str, longest: int) -> str:
    value = " ".join(value.split())
    if not value:
        raise BadSetUp(f"Enter {what}")
    if len(value) > longest or _CONTROL.search(value):
        raise BadSetUp(f"{what[0].upper()}{what[1:]} must be at most {longest} characters of text")
    return value


def _code(name: str) -> str:
    code = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:32].strip("-")
    return code or "organisation"


def has_administrator() -> bool:
    return (
        db.session.execute(
            select(User.id).where(User.role == Role.ADMIN.value, User.active.is_(True)).limit(1)
        ).first()
        is not None
    )


def initialise(first: FirstRun, *, now: datetime, base_url: str) -> str:
    """Make the organisation and its first administrator (no password yet) and return the
    one-time set-up link. Raises AlreadySetUp (nothing written) when an administrator exists,
    BadSetUp for a value that cannot be used."""
    name = _text(first.organisation, "the organisation's name", 200)
    person = _text(first.name, "the administrator's name", 200)
    if first.kind not in ORG_KINDS:
        raise BadSetUp(f"The organisation's kind must be one of: {', '.join(ORG_KINDS)}")
    try:
        email = normalise_email(validate_email(first.email, check_deliverability=False).normalized)
    except EmailNotValidError as exc:
        raise BadSetUp(f"Enter the administrator's email address ({exc})") from None
    if has_administrator():
        raise AlreadySetUp("This database already has an administrator: nothing was changed.")
    if db.session.execute(select(User.id).where(User.email == email)).first():
        raise BadSetUp(f"Someone already has the email address {email}")
    code = _code(name)
    org = db.session.execute(
        select(Organisation).where(Organisation.code == code)
    ).scalar_one_or_none()
    if org is None:
        org = Organisation(code=code, name=name, kind=first.kind)
        db.session.add(org)
        db.session.flush()
    admin = User(
        email=email,
        name=person,
        job_title="Administrator",
        organisation_id=org.id,
        role=Role.ADMIN.value,
        password_hash=None,
        active=True,
        created_at=now,
    )
    db.session.add(admin)
    if db.session.execute(select(Plan.id).where(Plan.kind == "main").limit(1)).first() is None:
        # The one live improvement plan every inspection's findings feed; areas' plans are
        # added with the areas (Admin > Set-up).
        db.session.add(Plan(code=MAIN_PLAN_CODE, name=f"{name} improvement plan", kind="main"))
    db.session.flush()
    keep_first_rhythm(now=now)
    _, link = new_link(admin, actor_id=None, now=now, lifetime=SETUP_LINK, base_url=base_url)
    add_event(
        "tracker_initialised",
        now=now,
        target=email,
        detail={"organisation": name, "kind": first.kind, "person_id": admin.id},
    )
    db.session.commit()
    return link


@dataclass(frozen=True)
class SetupProgress:
    """What a council has set up so far, for the set-up page's task list: counts read in one
    statement, and which settings are saved (the set-up in force says, with no statement)."""

    organisations: int
    areas: int  # in use (not retired)
    inspections: int
    actions: int
    people: int  # who can still sign in
    saved: frozenset[str]  # the setting keys saved in the database
    escalation_named: bool  # chasing names someone to escalate to at its last step

    def status(self, part: str) -> str:
        """A set-up part's status: `done`; `default` (a setting nothing has been saved for, in
        force as the environment gives it); `todo`; `none_yet` (no areas: allowed, then only
        leads update); `no_one` (chasing escalates to nobody at its last step)."""
        if part in ("rhythms", "self_evaluation", "meeting_days", "words"):
            return "done" if part in self.saved else "default"
        if part == "chasing":
            if not self.escalation_named:
                return "no_one"
            return "done" if part in self.saved else "default"
        if part == "areas":
            return "done" if self.areas else "none_yet"
        counted = {
            "organisations": self.organisations,
            "inspections": self.inspections,
            "actions": self.actions,
            "people": self.people - 1,  # besides the administrator
        }
        return "done" if counted[part] > 0 else "todo"


def setup_progress(saved: frozenset[str], *, escalation_named: bool) -> SetupProgress:
    """The counts behind the set-up page's statuses: one statement."""
    count = func.count()
    row = db.session.execute(
        select(
            select(count).select_from(Organisation).scalar_subquery(),
            select(count)
            .select_from(Locality)
            .where(Locality.retired_at.is_(None))
            .scalar_subquery(),
            select(count).select_from(Inspection).scalar_subquery(),
            select(count).select_from(Action).scalar_subquery(),
            select(count).select_from(User).where(User.active.is_(True)).scalar_subquery(),
        )
    ).one()
    organisations, areas, inspections, actions, people = row
    return SetupProgress(
        organisations=organisations,
        areas=areas,
        inspections=inspections,
        actions=actions,
        people=people,
        saved=saved,
        escalation_named=escalation_named,
    )
