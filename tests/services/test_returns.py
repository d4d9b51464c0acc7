"""The fortnightly locality return: what it lists, drafts that survive, an all-or-nothing submit."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from tests.builders import (
    actor_for,
    add_update,
    make_action,
    make_cycles,
    make_locality_return,
    make_user,
)
from tracker.domain.personal_data import personal_data_message
from tracker.extensions import db
from tracker.models import Action, ActionUpdate, AuditEvent, LocalityReturn, ReturnDraft
from tracker.services.errors import NotFound
from tracker.services.loop.returns import (
    NOTHING_TO_SAVE,
    Entry,
    ReturnConflict,
    ReturnRejected,
    get_return,
    list_return_statuses,
    save_draft,
    submit_return,
)
from tracker.services.plan.updates import Forbidden

TODAY = date(2016, 2, 5)  # cycle 3: opens Monday 1 February, due noon Friday 12 February
NOW = datetime(2016, 2, 5, 10, 30, tzinfo=UTC)
OPEN_REFS = ["N-01", "N-02", "N-03"]


@pytest.fixture
def north(clean_db):
    """North with three open actions and one closed, South with one, cycles 1 to 30."""
    cycles = make_cycles(upto=30)
    head = make_user(role="locality_head", locality="north")
    south_head = make_user(role="locality_head", locality="south")
    actions = {
        "N-01": make_action(ref="N-01", plan="north", rag="green"),
        "N-02": make_action(ref="N-02", plan="north", rag="amber", lifecycle="not_started"),
        "N-03": make_action(ref="N-03", plan="north", rag="red", impact="emerging"),
        "N-04": make_action(ref="N-04", plan="north", lifecycle="closed_evidenced", rag=None),
        "S-01": make_action(ref="S-01", plan="south"),
    }
    db.session.commit()
    return {"cycles": cycles, "head": head, "south_head": south_head, "actions": actions}


def _entries(north, **per_ref) -> list[Entry]:
    """A valid entry for every open North action at its current version; per_ref overrides."""
    entries = []
    for ref in OPEN_REFS:
        action = north["actions"][ref]
        values = {
            "summary": f"{ref}: fortnight's progress recorded at the locality meeting.",
            "lifecycle": "not_started" if ref == "N-02" else "in_progress",
            "rag": {"N-01": "green", "N-02": "amber", "N-03": "red"}[ref],
            "impact": "emerging" if ref == "N-03" else "not_yet_evidenced",
        }
        values |= per_ref.get(ref, {})
        entries.append(Entry(ref=ref, version=action.version, **values))
    return entries


def _submit(north, entries, *, cycle=3, now=NOW, who="head"):
    return submit_return(
        "north", cycle, entries, actor=actor_for(north[who]), now=now, remote_addr="198.51.100.4"
    )


def _count(model, *where) -> int:
    return db.session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


def _assert_nothing_written(north) -> None:
    db.session.rollback()
    assert _count(ActionUpdate) == len(north["actions"])
    assert _count(LocalityReturn, LocalityReturn.status == "submitted") == 0
    assert all(db.session.get(Action, a.id).version == 1 for a in north["actions"].values())
    assert _count(AuditEvent, AuditEvent.kind == "return_submitted") == 0


# --- get_return ---------------------------------------------------------------------------------


def test_the_return_lists_only_the_open_actions_of_that_locality(north):
    view = get_return("north", 3, today=TODAY, now=NOW)

    assert [line.ref for line in view.lines] == OPEN_REFS
    assert (view.locality_code, view.cycle_number, view.status) == ("north", 3, "not_started")
    assert view.opens_on == date(2016, 2, 1)
    assert view.due_at == datetime(2016, 2, 12, 12, 0, tzinfo=UTC)
    assert not view.overdue and not view.late


def test_each_line_is_pre_filled_with_the_last_state_and_shows_the_last_summary(north):
    view = get_return("north", 3, today=TODAY, now=NOW)

    by_ref = {line.ref: line for line in view.lines}
    n02, n03 = by_ref["N-02"].entry, by_ref["N-03"].entry
    assert (n02.lifecycle, n02.rag, n02.impact) == ("not_started", "amber", "not_yet_evidenced")
    assert (n03.lifecycle, n03.rag, n03.impact) == ("in_progress", "red", "emerging")
    assert n03.summary == "" and n03.version == 1
    assert by_ref["N-03"].last_summary == "Agreed."
    assert not by_ref["N-03"].updated_this_cycle


def test_an_unknown_locality_or_cycle_is_not_found(north):
    with pytest.raises(NotFound):
        get_return("west", 3, today=TODAY, now=NOW)
    with pytest.raises(NotFound):
        get_return("north", 99, today=TODAY, now=NOW)


def test_a_return_not_submitted_by_the_due_moment_is_overdue(north):
    after_noon = datetime(2016, 2, 12, 12, 1, tzinfo=UTC)

    assert get_return("north", 3, today=date(2016, 2, 12), now=after_noon).overdue
    assert not get_return("north", 4, today=date(2016, 2, 12), now=after_noon).overdue


# --- drafts -------------------------------------------------------------------------------------


def test_a_saved_draft_survives_a_new_session_and_writes_nothing_to_history(north):
    typed = _entries(
        north,
        **{"N-02": {"summary": "Half typed", "rag": "red", "reason": "", "lifecycle": ""}},
    )

    head_name = north["head"].name
    save_draft("north", 3, typed, actor=actor_for(north["head"]), now=NOW)
    db.session.remove()  # as if signed out: a fresh session reads it back

    view = get_return("north", 3, today=TODAY, now=NOW)
    by_ref = {line.ref: line.entry for line in view.lines}
    assert by_ref["N-02"].summary == "Half typed"
    assert (by_ref["N-02"].rag, by_ref["N-02"].lifecycle) == ("red", "")
    assert by_ref["N-01"].summary.startswith("N-01: fortnight's progress")
    assert view.status == "draft"
    assert view.draft_saved_at == NOW
    assert view.draft_saved_by == head_name
    assert _count(ActionUpdate) == len(north["actions"])
    assert set(db.session.execute(select(Action.version)).scalars()) == {1}


def test_saving_a_draft_again_replaces_each_entry_and_is_audited(north):
    actor = actor_for(north["head"])
    save_draft("north", 3, _entries(north), actor=actor, now=NOW)
    later = datetime(2016, 2, 8, 9, tzinfo=UTC)
    save_draft(
        "north", 3, _entries(north, **{"N-01": {"summary": "Second go"}}), actor=actor, now=later
    )

    assert _count(ReturnDraft) == 3
    view = get_return("north", 3, today=TODAY, now=later)
    assert view.lines[0].entry.summary == "Second go"
    assert view.draft_saved_at == later
    assert _count(AuditEvent, AuditEvent.kind == "return_draft_saved") == 2


def test_a_draft_ignores_actions_that_are_not_open_in_that_locality(north):
    stray = [Entry(ref="S-01", version=1, summary="x"), Entry(ref="N-04", version=1, summary="x")]

    with pytest.raises(ReturnRejected) as caught:
        save_draft("north", 3, stray, actor=actor_for(north["head"]), now=NOW)

    assert caught.value.errors == NOTHING_TO_SAVE
    db.session.rollback()
    assert _count(ReturnDraft) == 0 and _count(LocalityReturn) == 0


def test_an_empty_draft_is_refused_and_creates_no_return(north):
    with pytest.raises(ReturnRejected) as caught:
        save_draft("north", 3, [], actor=actor_for(north["head"]), now=NOW)

    assert caught.value.errors == NOTHING_TO_SAVE
    db.session.rollback()
    assert _count(LocalityReturn) == 0 and _count(AuditEvent) == 0


def test_only_the_localitys_head_may_save_its_draft(north):
    with pytest.raises(Forbidden):
        save_draft("north", 3, _entries(north), actor=actor_for(north["south_head"]), now=NOW)
    db.session.rollback()
    assert _count(LocalityReturn) == 0 and _count(ReturnDraft) == 0


@pytest.mark.parametrize("field", ["summary", "reason", "evidence"])
def test_a_draft_never_stores_child_level_data_but_saves_everything_else(north, field):
    """The guard holds text back 'before saving': a draft is saved text too. Only the flagged
    text is held back; every other entry, and the rest of the flagged one, is saved."""
    text = "Visited child X aged 7 at home"
    entries = _entries(north, **{"N-01": {field: text, "rag": "amber"}})

    result = save_draft("north", 3, entries, actor=actor_for(north["head"]), now=NOW)

    assert result.held_back == {"N-01": {field: personal_data_message(text)}}
    assert result.saved == OPEN_REFS
    db.session.remove()
    stored = {d.action_id: d.fields for d in db.session.execute(select(ReturnDraft)).scalars()}
    assert len(stored) == 3
    assert not any(text in str(fields) for fields in stored.values())
    view = get_return("north", 3, today=TODAY, now=NOW)
    n01, n02 = view.lines[0].entry, view.lines[1].entry
    assert getattr(n01, field) == "" and n01.rag == "amber"
    assert n02.summary.startswith("N-02: fortnight's progress")
    assert view.status == "draft"


# --- submitting ---------------------------------------------------------------------------------


def test_a_valid_return_writes_one_update_per_open_action_in_the_cycle(north):
    entries = _entries(
        north,
        **{
            "N-01": {"rag": "amber", "reason": "Audit slipped a week"},
            "N-03": {
                "lifecycle": "complete_awaiting_signoff",
                "reason": "All posts filled",
                "evidence": "Establishment report, 1 February.",
            },
        },
    )

    written = _submit(north, entries)

    assert written == 3
    cycle3 = north["cycles"][3]
    rows = (
        db.session.execute(
            select(ActionUpdate).where(ActionUpdate.version == 2).order_by(ActionUpdate.action_id)
        )
        .scalars()
        .all()
    )
    assert len(rows) == 3
    assert {r.cycle_id for r in rows} == {cycle3.id}
    assert {r.author_id for r in rows} == {north["head"].id}
    assert {r.cause for r in rows} == {"person"}
    by_action = {r.action_id: r for r in rows}
    assert by_action[north["actions"]["N-01"].id].rag == "amber"
    assert by_action[north["actions"]["N-03"].id].lifecycle == "complete_awaiting_signoff"
    record = db.session.execute(select(LocalityReturn)).scalar_one()
    assert (record.status, record.late, record.submitted_at) == ("submitted", False, NOW)
    assert record.submitted_by_id == north["head"].id
    events = (
        db.session.execute(select(AuditEvent).where(AuditEvent.kind == "return_submitted"))
        .scalars()
        .all()
    )
    assert [(e.target, e.detail) for e in events] == [
        ("north cycle 3", {"updates": 3, "late": False})
    ]
    assert get_return("north", 3, today=TODAY, now=NOW).status == "submitted"


def test_submitting_over_a_saved_draft_marks_the_lines_updated_this_cycle(north):
    actor = actor_for(north["head"])
    save_draft("north", 3, _entries(north), actor=actor, now=NOW)
    _submit(north, _entries(north))

    view = get_return("north", 3, today=TODAY, now=NOW)
    assert view.status == "submitted"
    assert all(line.updated_this_cycle for line in view.lines)
    assert all(line.entry.summary == "" for line in view.lines)  # the draft is history now


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        ({"summary": ""}, "summary"),
        ({"rag": ""}, "rag"),
        ({"rag": "red"}, "reason"),
        ({"lifecycle": "complete_awaiting_signoff", "reason": "Done"}, "evidence"),
        ({"lifecycle": "closed_evidenced", "rag": "", "reason": "Done"}, "lifecycle"),
        ({"summary": "Agreed."}, "summary"),
        ({"summary": "Seen with mum. DOB 03/04/2009."}, "summary"),
        ({"lifecycle": "purple"}, "lifecycle"),
        ({"rag": "blue"}, "rag"),  # each bad choice is named against its own field
        ({"impact": "huge"}, "impact"),
    ],
)
def test_one_invalid_entry_means_nothing_is_written(north, bad, field):
    entries = _entries(north, **{"N-02": bad})

    with pytest.raises(ReturnRejected) as caught:
        _submit(north, entries)

    assert list(caught.value.errors) == ["N-02"]
    assert field in caught.value.errors["N-02"]
    _assert_nothing_written(north)


def test_a_missing_entry_for_an_open_action_is_refused(north):
    entries = [e for e in _entries(north) if e.ref != "N-03"]

    with pytest.raises(ReturnRejected) as caught:
        _submit(north, entries)

    assert caught.value.errors == {"N-03": {"summary": "Enter a progress summary"}}
    _assert_nothing_written(north)


def test_one_stale_version_is_a_conflict_naming_the_action_and_nothing_is_written(north):
    someone = make_user(role="admin")
    add_update(
        north["actions"]["N-01"],
        recorded_at=datetime(2016, 2, 5, 9, tzinfo=UTC),
        rag="amber",  # the entry, drawn before, sets green: the two disagree
        summary="Corrected by the performance team.",
        author=someone,
    )
    db.session.commit()
    entries = _entries(north)
    entries[0].version = 1  # drawn before that change

    with pytest.raises(ReturnConflict) as caught:
        _submit(north, entries)

    assert list(caught.value.conflicts) == ["N-01"]
    conflict = caught.value.conflicts["N-01"]
    assert (conflict.expected_version, conflict.current_version) == (1, 2)
    assert [(c.author_name, c.summary) for c in conflict.changes] == [
        (someone.name, "Corrected by the performance team.")
    ]
    db.session.rollback()
    assert _count(ActionUpdate) == len(north["actions"]) + 1
    assert _count(LocalityReturn) == 0


def test_an_entry_drawn_before_a_narrative_only_change_is_written_on_top_and_named(north):
    """Another writer's summary, landing after the form was drawn, leaves the entry's lifecycle,
    RAG and impact alone: the entry is written after it (both in the history), not sent back,
    so a return is not starved by API writers touching its actions."""
    someone = make_user(role="admin")
    add_update(
        north["actions"]["N-01"],
        recorded_at=datetime(2016, 2, 5, 9, tzinfo=UTC),
        summary="Corrected by the performance team.",
        author=someone,
    )
    db.session.commit()
    entries = _entries(north)
    entries[0].version = 1  # drawn before that change

    written = _submit(north, entries)

    assert written == 3
    assert written.on_top == ("N-01",)
    assert entries[0].version == 1  # the caller's entry is left as it was typed
    n01 = north["actions"]["N-01"].id
    summaries = db.session.execute(
        select(ActionUpdate.version, ActionUpdate.summary)
        .where(ActionUpdate.action_id == n01)
        .order_by(ActionUpdate.version)
    ).all()
    assert [s for _, s in summaries[-2:]] == [
        "Corrected by the performance team.",
        "N-01: fortnight's progress recorded at the locality meeting.",
    ]
    assert [v for v, _ in summaries[-2:]] == [2, 3]


def test_a_stale_no_change_entry_does_not_carry_forward_a_summary_it_was_not_shown(north):
    someone = make_user(role="admin")
    add_update(
        north["actions"]["N-01"],
        recorded_at=datetime(2016, 2, 5, 9, tzinfo=UTC),
        summary="Corrected by the performance team.",
        author=someone,
    )
    db.session.commit()
    entries = _entries(north, **{"N-01": {"summary": "", "confirm_unchanged": True}})
    entries[0].version = 1

    with pytest.raises(ReturnConflict) as caught:
        _submit(north, entries)
    assert list(caught.value.conflicts) == ["N-01"]


def test_a_summary_identical_to_the_last_needs_confirming(north):
    unchanged = {"summary": "Agreed."}
    with pytest.raises(ReturnRejected) as caught:
        _submit(north, _entries(north, **{"N-01": unchanged}))
    assert "same as the last one" in caught.value.errors["N-01"]["summary"]

    confirmed = {"summary": "Agreed.", "confirm_unchanged": True}
    assert _submit(north, _entries(north, **{"N-01": confirmed})) == 3


def test_a_second_submission_of_the_same_return_is_refused(north):
    _submit(north, _entries(north))
    fresh = _entries(north)  # drawn again after the submission: current versions
    for entry in fresh:
        entry.confirm_unchanged = True
    assert {e.version for e in fresh} == {2}

    with pytest.raises(ReturnRejected) as caught:
        _submit(north, fresh)

    assert caught.value.errors == {"": {"return": "This return has already been submitted"}}
    assert _count(ActionUpdate) == len(north["actions"]) + 3


def test_sending_the_same_submission_twice_says_it_was_already_submitted(north):
    """A double click or the back button resends the form as drawn: it is refused as already
    submitted, not shown as a conflict with the person's own submission."""
    entries = _entries(north)
    _submit(north, entries)

    with pytest.raises(ReturnRejected) as caught:
        _submit(north, entries)

    assert caught.value.errors == {"": {"return": "This return has already been submitted"}}
    assert _count(ActionUpdate) == len(north["actions"]) + 3


