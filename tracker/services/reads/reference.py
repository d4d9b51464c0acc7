"""Reference lookups for pages and filter menus: plans, localities, organisations,
recommendations and leads."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import exists, select, true
from sqlalchemy.orm import aliased

from tracker.domain.frameworks import get_framework
from tracker.domain.setup import SETTING_KEYS
from tracker.extensions import db
from tracker.models import (
    Action,
    Inspection,
    Locality,
    Organisation,
    Plan,
    Recommendation,
    Setting,
    User,
)
from tracker.services.errors import NotFound


@dataclass(frozen=True)
class PlanChoice:
    """A plan as the filter menus, the plan filter's check, the dashboard and the OpenAPI
    document know it: its code, its short name (its locality's, or "Main plan"), its kind, its
    locality's code (None for the main plan), its own full name and whether its area is retired
    (its actions stay findable, after the plans in use; no new work goes to it)."""

    code: str
    name: str
    kind: str
    locality_code: str | None
    full_name: str
    retired: bool = False


_PLAN_LOCALITY = aliased(Locality, name="plan_locality")
# The columns a PlanChoice is made of, in the order `plan_choice` reads them.
PLAN_CHOICE_COLUMNS = (
    Plan.code,
    Plan.kind,
    _PLAN_LOCALITY.code,
    _PLAN_LOCALITY.name,
    Plan.name,
    _PLAN_LOCALITY.retired_at,
)


def plan_choice(
    code, kind, locality_code, locality_name, full_name, retired_at
) -> PlanChoice | None:
    """A PlanChoice from PLAN_CHOICE_COLUMNS' values (None when there is no plan)."""
    if code is None or kind is None:
        return None
    return PlanChoice(
        code, locality_name or "Main plan", kind, locality_code, full_name, retired_at is not None
    )


def list_plan_choices() -> list[PlanChoice]:
    """Every plan, in the order they were made: one statement."""
    rows = db.session.execute(
        select(*PLAN_CHOICE_COLUMNS)
        .outerjoin(_PLAN_LOCALITY, _PLAN_LOCALITY.id == Plan.locality_id)
        .order_by(Plan.id)
    ).all()
    return [p for p in (plan_choice(*row) for row in rows) if p is not None]


# Each saved setting (issue 20.2) as a column of its own, read with the person signed in.
_SETTING_COLUMNS = tuple(
    select(Setting.value).where(Setting.key == key).scalar_subquery().label(f"setting_{key}")
    for key in SETTING_KEYS
) + tuple(
    select(Setting.updated_at).where(Setting.key == key).scalar_subquery().label(f"changed_{key}")
    for key in SETTING_KEYS
)


def get_user_with_plans(
    user_id: int,
) -> tuple[User | None, list[PlanChoice], dict[str, Any], dict[str, datetime]]:
    """A person, every plan and the saved settings (with when each last changed), in one
    statement: each page's menu links to the plans and follows the set-up, and its filters check
    a plan's code, so they come with the person who asks (one row a plan)."""
    rows = db.session.execute(
        select(User, *_SETTING_COLUMNS, *PLAN_CHOICE_COLUMNS)
        .select_from(User)
        .outerjoin(Plan, true())
        .outerjoin(_PLAN_LOCALITY, _PLAN_LOCALITY.id == Plan.locality_id)
        .where(User.id == user_id)
        .order_by(Plan.id)
        # A person already in the session (expired by a commit) is loaded whole again, with
        # their organisation and localities, as `session.get` would.
        .execution_options(populate_existing=True)
    ).all()
    if not rows:
        return None, [], {}, {}
    keys, width = len(SETTING_KEYS), len(_SETTING_COLUMNS)
    saved = {
        key: value
        for key, value in zip(SETTING_KEYS, rows[0][1 : 1 + keys], strict=True)
        if value is not None
    }
    changed = {
        key: moment
        for key, moment in zip(SETTING_KEYS, rows[0][1 + keys : 1 + width], strict=True)
        if moment is not None
    }
    plans = [plan_choice(*row[1 + width :]) for row in rows]
    return rows[0][0], [p for p in plans if p is not None], saved, changed


def list_plans() -> list[Plan]:
    return list(db.session.execute(select(Plan).order_by(Plan.id)).scalars())


def get_plan(code: str) -> Plan:
    plan = db.session.execute(select(Plan).where(Plan.code == code)).scalar_one_or_none()
    if plan is None:
        raise NotFound(f"No plan {code}")
    return plan


def get_locality(code: str) -> Locality:
    locality = db.session.execute(
        select(Locality).where(Locality.code == code)
    ).scalar_one_or_none()
    if locality is None:
        raise NotFound(f"No area {code}")
    return locality


def list_organisations() -> list[Organisation]:
    return list(db.session.execute(select(Organisation).order_by(Organisation.name)).scalars())


def list_recommendation_refs() -> list[tuple[str, str]]:
    """(ref, title) for filter menus."""
    return [
        (ref, title)
        for ref, title in db.session.execute(
            select(Recommendation.ref, Recommendation.title).order_by(Recommendation.number)
        ).all()
    ]


def list_finding_menus() -> tuple[list[tuple[str, str]], dict[int, str]]:
    """The lists' finding menus in one statement: (ref, title) of every finding, event by event,
    and each inspection event that has findings, its title (its framework's name where it has
    none) by id."""
    recommendations: list[tuple[str, str]] = []
    events: dict[int, str] = {}
    for ref, title, event_id, event_title, framework in db.session.execute(
        select(
            Recommendation.ref,
            Recommendation.title,
            Inspection.id,
            Inspection.title,
            Inspection.framework,
        )
        .join(Inspection, Inspection.id == Recommendation.inspection_id)
        .order_by(Inspection.id, Recommendation.number, Recommendation.id)
    ).all():
        recommendations.append((ref, title))
        events.setdefault(event_id, event_title or get_framework(framework).name)
    return recommendations, events


def list_leads() -> list[tuple[int, str]]:
    """(user id, name) of everyone who leads an action, for the filter menus."""
    return [
        (user_id, name)
        for user_id, name in db.session.execute(
            select(User.id, User.name)
            .where(exists(select(Action.id).where(Action.lead_user_id == User.id)))
            .order_by(User.name)
        ).all()
    ]


def list_active_people() -> list[User]:
    """Everyone who may lead an action (not left), by name, for the plan's forms."""
    return list(
        db.session.execute(
            select(User).where(User.active.is_(True), User.left_at.is_(None)).order_by(User.name)
        ).scalars()
    )
