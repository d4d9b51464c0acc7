"""The day the action plan was sent to Ofsted: recorded by an administrator or the chair, never
in the future or before the report, and a refused date writes nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from tests.builders import actor_for, make_recommendation, make_user
from tracker.extensions import db
from tracker.models import AuditEvent, Inspection
from tracker.services.plan.inspection import SubmissionRefused, record_plan_submission

TODAY = date(2016, 3, 9)
NOW = datetime(2016, 3, 9, 15, tzinfo=UTC)


@pytest.mark.parametrize("role", ["admin", "chair"])
def test_an_administrator_or_the_chair_records_the_day_with_their_name(clean_db, role):
    make_recommendation()
    person = make_user(role=role)
    db.session.commit()
    person_id = person.id
    record_plan_submission(actor_for(person), submitted_on=date(2016, 3, 8), today=TODAY, now=NOW)
    db.session.remove()
    inspection = db.session.execute(select(Inspection)).scalar_one()
    assert inspection.plan_submitted_on == date(2016, 3, 8)
    assert inspection.plan_submitted_recorded_by_id == person_id
    assert inspection.plan_submitted_recorded_at == NOW
    event = db.session.execute(
        select(AuditEvent).where(AuditEvent.kind == "plan_submission_recorded")
    ).scalar_one()
    assert event.detail == {"submitted_on": "2016-03-08", "previous": None}


@pytest.mark.parametrize("role", ["locality_head", "action_lead", "performance_officer", "viewer"])
def test_other_roles_may_not_record_it(clean_db, role):
    make_recommendation()
    person = make_user(role=role)
    db.session.commit()
    with pytest.raises(PermissionError):
        record_plan_submission(
            actor_for(person), submitted_on=date(2016, 3, 8), today=TODAY, now=NOW
        )


@pytest.mark.parametrize(
    ("sent", "words"),
    [(date(2016, 3, 10), "today or in the past"), (date(2015, 11, 26), "27 November 2015")],
)
def test_a_date_in_the_future_or_before_the_report_is_refused_and_writes_nothing(
    clean_db, sent, words
):
    make_recommendation()
    chair = make_user(role="chair")
    db.session.commit()
    with pytest.raises(SubmissionRefused, match=words):
        record_plan_submission(actor_for(chair), submitted_on=sent, today=TODAY, now=NOW)
    db.session.rollback()
    assert db.session.execute(select(Inspection.plan_submitted_on)).scalar_one() is None
    assert db.session.execute(select(AuditEvent)).first() is None