def test_a_submitted_return_cannot_be_saved_as_a_draft(north):
    _submit(north, _entries(north))

    with pytest.raises(ReturnRejected):
        save_draft("north", 3, _entries(north), actor=actor_for(north["head"]), now=NOW)


def test_another_localitys_head_may_not_submit(north):
    with pytest.raises(Forbidden):
        _submit(north, _entries(north), who="south_head")
    _assert_nothing_written(north)


@pytest.mark.parametrize("role", ["action_lead", "chair", "viewer", "performance_officer"])
def test_people_who_do_not_submit_returns_may_not(north, role):
    north["someone"] = make_user(role=role)
    db.session.commit()

    with pytest.raises(Forbidden):
        _submit(north, _entries(north), who="someone")
    with pytest.raises(Forbidden):
        save_draft("north", 3, _entries(north), actor=actor_for(north["someone"]), now=NOW)


def test_a_return_cannot_be_submitted_before_its_cycle_opens(north):
    with pytest.raises(ReturnRejected) as caught:
        _submit(north, _entries(north), cycle=4)

    assert caught.value.errors[""]["return"].startswith("Cycle 4 opens on Monday 15 February 2016")
    _assert_nothing_written(north)


def test_a_draft_cannot_be_saved_before_its_cycle_opens(north):
    with pytest.raises(ReturnRejected) as caught:
        save_draft("north", 4, _entries(north), actor=actor_for(north["head"]), now=NOW)

    assert "opens on Monday 15 February 2016" in caught.value.errors[""]["return"]
    db.session.rollback()
    assert _count(LocalityReturn) == 0 and _count(ReturnDraft) == 0


