"""Monthly locality SEFs: every save a new version, the head's own locality only, personal data
refused, the chair's grid and the chasing's view in a fixed number of queries."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from tests.builders import SEF_ANSWERS, actor_for, get_or_make_locality, make_user
from tests.conftest import QueryCounter
from tracker.domain.sef import SefStatus
from tracker.extensions import db
from tracker.models import AuditEvent, SefVersion
from tracker.services.errors import NotFound
from tracker.services.loop.sefs import (
    SefConflict,
    SefRejected,
    compare_sef,
    get_sef,
    list_sef_grid,
    save_sef,
    sef_submissions,
)
from tracker.services.plan.updates import Forbidden

TODAY = date(2016, 2, 5)  # February's SEF is due today (the fifth working day)
NOW = datetime(2016, 2, 5, 10, 30, tzinfo=UTC)
COMPLETE = SEF_ANSWERS


@pytest.fixture
def people(clean_db):
    for code in ("north", "south", "east", "central"):
        get_or_make_locality(code)
    people = {
        "east": make_user(role="locality_head", locality="east"),
        "north": make_user(role="locality_head", locality="north"),
        "admin": make_user(role="admin"),
        "deputy": make_user(role="action_lead", deputy_for="east"),
        "chair": make_user(role="chair"),
    }
    db.session.commit()
    return {name: actor_for(user) for name, user in people.items()}


def _save(people, fields, *, submit=False, who="east", locality="east", month="2016-02", **kw):
    return save_sef(locality, month, fields, submit=submit, actor=people[who], now=NOW, **kw)


def _versions() -> list[SefVersion]:
    return list(db.session.execute(select(SefVersion).order_by(SefVersion.id)).scalars())


def test_every_save_is_a_new_version_and_nothing_is_overwritten(people):
    assert _save(people, {"what_we_know": "First thoughts."}) == 1
    assert _save(people, {"what_we_know": "First thoughts, revised."}) == 2
    assert _save(people, COMPLETE, submit=True) == 3
    assert _save(people, COMPLETE | {"self_grade": "good"}, submit=True) == 4
    rows = _versions()
    assert [(r.version, r.status) for r in rows] == [
        (1, "draft"),
        (2, "draft"),
        (3, "submitted"),
        (4, "submitted"),
    ]
    assert rows[0].what_we_know == "First thoughts."
    assert rows[3].self_grade == "good" and rows[2].self_grade == "requires_improvement"
    assert {r.author_id for r in rows} == {people["east"].user_id}

    sef = get_sef("east", "2016-02", today=TODAY)
    assert [v.version for v in sef.versions] == [1, 2, 3, 4]
    assert sef.latest.values["self_grade"] == "good"
    assert sef.status is SefStatus.SUBMITTED
    assert sef.due_on == date(2016, 2, 5) and sef.month_label == "February 2016"


def test_a_draft_may_be_partial_but_a_submission_must_be_complete(people):
    with pytest.raises(SefRejected) as refused:
        _save(people, COMPLETE | {"how_we_know": "", "self_grade": ""}, submit=True)
    assert set(refused.value.errors) == {"how_we_know", "self_grade"}
    assert _versions() == []
    assert _save(people, COMPLETE | {"how_we_know": "", "self_grade": ""}) == 1


def test_an_empty_draft_is_refused(people):
    with pytest.raises(SefRejected) as refused:
        _save(people, {})
    assert refused.value.errors == {
        "what_we_know": "Answer at least one question before saving a draft"
    }


@pytest.mark.parametrize(
    "field", ["what_we_know", "how_we_know", "practice_quality", "evidence", "management_oversight"]
)
def test_child_level_data_in_any_free_text_is_refused_even_in_a_draft(people, field):
    text = "Audit found drift for Child A (aged 14) on a plan."
    for submit in (False, True):
        with pytest.raises(SefRejected) as refused:
            _save(people, COMPLETE | {field: text}, submit=submit)
        assert list(refused.value.errors) == [field]
        assert "child-level data" in refused.value.errors[field]
    assert _versions() == []


@pytest.mark.parametrize(
    ("who", "locality", "allowed"),
    [
        ("east", "east", True),
        ("deputy", "east", True),  # East's named deputy
        ("deputy", "north", False),
        ("admin", "east", False),  # separation of duties: the admin writes no SEF
        ("north", "east", False),  # another locality's head
        ("chair", "east", False),  # chairs read and compare, they do not write SEFs
    ],
)
def test_only_the_localitys_own_head_or_their_deputy_saves_its_sef(people, who, locality, allowed):
    if allowed:
        assert _save(people, COMPLETE, submit=True, who=who, locality=locality) == 1
    else:
        with pytest.raises(Forbidden):
            _save(people, COMPLETE, submit=True, who=who, locality=locality)
        assert _versions() == []


@pytest.mark.parametrize(
    ("locality", "month", "refused"),
    [("nowhere", "2016-02", Forbidden), ("east", "2016-13", NotFound)],
)
def test_an_unknown_locality_or_month_is_not_found(people, locality, month, refused):
    # Nobody speaks for a locality that does not exist: refused before it is looked up.
    with pytest.raises(refused):
        _save(people, COMPLETE, who="east", locality=locality, month=month)
    with pytest.raises(NotFound):
        get_sef(locality, month, today=TODAY)


def test_each_save_and_submission_is_audited_in_the_same_commit(people):
    _save(people, {"evidence": "Audit booked."}, remote_addr="198.51.100.4")
    _save(people, COMPLETE, submit=True)
    events = list(
        db.session.execute(
            select(AuditEvent).where(AuditEvent.kind.like("sef_%")).order_by(AuditEvent.id)
        ).scalars()
    )
    assert [(e.kind, e.target, e.detail) for e in events] == [
        ("sef_draft_saved", "east SEF 2016-02", {"version": 1, "status": "draft"}),
        ("sef_submitted", "east SEF 2016-02", {"version": 2, "status": "submitted"}),
    ]
    assert events[0].remote_addr == "198.51.100.4"


def test_a_save_from_a_stale_form_is_a_conflict_and_writes_nothing(people):
    _save(people, {"what_we_know": "Mine."}, expected_version=0)
    _save(people, {"what_we_know": "Admin's."}, who="deputy", expected_version=1)
    with pytest.raises(SefConflict) as conflict:
        _save(people, {"what_we_know": "Mine again."}, expected_version=1)
    assert (conflict.value.expected_version, conflict.value.current_version) == (1, 2)
    assert len(_versions()) == 2
    assert _save(people, {"what_we_know": "Mine, having read theirs."}, expected_version=2) == 3


def test_text_is_kept_trimmed_with_plain_line_endings(people):
    _save(people, {"what_we_know": "  Line one.\r\nLine two.  \r\n"})
    assert _versions()[0].what_we_know == "Line one.\nLine two."


@pytest.mark.parametrize(
    ("saves", "today", "status"),
    [
        ([], TODAY, SefStatus.NOT_STARTED),
        ([], date(2016, 2, 8), SefStatus.MISSING),
        ([(False, NOW)], TODAY, SefStatus.DRAFT),
        ([(False, NOW)], date(2016, 2, 8), SefStatus.MISSING),
        ([(True, NOW)], date(2016, 2, 8), SefStatus.SUBMITTED),
        ([(True, datetime(2016, 2, 8, 9, tzinfo=UTC))], date(2016, 2, 8), "late"),
    ],
)
def test_the_status_of_a_sef_follows_its_versions_and_due_day(people, saves, today, status):
    for submit, now in saves:
        save_sef("east", "2016-02", COMPLETE, submit=submit, actor=people["east"], now=now)
    status = SefStatus.SUBMITTED_LATE if status == "late" else status
    assert get_sef("east", "2016-02", today=today).status is status


def test_the_due_day_is_a_setting(people):
    # The tenth working day of February 2016 is Friday 12 February: not missing on the 8th.
    sef = get_sef("east", "2016-02", today=date(2016, 2, 8), due_working_day=10)
    assert sef.due_on == date(2016, 2, 12) and sef.status is SefStatus.NOT_STARTED


def test_the_chairs_grid_flags_late_and_missing_sefs(people):
    jan_late = datetime(2016, 1, 11, 9, tzinfo=UTC)  # January was due Friday 8 January
    save_sef("east", "2016-01", COMPLETE, submit=True, actor=people["east"], now=jan_late)
    save_sef(
        "north",
        "2016-01",
        {"evidence": "Started."},
        submit=False,
        actor=people["north"],
        now=jan_late,
    )
    _save(people, COMPLETE, submit=True)
    grid = list_sef_grid(["2016-01", "2016-02"], TODAY)
    assert [row.month for row in grid] == ["2016-02", "2016-01"]  # newest first
    statuses = {(c.locality_code, c.month): c for row in grid for c in row.cells}
    assert statuses["east", "2016-02"].status is SefStatus.SUBMITTED
    assert statuses["north", "2016-02"].status is SefStatus.NOT_STARTED  # due today, not late yet
    assert statuses["east", "2016-01"].late
    assert statuses["north", "2016-01"].missing and statuses["north", "2016-01"].has_draft
    assert statuses["south", "2016-01"].missing and not statuses["south", "2016-01"].has_draft
    assert [c.locality_code for c in grid[0].cells] == ["north", "south", "east", "central"]


def test_a_locality_heads_grid_holds_only_their_locality(people):
    grid = list_sef_grid(["2016-01", "2016-02"], TODAY, locality="east")
    assert [[c.locality_code for c in row.cells] for row in grid] == [["east"], ["east"]]


def _count(clean_db, call) -> int:
    with QueryCounter(db.engine) as counter:
        call()
    return counter.count


def test_the_grid_and_one_sef_run_a_fixed_number_of_queries(clean_db, people):
    months = ["2016-01", "2016-02"]
    before_grid = _count(clean_db, lambda: list_sef_grid(months, TODAY))
    before_one = _count(clean_db, lambda: get_sef("east", "2016-02", today=TODAY))
    for locality, who in (("east", "east"), ("north", "north")):
        for month in months:
            for n in range(3):
                save_sef(
                    locality,
                    month,
                    COMPLETE | {"evidence": f"Audit {n}."},
                    submit=n == 2,
                    actor=people[who],
                    now=NOW,
                )
    db.session.expire_all()
    assert _count(clean_db, lambda: list_sef_grid(months, TODAY)) == before_grid == 2
    assert _count(clean_db, lambda: get_sef("east", "2016-02", today=TODAY)) == before_one == 2


def test_the_chasing_learns_which_sefs_were_submitted_in_one_query(clean_db, people):
    _save(people, COMPLETE, submit=True)
    _save(people, {"evidence": "Started."}, who="north", locality="north")
    _save(people, COMPLETE, submit=True, who="north", locality="north", month="2016-01")
    with QueryCounter(db.engine) as counter:
        found = sef_submissions(["2016-01", "2016-02"])
    assert counter.count == 1
    assert found == {
        ("north", "2016-01"): True,
        ("north", "2016-02"): False,  # only a draft
        ("south", "2016-01"): False,
        ("south", "2016-02"): False,
        ("east", "2016-01"): False,
        ("east", "2016-02"): True,
        ("central", "2016-01"): False,
        ("central", "2016-02"): False,
    }
    assert sef_submissions([]) == {}


def test_comparing_two_versions_marks_what_changed(people):
    _save(people, COMPLETE | {"self_grade": ""})
    _save(people, COMPLETE, submit=True)
    _save(people, COMPLETE | {"practice_quality": "Plans now specific."}, submit=True)
    latest_two = compare_sef("east", "2016-02", None, None, today=TODAY)
    assert (latest_two.a.version, latest_two.b.version) == (2, 3)
    assert [c.field for c in latest_two.changes if c.changed] == ["practice_quality"]
    first_last = compare_sef("east", "2016-02", 1, 3, today=TODAY)
    assert [c.field for c in first_last.changes if c.changed] == [
        "practice_quality",
        "self_grade",
    ]
    assert first_last.changed == 2
    with pytest.raises(NotFound):
        compare_sef("east", "2016-02", 1, 9, today=TODAY)


def test_comparing_a_sef_with_no_versions_has_nothing_to_show(people):
    empty = compare_sef("east", "2016-02", None, None, today=TODAY)
    assert empty.a is None and empty.changes == []
    with pytest.raises(NotFound):
        compare_sef("east", "2016-02", 1, 2, today=TODAY)
