"""Managing people in the app: changing them, naming deputies, leavers and their actions.

Each use case loads, asks the rules in `tracker.domain.people`, writes, records an audit event
and commits once. Invitations are in `tracker.services.access.invitations`.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime

from flask import current_app
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from tracker.domain.calendar import LONDON
from tracker.domain.people import demotion_problem, leaving_date_problem, leaving_problem
from tracker.domain.permissions import Role
from tracker.extensions import db
from tracker.models import Action, AuditEvent, Invitation, Locality, Organisation, User
from tracker.services.access import settings
from tracker.services.access.auth import normalise_email
from tracker.services.errors import NotFound
from tracker.services.mail import outbox
from tracker.services.plan import queries
from tracker.services.platform.audit import add_event


class Refused(Exception):
    """A change the rules do not allow; `field` names the form field it is about, if any."""

    def __init__(self, message: str, field: str = ""):
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass
class PersonDetails:
    """What an admin types about a person (ids already parsed by the form)."""

    name: str
    email: str
    job_title: str
    organisation_id: int
    role: str
    locality_id: int | None = None
    line_manager_id: int | None = None
    deputy_locality_id: int | None = None


def _active_admins() -> int:
    return db.session.execute(
        select(func.count()).select_from(User).where(User.role == Role.ADMIN, User.active)
    ).scalar_one()


MAX_ID = 2**31 - 1  # the largest id any database here stores; a bigger one is simply unknown


def load_person(user_id: int) -> User:
    user = db.session.get(User, user_id) if 0 < user_id <= MAX_ID else None
    if user is None:
        raise NotFound(f"no person {user_id}")
    return user


def _maybe_person(user_id: int) -> User | None:
    return db.session.get(User, user_id) if 0 < user_id <= MAX_ID else None


def check_details(
    details: PersonDetails,
    person_id: int | None,
    current_manager_id: int | None = None,
    kept_localities: tuple[int | None, ...] = (),
) -> None:
    """The shape rules every add or change obeys; raises Refused naming the field. A retired
    area is offered for no new work: only a person already in it (`kept_localities`) keeps it."""
    if details.role not in {r.value for r in Role}:
        raise Refused("Choose a role", "role")
    org_id = details.organisation_id
    if not org_id or not 0 < org_id <= MAX_ID or db.session.get(Organisation, org_id) is None:
        raise Refused("Choose an organisation", "organisation_id")
    area = settings.current().words.area_lower
    for attr in ("locality_id", "deputy_locality_id"):
        value = getattr(details, attr)
        locality = (
            db.session.get(Locality, value) if value is not None and 0 < value <= MAX_ID else None
        )
        if value is not None and locality is None:
            raise Refused(f"Choose the {area} from the list", attr)
        if locality is not None and locality.retired_at and value not in kept_localities:
            raise Refused(
                f"{locality.name} is retired: choose {settings.current().words.an_area} in use",
                attr,
            )
    if details.role == Role.LOCALITY_HEAD and details.locality_id is None:
        raise Refused(f"Choose the {area} this head of service leads", "locality_id")
    if details.line_manager_id is not None:
        manager = _maybe_person(details.line_manager_id)
        kept = manager is not None and manager.id == current_manager_id
        if manager is None or not (manager.active or kept):
            raise Refused("Choose a line manager who has not left", "line_manager_id")
        if manager.id == person_id:
            raise Refused("A person cannot be their own line manager", "line_manager_id")
    if (
        details.deputy_locality_id is not None
        and details.role == Role.LOCALITY_HEAD
        and details.deputy_locality_id == details.locality_id
    ):
        raise Refused(f"The {area}'s head cannot also be its deputy", "deputy_locality_id")
    email = normalise_email(details.email)
    if person_id is None and not email:
        raise Refused("Enter an email address: the invitation is sent there", "email")
    taken = (
        email
        and db.session.execute(
            select(User.id).where(User.email == email, User.id != (person_id or 0))
        ).first()
    )
    if taken:
        raise Refused(f"Someone already has the email address {email}", "email")


def take_deputy(user: User, locality_id: int | None) -> dict:
    """Name `user` deputy for a locality, replacing its deputy (the change is recorded)."""
    if locality_id == user.deputy_locality_id:
        return {}
    replaced: dict = {}
    if locality_id is not None:
        current = db.session.execute(
            select(User).where(User.deputy_locality_id == locality_id, User.id != user.id)
        ).scalar_one_or_none()
        if current is not None:
            current.deputy_locality_id = None
            db.session.flush()  # free the one deputy place before taking it
            replaced = {"replaced_deputy": current.email or current.name}
    user.deputy_locality_id = locality_id
    db.session.flush()
    return replaced


_CHANGED = (
    "name",
    "email",
    "job_title",
    "organisation_id",
    "role",
    "locality_id",
    "line_manager_id",
    "deputy_locality_id",
)


def change_person(
    user_id: int, details: PersonDetails, *, actor_id: int, now: datetime
) -> dict[str, list]:
    """Change a person's details, role, locality, line manager or deputy place. Naming a deputy
    for a locality that has one replaces them, and the audit event says whom."""
    user = load_person(user_id)
    check_details(
        details, user.id, user.line_manager_id, (user.locality_id, user.deputy_locality_id)
    )
    problem = demotion_problem(
        actor_id=actor_id,
        person_id=user.id,
        was_admin=user.role == Role.ADMIN and user.active,
        stays_admin=details.role == Role.ADMIN,
        active_admins=_active_admins(),
    )
    if problem:
        raise Refused(problem, "role")
    if not user.active and details.deputy_locality_id is not None:
        raise Refused("A person who has left cannot be a deputy", "deputy_locality_id")
    details.email = normalise_email(details.email) or None  # type: ignore[assignment]
    changes = {
        name: [getattr(user, name), getattr(details, name)]
        for name in _CHANGED
        if getattr(user, name) != getattr(details, name)
    }
    if not changes:
        return {}
    if "role" in changes or "locality_id" in changes or "email" in changes:
        user.end_sessions()  # they sign in again, with what they may now do
    if "email" in changes:
        _tell_the_old_address(user, changes["email"][0], changes["email"][1], actor_id, now)
    for name in _CHANGED:
        if name != "deputy_locality_id":
            setattr(user, name, getattr(details, name))
    replaced = take_deputy(user, details.deputy_locality_id)
    add_event(
        "person_changed",
        now=now,
        user_id=actor_id,
        target=user.email or user.name,
        detail={"person_id": user.id, "changes": changes} | replaced,
    )
    commit_or_refuse()
    return changes | ({"replaced_deputy": [replaced["replaced_deputy"]]} if replaced else {})


def _tell_the_old_address(
    user: User, old: str | None, new: str | None, actor_id: int, now: datetime
) -> None:
    """A changed address is where "Forgot your password?" now sends its link, so a change made
    in error (or by someone taking over the account) must not pass unseen: the old address is
    told who changed it and to what, and links already sent to it stop working."""
    db.session.execute(
        update(Invitation)
        .where(Invitation.user_id == user.id, Invitation.used_at.is_(None))
        .values(expires_at=now)
    )
    if not old or not user.active:
        return
    actor = db.session.get(User, actor_id)
    values = {
        "name": user.name,
        "new": new or "(none)",
        "by": actor.name if actor is not None else "an administrator",
        "when": now,
    }
    env = current_app.jinja_env
    outbox.add_message(
        key=f"email-changed|{user.id}|{now.isoformat()}"[:200],
        run_day=now.astimezone(LONDON).date(),
        recipient_id=user.id,
        to_address=old,
        subject="Your email address in the Ofsted action plan tracker was changed",
        body_text=env.get_template("email/address_changed.txt").render(**values),
        body_html=env.get_template("email/address_changed.html").render(**values),
        now=now,
    )


def commit_or_refuse() -> None:
    """Commit; a race on the one deputy place or an email becomes a refusal, writing nothing."""
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise Refused(
            "Someone else changed this at the same moment: check the page and try again"
        ) from None


def mark_left(user_id: int, *, actor_id: int, now: datetime, left_on: date | None = None) -> User:
    """They can no longer sign in (their session stops too) and their history stays; their open
    actions are chased through their line manager until reassigned. `left_on` is the day they
    left (London; today when not given): today or earlier, and not years back."""
    user = load_person(user_id)
    today = now.astimezone(LONDON).date()
    left_on = left_on or today
    date_problem = leaving_date_problem(left_on, today=today)
    if date_problem:
        raise Refused(date_problem, "left_on")
    problem = leaving_problem(
        actor_id=actor_id,
        person_id=user.id,
        active=user.active,
        is_admin=user.role == Role.ADMIN,
        active_admins=_active_admins(),
    )
    if problem:
        raise Refused(problem)
    user.active = False
    user.left_at = now
    user.left_on = left_on
    user.end_sessions()
    deputy = user.deputy_locality_id
    user.deputy_locality_id = None  # a leaver cannot speak for a locality
    open_refs = [a.ref for a in _open_actions_led_by(user.id)]
    add_event(
        "person_left",
        now=now,
        user_id=actor_id,
        target=user.email or user.name,
        detail={
            "person_id": user.id,
            "left_on": left_on.isoformat(),
            "open_actions": open_refs,
            "chased_through": user.line_manager_id,
            "was_deputy_for": deputy,
        },
    )
    db.session.commit()
    return user


def _open_actions_led_by(user_id: int) -> list[Action]:
    query = queries.join_state(select(Action).where(Action.lead_user_id == user_id))
    return list(
        db.session.execute(query.where(queries.is_open_clause()).order_by(Action.ref)).scalars()
    )


def reassign_actions(from_id: int, to_id: int, *, actor_id: int, now: datetime) -> list[str]:
    """Give every open action a person leads to someone else; the audit event lists the refs."""
    person = load_person(from_id)
    if to_id == from_id:
        raise Refused("Choose someone else to lead these actions", "to_user_id")
    new_lead = db.session.get(User, to_id) if 0 < to_id <= MAX_ID else None
    if new_lead is None or not new_lead.active:
        raise Refused("Choose a person who has not left", "to_user_id")
    actions = _open_actions_led_by(person.id)
    if not actions:
        raise Refused(f"{person.name} leads no open actions", "to_user_id")
    for action in actions:
        action.lead_user_id = new_lead.id
    refs = [a.ref for a in actions]
    add_event(
        "actions_reassigned",
        now=now,
        user_id=actor_id,
        target=person.email or person.name,
        detail={"from": person.id, "to": new_lead.id, "to_email": new_lead.email, "refs": refs},
    )
    db.session.commit()
    return refs


@dataclass
class PersonRow:
    user: User
    line_manager: User | None
    open_actions: int
    # The leaver's actions are chased through this person until reassigned.
    chased_through: User | None = None


@dataclass
class People:
    rows: list[PersonRow]
    by_id: dict[int, User] = field(default_factory=dict)
    # People with an invitation link that has not been used (it may have expired).
    invited: set[int] = field(default_factory=set)

    @property
    def active(self) -> list[User]:
        return [r.user for r in self.rows if r.user.active]


def _open_counts() -> Counter:
    query = queries.join_state(
        select(Action.lead_user_id, func.count()).where(Action.lead_user_id.is_not(None))
    )
    rows = db.session.execute(
        query.where(queries.is_open_clause()).group_by(Action.lead_user_id)
    ).all()
    return Counter({lead: n for lead, n in rows})


def list_people() -> People:
    """Everyone, with their line manager, how many open actions they lead and whether they have
    an unused invitation: three queries."""
    users = list(db.session.execute(select(User).order_by(User.role, User.name)).scalars())
    invited = set(
        db.session.execute(
            select(Invitation.user_id).where(Invitation.used_at.is_(None)).distinct()
        ).scalars()
    )
    by_id = {u.id: u for u in users}
    counts = _open_counts()
    rows = []
    for u in users:
        manager = by_id.get(u.line_manager_id) if u.line_manager_id else None
        rows.append(
            PersonRow(
                u, manager, counts.get(u.id, 0), manager if not u.active and manager else None
            )
        )
    return People(rows, by_id, invited)


@dataclass
class PersonPage:
    user: User
    line_manager: User | None
    open_refs: list[str]
    tokens: list
    invitation: Invitation | None


def get_person(user_id: int) -> PersonPage:
    """One person with their open actions, API tokens and latest invitation."""
    from tracker.models import ApiToken

    user = load_person(user_id)
    tokens = list(
        db.session.execute(
            select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc())
        ).scalars()
    )
    invitation = db.session.execute(
        select(Invitation)
        .where(Invitation.user_id == user.id)
        .order_by(Invitation.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    manager = db.session.get(User, user.line_manager_id) if user.line_manager_id else None
    refs = [a.ref for a in _open_actions_led_by(user.id)]
    return PersonPage(user, manager, refs, tokens, invitation)


def list_choices() -> tuple[list[Organisation], list[Locality], list[User]]:
    """Organisations, localities and active people, for the forms' lists."""
    orgs = list(db.session.execute(select(Organisation).order_by(Organisation.name)).scalars())
    localities = list(db.session.execute(select(Locality).order_by(Locality.name)).scalars())
    people = list(db.session.execute(select(User).where(User.active).order_by(User.name)).scalars())
    return orgs, localities, people


