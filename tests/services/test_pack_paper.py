"""A meeting pack as a paper (issue 18.2): its covering note is kept version by version with the
meeting (audited, never overwritten), refused with a reason when it cannot be kept, and a pack
for a quarter with no measure values says so."""

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from tests.builders import (
    actor_for,
    make_action,
    make_cycles,
    make_measure,
    make_meeting,
    make_user,
)
from tracker.domain.meetings import MeetingKind
from tracker.extensions import db
from tracker.models import AuditEvent, PackNote
from tracker.services.governance import pack_paper
from tracker.services.governance.meetings import get_meeting
from tracker.services.plan.updates import Forbidden

AT = datetime(2016, 2, 5, 12, 0, tzinfo=UTC)


@pytest.fixture
def world(clean_db):
    make_cycles(upto=3)
    chair = make_user(role="chair", email="chair@trust.example")
    jsig = make_user(role="viewer", email="jsig@council.example")
    lead = make_user(role="action_lead", email="lead@trust.example")
    make_action(ref="MAP-001", lead=lead, target_date=date(2016, 1, 29))
    db.session.commit()
    meeting = make_meeting(chair=chair, kind="jsig")
    return {"chair": chair, "jsig": jsig, "lead": lead, "meeting": meeting}


def _notes() -> int:
    return db.session.execute(select(func.count()).select_from(PackNote)).scalar_one()


def test_each_save_of_a_covering_note_is_a_new_version_kept_with_the_meeting(world):
    meeting = world["meeting"]
    first = pack_paper.write_note(
        meeting, "  First draft.  ", actor=actor_for(world["jsig"]), now=AT
    )
    second = pack_paper.write_note(
        meeting,
        "The plan is on track.\r\nTwo actions wait for sign-off.",
        actor=actor_for(world["chair"]),
        now=AT.replace(hour=13),
    )
    assert (first, second) == (1, 2)
    history = pack_paper.note_history(meeting)
    assert [(v.version, v.text) for v in history] == [
        (2, "The plan is on track.\nTwo actions wait for sign-off."),
        (1, "First draft."),
    ]
    assert history[0].written_by == world["chair"].name
    events = (
        db.session.execute(select(AuditEvent.detail).where(AuditEvent.kind == "pack_note_written"))
        .scalars()
        .all()
    )
    assert sorted(e["version"] for e in events) == [1, 2]
    paper = pack_paper.build_paper(
        kind=MeetingKind.JSIG,
        day=date(2016, 2, 5),
        snapshot=get_meeting(meeting).snapshot,
        meeting_id=meeting,
    )
    assert paper.note is not None and paper.note.version == 2 and len(paper.notes) == 2


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Enter the covering note"),
        ("Seen on 03/04/2009 (DOB)", "date of birth"),
        ("Nul\x00here", "NUL character"),
        ("Escape\x1b[0m", "control characters"),
        ("x" * 6001, "6000 characters or fewer"),
    ],
)
def test_a_note_that_cannot_be_kept_is_refused_and_nothing_is_written(world, text, message):
    with pytest.raises(pack_paper.NoteRejected) as refused:
        pack_paper.write_note(world["meeting"], text, actor=actor_for(world["jsig"]), now=AT)
    assert message in refused.value.message
    db.session.rollback()
    assert _notes() == 0
    assert (
        db.session.execute(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.kind == "pack_note_written")
        ).scalar_one()
        == 0
    )


def test_only_a_chair_or_a_jsig_member_writes_the_note(world):
    with pytest.raises(Forbidden):
        pack_paper.write_note(world["meeting"], "Note.", actor=actor_for(world["lead"]), now=AT)
    assert _notes() == 0


def test_a_pack_for_a_quarter_with_no_values_says_so(world):
    make_measure(code="A1", kind="key")  # a key measure with a target, and no value at all
    db.session.commit()
    paper = pack_paper.build_paper(
        kind=MeetingKind.JSIG,
        day=date(2016, 2, 5),
        snapshot=get_meeting(world["meeting"]).snapshot,
        meeting_id=world["meeting"],
    )
    assert paper.quarter.text == "2015-Q3"
    assert [r.code for r in paper.scorecard.rows] == ["A1"]
    assert not paper.has_values and paper.no_value_count == 1
    # The exceptions carry their lifecycle: MAP-001 is open work a week past its date.
    assert [(e.row["ref"], e.standing) for e in paper.exceptions] == [
        ("MAP-001", "In progress, 7 days overdue")
    ]
