"""Setting up the areas returns are made for (issue 20.2): localities, service areas or teams,
any number of them or none (then only lead-based updates). Each area has its own plan. An area
can be retired (no returns or SEFs are asked of it from then; its history stays) and brought
back; one with nothing recorded against it can be removed. Each change is audited and commits
once; a refused change writes nothing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select

from tracker.domain.areas import (
    AREA_NAME_LIMIT,
    NameProblem,
    area_plan_name,
    clean_name,
    derive_code,
    same_name,
)
from tracker.extensions import db
from tracker.models import (
    Action,
    ActionState,
    Challenge,
    Evidence,
    Locality,
    LocalityReturn,
    Plan,
    SefVersion,
    User,
)
from tracker.services.access.organisations import MAX_ID, Refused
from tracker.services.errors import NotFound
from tracker.services.plan import queries
from tracker.services.platform.audit import add_event

OPEN_ACTIONS_REFUSAL = "An area that still has open actions cannot be removed (it can be retired)"

__all__ = [
    "OPEN_ACTIONS_REFUSAL",
    "AreaRow",
    "Refused",
    "add_area",
    "get_area",
    "list_areas",
    "remove_area",
    "rename_area",
    "retire_area",
    "unretire_area",
]


@dataclass(frozen=True)
class AreaRow:
    locality: Locality
    plan: Plan | None
    open_actions: int
    actions: int
    people: int
    returns: int
    sefs: int
    challenges: int
    evidence: int

    @property
    def retired(self) -> bool:
        return self.locality.retired_at is not None

    @property
    def removable(self) -> bool:
        return not (
            self.actions
            or self.people
            or self.returns
            or self.sefs
            or self.challenges
            or self.evidence
        )


def _count(model, *where):
    return select(func.count()).select_from(model).where(*where).scalar_subquery()


def _counted():
    # The open actions of the area's plan (joined outside, as is the area).
    open_actions = (
        queries.join_state(select(func.count()).select_from(Action))
        .where(Action.plan_id == Plan.id, queries.is_open_clause(ActionState))
        .scalar_subquery()
    )
    return (
        select(
            Locality,
            Plan,
            func.coalesce(open_actions, 0),
            func.coalesce(_count(Action, Action.plan_id == Plan.id), 0),
            _count(
                User,
                or_(User.locality_id == Locality.id, User.deputy_locality_id == Locality.id),
            ),
            _count(LocalityReturn, LocalityReturn.locality_id == Locality.id),
            _count(SefVersion, SefVersion.locality_id == Locality.id),
            _count(Challenge, Challenge.locality_id == Locality.id),
            _count(Evidence, Evidence.sef_locality_id == Locality.id),
        )
        .select_from(Locality)
        .outerjoin(Plan, Plan.locality_id == Locality.id)
    )


def list_areas() -> list[AreaRow]:
    """Every area (in use first, then retired, each by name) with its plan and what is recorded
    against it: one statement."""
    rows = db.session.execute(
        _counted().order_by(Locality.retired_at.is_not(None), Locality.name, Locality.id)
    ).all()
    return [AreaRow(*row) for row in rows]


def get_area(locality_id: int) -> AreaRow:
    """One area with its plan and counts (one statement); NotFound if there is none."""
    row = (
        db.session.execute(_counted().where(Locality.id == locality_id)).first()
        if 0 < locality_id <= MAX_ID
        else None
    )
    if row is None:
        raise NotFound(f"no area {locality_id}")
    return AreaRow(*row)


def _checked(name: str, *, other_than: int | None = None) -> str:
    try:
        name = clean_name(name, what="area's name", limit=AREA_NAME_LIMIT)
    except NameProblem as problem:
        raise Refused(str(problem), "name") from None
    for loc_id, other in db.session.execute(select(Locality.id, Locality.name)).all():
        if loc_id != other_than and same_name(other, name):
            raise Refused(f"There is already an area called {other}", "name")
    return name


def add_area(name: str, *, actor_id: int, now: datetime) -> Locality:
    """Add an area and its plan ("<name> action plan"); both get one code made from the name,
    unused by any area or plan."""
    name = _checked(name)
    taken = set(db.session.execute(select(Locality.code)).scalars())
    taken |= set(db.session.execute(select(Plan.code)).scalars())
    code = derive_code(name, taken, fallback="area")
    locality = Locality(code=code, name=name)
    db.session.add(locality)
    db.session.flush()
    plan = Plan(code=code, name=area_plan_name(name), kind="locality", locality_id=locality.id)
    db.session.add(plan)
    db.session.flush()
    add_event(
        "area_added",
        now=now,
        user_id=actor_id,
        target=name,
        detail={"locality_id": locality.id, "code": code, "plan": plan.name},
    )
    db.session.commit()
    return locality


def rename_area(locality_id: int, name: str, *, actor_id: int, now: datetime) -> bool:
    """Rename an area; its plan's name follows while it is still the name it was given with the
    area. Returns False (nothing written) if the name is unchanged."""
    row = get_area(locality_id)
    name = _checked(name, other_than=row.locality.id)
    old = row.locality.name
    if name == old:
        db.session.rollback()
        return False
    detail: dict = {"locality_id": row.locality.id, "from": old, "to": name}
    if row.plan is not None and row.plan.name == area_plan_name(old):
        row.plan.name = area_plan_name(name)
        detail["plan"] = row.plan.name
    row.locality.name = name
    add_event("area_renamed", now=now, user_id=actor_id, target=name, detail=detail)
    db.session.commit()
    return True


def retire_area(locality_id: int, *, actor_id: int, now: datetime) -> str:
    """Retire an area: from today no return or SEF is asked of it, it leaves the pickers for new
    work, and its plan, returns and SEFs stay in the history and exports. Returns its name."""
    locality = get_area(locality_id).locality
    if locality.retired_at is not None:
        raise Refused(f"{locality.name} is already retired")
    locality.retired_at = now
    add_event(
        "area_retired",
        now=now,
        user_id=actor_id,
        target=locality.name,
        detail={"locality_id": locality.id},
    )
    db.session.commit()
    return locality.name


def unretire_area(locality_id: int, *, actor_id: int, now: datetime) -> str:
    """Bring a retired area back into use: its returns and SEFs are asked for again from the
    cycle and month in progress. Returns its name."""
    locality = get_area(locality_id).locality
    if locality.retired_at is None:
        raise Refused(f"{locality.name} is not retired")
    retired_at = locality.retired_at
    locality.retired_at = None
    add_event(
        "area_unretired",
        now=now,
        user_id=actor_id,
        target=locality.name,
        detail={"locality_id": locality.id, "retired_at": retired_at.isoformat()},
    )
    db.session.commit()
    return locality.name


def remove_area(locality_id: int, *, actor_id: int, now: datetime) -> str:
    """Remove an area and its empty plan. One with open actions is refused (it can be retired);
    so is one with any other history: closed actions, returns, SEFs, challenges, evidence or
    people. Returns its name."""
    row = get_area(locality_id)
    if row.open_actions:
        raise Refused(OPEN_ACTIONS_REFUSAL)
    if not row.removable:
        held = [
            f"{n} {one if n == 1 else many}"
            for n, one, many in (
                (row.actions, "closed action", "closed actions"),
                (row.returns, "return", "returns"),
                (row.sefs, "SEF version", "SEF versions"),
                (row.challenges, "challenge", "challenges"),
                (row.evidence, "piece of evidence", "pieces of evidence"),
                (row.people, "person", "people"),
            )
            if n
        ]
        raise Refused(
            f"{row.locality.name} cannot be removed: it has {', '.join(held)}. "
            "Retire it instead: its history stays."
        )
    name = row.locality.name
    add_event(
        "area_removed",
        now=now,
        user_id=actor_id,
        target=name,
        detail={
            "code": row.locality.code,
            "plan": row.plan.name if row.plan is not None else None,
        },
    )
    if row.plan is not None:
        db.session.delete(row.plan)
        db.session.flush()
    db.session.delete(row.locality)
    db.session.commit()
    return name
