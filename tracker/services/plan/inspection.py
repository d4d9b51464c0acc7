"""The inspection page's one write: the day the action plan was sent to Ofsted."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select

from tracker.domain.deadlines import plan_submission_problem
from tracker.domain.permissions import Actor, Permission, can
from tracker.extensions import db
from tracker.models import Inspection
from tracker.services.errors import NotFound
from tracker.services.platform.audit import add_event


class SubmissionRefused(ValueError):
    """The date cannot be the day the plan was sent; the message says why, in words."""


def record_plan_submission(
    actor: Actor, *, submitted_on: date, today: date, now: datetime
) -> Inspection:
    """Record the day the action plan went to Ofsted (an administrator or the chair): not in the
    future and not before the report was published. Commits once, with an audit event."""
    if not can(actor, Permission.RECORD_PLAN_SUBMISSION):
        raise PermissionError("only an administrator or the chair records the plan as sent")
    inspection = db.session.execute(
        select(Inspection).order_by(Inspection.id).limit(1)
    ).scalar_one_or_none()
    if inspection is None:
        raise NotFound("There is no inspection")
    problem = plan_submission_problem(
        submitted_on, published=inspection.report_published, today=today
    )
    if problem:
        raise SubmissionRefused(problem)
    previous = inspection.plan_submitted_on
    inspection.plan_submitted_on = submitted_on
    inspection.plan_submitted_recorded_by_id = actor.user_id
    inspection.plan_submitted_recorded_at = now
    add_event(
        "plan_submission_recorded",
        now=now,
        user_id=actor.user_id,
        target=f"inspection/{inspection.id}",
        detail={
            "submitted_on": submitted_on.isoformat(),
            "previous": previous.isoformat() if previous else None,
        },
    )
    db.session.commit()
    return inspection