def test_a_cycle_that_has_not_opened_says_so_and_is_not_editable(north):
    view = get_return("north", 4, today=TODAY, now=NOW)

    assert not view.opened and not view.editable
    assert [line.ref for line in view.lines] == OPEN_REFS
    assert get_return("north", 3, today=TODAY, now=NOW).editable


@pytest.mark.parametrize(
    ("cycle", "now", "late"),
    [
        # cycle 3 is due Friday 12 February 2016 at 12:00 London, which is 12:00 UTC (GMT)
        (3, datetime(2016, 2, 12, 11, 59, tzinfo=UTC), False),
        (3, datetime(2016, 2, 12, 12, 0, tzinfo=UTC), False),
        (3, datetime(2016, 2, 12, 12, 1, tzinfo=UTC), True),
        (3, datetime(2016, 2, 13, 9, 0, tzinfo=UTC), True),
        # cycle 7 spans Easter and the clocks going forward: due Friday 8 April 2016 at 12:00
        # London, which is 11:00 UTC (BST)
        (7, datetime(2016, 4, 8, 10, 59, tzinfo=UTC), False),
        (7, datetime(2016, 4, 8, 11, 1, tzinfo=UTC), True),
        (7, datetime(2016, 4, 8, 11, 30, tzinfo=UTC), True),
        # cycle 26 spans Christmas: due Friday 30 December 2016 at 12:00 GMT
        (26, datetime(2016, 12, 30, 11, 59, tzinfo=UTC), False),
        (26, datetime(2016, 12, 30, 12, 1, tzinfo=UTC), True),
    ],
)
def test_a_return_submitted_after_noon_london_on_the_due_day_is_late(north, cycle, now, late):
    _submit(north, _entries(north), cycle=cycle, now=now)

    record = db.session.execute(select(LocalityReturn)).scalar_one()
    assert record.late is late
    view = get_return("north", cycle, today=now.date(), now=now)
    assert (view.status, view.late, view.api_status) == (
        "submitted",
        late,
        "late" if late else "submitted",
    )