ANONYMISED = "Former member of staff"


def anonymise_leavers(*, now: datetime, years: int, dry_run: bool = False) -> list[int]:
    """People who left more than `years` years ago lose their name, email, job title and
    password; their row (and so every update, return and decision they made) stays, under
    "Former member of staff N". Audit events naming their email name them that way too.
    Returns the ids anonymised (or that would be, with `dry_run`)."""
    if years <= 0:
        return []
    try:
        cutoff = now.replace(year=now.year - years)
    except ValueError:  # 29 February
        cutoff = now.replace(year=now.year - years, day=28)
    leavers = list(
        db.session.execute(
            select(User).where(
                User.left_at.is_not(None),
                User.left_at < cutoff,
                User.name.not_like(f"{ANONYMISED}%"),
            )
        ).scalars()
    )
    if dry_run or not leavers:
        return [u.id for u in leavers]
    for user in leavers:
        old_email = user.email
        label = f"{ANONYMISED} {user.id}"
        user.name, user.email, user.job_title, user.password_hash = label, None, "", None
        user.end_sessions()
        if old_email:
            db.session.execute(
                update(AuditEvent).where(AuditEvent.target == old_email).values(target=label)
            )
    add_event(
        "people_anonymised",
        now=now,
        target=f"left before {cutoff.date().isoformat()}",
        detail={"people": [u.id for u in leavers], "retention_years": years},
    )
    db.session.commit()
    return [u.id for u in leavers]
