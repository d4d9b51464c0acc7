"""Scale data for benchmarks: N copies of the illustrative plan, each with its full history.

Call `add_copies(factor)` inside an app context on a database that already holds the seed. Every
seeded action gets `factor - 1` copies (refs `MAP-001~x2`, `MAP-001~x3`, ...) with the same plan,
recommendation, lead, organisation, dates, partners and history rows (version numbers kept).
A copied locality action implements, and a copied action depends on, the actions of its own copy,
so each copy is a complete plan of the same shape. Rows go in with bulk Core inserts.
"""

from __future__ import annotations

from sqlalchemy import func, select

from tracker.extensions import db
from tracker.models import Action, ActionDependency, ActionUpdate, action_partner

COPY_MARK = "~x"

_ACTION_COLUMNS = (
    "plan_id",
    "recommendation_id",
    "title",
    "description",
    "lead_user_id",
    "lead_organisation_id",
    "start_date",
    "target_date",
    "success_measure",
    "version",
    "created_at",
)
_UPDATE_COLUMNS = (
    "version",
    "cycle_id",
    "author_id",
    "cause",
    "recorded_at",
    "lifecycle",
    "rag",
    "impact",
    "summary",
    "reason",
    "evidence",
)


def copy_ref(ref: str, copy: int) -> str:
    """The ref of an action's copy number `copy` (2 and up; copy 1 is the seed itself)."""
    return f"{ref}{COPY_MARK}{copy}"


def add_copies(factor: int) -> dict[str, int]:
    """Add `factor - 1` copies of every seeded action and its history; commit once.

    Returns the number of rows added per table.
    """
    added = {"action": 0, "action_update": 0, "action_partner": 0, "action_dependency": 0}
    if factor <= 1:
        return added
    actions = db.session.execute(
        select(Action.__table__).where(Action.ref.not_like(f"%{COPY_MARK}%")).order_by(Action.id)
    ).all()
    by_id = {a.id: a for a in actions}
    copies = range(2, factor + 1)

    # Main-plan actions first, so locality copies can point at their own copy of the main action.
    leaders = [a for a in actions if a.main_action_id is None]
    followers = [a for a in actions if a.main_action_id is not None]
    new_ids: dict[str, int] = {}
    for batch in (leaders, followers):
        rows = [
            {
                "ref": copy_ref(a.ref, n),
                "main_action_id": (
                    new_ids[copy_ref(by_id[a.main_action_id].ref, n)]
                    if a.main_action_id is not None
                    else None
                ),
                **{c: getattr(a, c) for c in _ACTION_COLUMNS},
            }
            for n in copies
            for a in batch
        ]
        if not rows:
            continue
        db.session.execute(Action.__table__.insert(), rows)
        added["action"] += len(rows)
        refs = [r["ref"] for r in rows]
        new_ids.update(
            db.session.execute(
                select(Action.ref, Action.id).where(Action.ref.like(f"%{COPY_MARK}%"))
            ).all()
        )
        missing = set(refs) - set(new_ids)
        if missing:
            raise RuntimeError(f"{len(missing)} copied actions were not found after insert")

    def copied(action_id: int, n: int) -> int:
        return new_ids[copy_ref(by_id[action_id].ref, n)]

    ids = list(by_id)
    partners = db.session.execute(
        select(action_partner).where(action_partner.c.action_id.in_(ids))
    ).all()
    partner_rows = [
        {"action_id": copied(p.action_id, n), "organisation_id": p.organisation_id}
        for n in copies
        for p in partners
    ]
    dependencies = db.session.execute(
        select(ActionDependency.__table__).where(ActionDependency.action_id.in_(ids))
    ).all()
    dependency_rows = [
        {
            "action_id": copied(d.action_id, n),
            "depends_on_id": copied(d.depends_on_id, n),
            "created_at": d.created_at,
            "created_by_id": d.created_by_id,
        }
        for n in copies
        for d in dependencies
    ]
    updates = db.session.execute(
        select(ActionUpdate.__table__)
        .where(ActionUpdate.action_id.in_(ids))
        .order_by(ActionUpdate.action_id, ActionUpdate.version)
    ).all()
    update_rows = [
        {"action_id": copied(u.action_id, n), **{c: getattr(u, c) for c in _UPDATE_COLUMNS}}
        for n in copies
        for u in updates
    ]
    for table, rows, key in (
        (action_partner, partner_rows, "action_partner"),
        (ActionDependency.__table__, dependency_rows, "action_dependency"),
        (ActionUpdate.__table__, update_rows, "action_update"),
    ):
        if rows:
            db.session.execute(table.insert(), rows)
            added[key] += len(rows)
    db.session.commit()
    return added


def count_rows() -> dict[str, int]:
    """Rows in the tables the plan reads touch."""
    return {
        table.name: db.session.execute(select(func.count()).select_from(table)).scalar_one()
        for table in (
            Action.__table__,
            ActionUpdate.__table__,
            action_partner,
            ActionDependency.__table__,
        )
    }