# --- the grid of every return -------------------------------------------------------------------


def test_the_grid_shows_every_locality_for_every_cycle_newest_first(north):
    cycles, head = north["cycles"], north["head"]
    make_locality_return(
        locality="north",
        cycle=cycles[1],
        submitted_at=datetime(2016, 1, 14, 11, tzinfo=UTC),
        by=head,
    )
    make_locality_return(
        locality="north",
        cycle=cycles[2],
        late=True,
        submitted_at=datetime(2016, 1, 29, 15, tzinfo=UTC),
        by=head,
    )
    make_locality_return(locality="south", cycle=cycles[3], status="draft", submitted_at=NOW)
    db.session.commit()

    grid = list_return_statuses(today=TODAY, now=NOW, upto=3)

    assert [row[0].cycle_number for row in grid] == [3, 2, 1]
    assert all([s.locality_code for s in row] == ["north", "south"] for row in grid)
    cell = {(s.cycle_number, s.locality_code): s for row in grid for s in row}
    assert (cell[1, "north"].status, cell[1, "north"].late) == ("submitted", False)
    assert (cell[2, "north"].status, cell[2, "north"].late) == ("submitted", True)
    assert (cell[1, "south"].status, cell[1, "south"].overdue) == ("not_started", True)
    assert (cell[3, "south"].status, cell[3, "south"].overdue) == ("draft", False)
    assert (cell[3, "north"].status, cell[3, "north"].overdue) == ("not_started", False)
    assert not any(s.overdue for s in grid[1] if s.status == "submitted")


