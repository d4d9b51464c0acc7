"""Setting up the organisations (issue 20.2): the council, a trust if there is one, and the
partner agencies whose people lead actions. Each change is audited and commits once; a refused
change writes nothing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from tracker.domain.areas import ORGANISATION_NAME_LIMIT, NameProblem, clean_name, derive_code
from tracker.domain.areas import same_name as _same
from tracker.extensions import db
from tracker.models import Action, Organisation, User
from tracker.models.org import ORG_KINDS
from tracker.models.plan import action_partner
from tracker.services.errors import NotFound
from tracker.services.platform.audit import add_event

KIND_LABELS = {
    "trust": "Children's services trust",
    "council": "Council",
    "police": "Police",
    "safeguarding_board": "Safeguarding children partnership or board",
    "health": "Health",
    "other": "Other partner agency",
}
MAX_ID = 2**31 - 1


class Refused(Exception):
    """A change the rules do not allow; `field` names the form field it is about, if any."""

    def __init__(self, message: str, field: str = ""):
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass(frozen=True)
class OrganisationRow:
    organisation: Organisation
    people: int
    actions_led: int
    partner_in: int

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.organisation.kind, self.organisation.kind)

    @property
    def in_use(self) -> bool:
        return bool(self.people or self.actions_led or self.partner_in)


def _counted():
    people = (
        select(func.count())
        .select_from(User)
        .where(User.organisation_id == Organisation.id)
        .scalar_subquery()
    )
    led = (
        select(func.count())
        .select_from(Action)
        .where(Action.lead_organisation_id == Organisation.id)
        .scalar_subquery()
    )
    partner = (
        select(func.count())
        .select_from(action_partner)
        .where(action_partner.c.organisation_id == Organisation.id)
        .scalar_subquery()
    )
    return select(Organisation, people, led, partner)


def list_organisations() -> list[OrganisationRow]:
    """Every organisation with how many people belong to it, how many actions it leads and in
    how many it is a partner: one statement."""
    rows = db.session.execute(_counted().order_by(Organisation.name, Organisation.id)).all()
    return [OrganisationRow(org, people, led, partner) for org, people, led, partner in rows]


def get_organisation(organisation_id: int) -> OrganisationRow:
    """One organisation with its counts (one statement); NotFound if there is none."""
    row = (
        db.session.execute(_counted().where(Organisation.id == organisation_id)).first()
        if 0 < organisation_id <= MAX_ID
        else None
    )
    if row is None:
        raise NotFound(f"no organisation {organisation_id}")
    return OrganisationRow(*row)


def _checked(name: str, kind: str, *, other_than: int | None = None) -> str:
    try:
        name = clean_name(name, what="organisation's name", limit=ORGANISATION_NAME_LIMIT)
    except NameProblem as problem:
        raise Refused(str(problem), "name") from None
    if kind not in ORG_KINDS:
        raise Refused("Choose what kind of organisation it is", "kind")
    for org_id, other in db.session.execute(select(Organisation.id, Organisation.name)).all():
        if org_id != other_than and _same(other, name):
            raise Refused(f"There is already an organisation called {other}", "name")
    return name


def add_organisation(name: str, kind: str, *, actor_id: int, now: datetime) -> Organisation:
    """Add an organisation; its code is made from its name. A name another organisation has
    (whatever its case) is refused."""
    name = _checked(name, kind)
    taken = set(db.session.execute(select(Organisation.code)).scalars())
    org = Organisation(code=derive_code(name, taken, fallback="organisation"), name=name, kind=kind)
    db.session.add(org)
    db.session.flush()
    add_event(
        "organisation_added",
        now=now,
        user_id=actor_id,
        target=name,
        detail={"organisation_id": org.id, "code": org.code, "kind": kind},
    )
    db.session.commit()
    return org


def change_organisation(
    organisation_id: int, name: str, kind: str, *, actor_id: int, now: datetime
) -> dict[str, list[str]]:
    """Change an organisation's name or kind (its code stays: links and exports keep working).
    Returns what changed, as [old, new] pairs."""
    org = get_organisation(organisation_id).organisation
    name = _checked(name, kind, other_than=org.id)
    changes = {
        key: [old, new]
        for key, old, new in (("name", org.name, name), ("kind", org.kind, kind))
        if old != new
    }
    if not changes:
        db.session.rollback()
        return {}
    org.name, org.kind = name, kind
    add_event(
        "organisation_changed",
        now=now,
        user_id=actor_id,
        target=name,
        detail={"organisation_id": org.id, "changes": changes},
    )
    db.session.commit()
    return changes


def remove_organisation(organisation_id: int, *, actor_id: int, now: datetime) -> str:
    """Remove an organisation nothing points at. One that people belong to, or that leads or
    partners an action, is refused, saying what it still has. Returns its name."""
    row = get_organisation(organisation_id)
    if row.in_use:
        held = [
            f"{n} {one if n == 1 else many}"
            for n, one, many in (
                (row.people, "person", "people"),
                (row.actions_led, "action it leads", "actions it leads"),
                (row.partner_in, "action it is a partner in", "actions it is a partner in"),
            )
            if n
        ]
        raise Refused(
            f"{row.organisation.name} cannot be removed while people or actions point at it "
            f"({', '.join(held)}). Move them to another organisation first."
        )
    org = row.organisation
    name = org.name
    add_event(
        "organisation_removed",
        now=now,
        user_id=actor_id,
        target=name,
        detail={"organisation_id": org.id, "code": org.code, "kind": org.kind},
    )
    db.session.delete(org)
    db.session.commit()
    return name
