"""Reference lookups for pages and filter menus: plans, localities, organisations,
recommendations and leads."""

from __future__ import annotations

from sqlalchemy import exists, select

from tracker.extensions import db
from tracker.models import (
    Action,
    Locality,
    Organisation,
    Plan,
    Recommendation,
    User,
)
from tracker.services.errors import NotFound


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
        raise NotFound(f"No locality {code}")
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