def test_the_grid_is_empty_before_the_first_cycle(north):
    assert list_return_statuses(today=date(2015, 12, 1), now=NOW, upto=0) == []


def test_two_simultaneous_submissions_of_the_same_return_write_it_once(north, app):
    """A double click sends the form twice at once: one submission wins, the other is refused
    (as a conflict or as already submitted), never an unhandled database error."""
    entries = _entries(north)
    actor = actor_for(north["head"])
    db.session.remove()
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def submit() -> None:
        with app.app_context():
            barrier.wait()
            try:
                submit_return("north", 3, entries, actor=actor, now=NOW)
                outcomes.append("submitted")
            except (ReturnConflict, ReturnRejected):
                outcomes.append("refused")
            except Exception as exc:  # noqa: BLE001 - the test reports what escaped
                outcomes.append(f"{type(exc).__name__}: {exc}"[:200])
            finally:
                db.session.remove()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)

    assert sorted(outcomes) == ["refused", "submitted"]
    assert _count(ActionUpdate) == len(north["actions"]) + 3
    assert _count(LocalityReturn, LocalityReturn.status == "submitted") == 1


def test_two_simultaneous_first_saves_of_a_draft_both_keep_the_typing(north, app):
    entries = _entries(north)
    actor = actor_for(north["head"])
    db.session.remove()
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def save() -> None:
        with app.app_context():
            barrier.wait()
            try:
                save_draft("north", 3, entries, actor=actor, now=NOW)
                outcomes.append("saved")
            except Exception as exc:  # noqa: BLE001 - the test reports what escaped
                outcomes.append(f"{type(exc).__name__}: {exc}"[:200])
            finally:
                db.session.remove()

    threads = [threading.Thread(target=save) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)

    assert outcomes == ["saved", "saved"]
    assert _count(LocalityReturn) == 1
    assert _count(ReturnDraft) == 3


def test_a_past_cycle_shows_actions_updated_in_it_even_after_later_updates(seeded_app):
    """North's cycle 2 return: every action was updated in cycle 2, though most were updated
    again in cycle 3 since."""
    from tracker.services.loop.returns import get_return

    with seeded_app.app_context():
        view = get_return(
            "north", 2, today=date(2016, 2, 5), now=datetime(2016, 2, 5, 12, tzinfo=UTC)
        )
        db.session.remove()
    assert view.lines and all(line.updated_this_cycle for line in view.lines)
