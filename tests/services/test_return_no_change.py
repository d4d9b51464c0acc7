"""A return in minutes (issue 17): "no change for every action I have not touched", which keeps
each untouched action's last state as its entry and never overwrites an entry already touched,
and the counts the form shows (how many entries are done, the next one needing attention)."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from tests.builders import (
    actor_for,
    make_action,
    make_cycles,
    make_locality_return,
    make_user,
)
from tracker.extensions import db
from tracker.models import ActionUpdate, AuditEvent, LocalityReturn, ReturnDraft
from tracker.services.loop.returns import (
    ALREADY_SUBMITTED,
    NOTHING_TO_MARK_REOPENED,
    Entry,
    ReturnRejected,
    get_return,
    mark_no_change,
    reopen_return,
    save_draft,
    submit_return,
)
from tracker.services.plan.updates import Forbidden

TODAY = date(2016, 2, 5)  # cycle 3: opens Monday 1 February, due noon Friday 12 February
NOW = datetime(2016, 2, 5, 10, 30, tzinfo=UTC)
LATER = datetime(2016, 2, 5, 11, 0, tzinfo=UTC)
OPEN_REFS = ["N-01", "N-02", "N-03", "N-04"]
KIND = "return_no_change_marked"


@pytest.fixture
def north(clean_db):
    """North with four open actions and one closed, South with one, cycles 1 to 4."""
    cycles = make_cycles(upto=4)
    head = make_user(role="locality_head", locality="north")
    south_head = make_user(role="locality_head", locality="south")
    actions = {
        "N-01": make_action(ref="N-01", plan="north", rag="green"),
        "N-02": make_action(ref="N-02", plan="north", rag="amber", lifecycle="not_started"),
        "N-03": make_action(ref="N-03", plan="north", rag="red", impact="emerging"),
        "N-04": make_action(ref="N-04", plan="north", rag="green"),
        "N-05": make_action(ref="N-05", plan="north", lifecycle="closed_evidenced", rag=None),
        "S-01": make_action(ref="S-01", plan="south"),
    }
    db.session.commit()
    return {"cycles": cycles, "head": head, "south_head": south_head, "actions": actions}


def _view():
    return get_return("north", 3, today=TODAY, now=NOW)


def _shown(north, refs=OPEN_REFS) -> dict[str, int]:
    return {ref: north["actions"][ref].version if ref in north["actions"] else 1 for ref in refs}


def _mark(north, refs=OPEN_REFS, *, who="head", cycle=3, now=LATER):
    return mark_no_change("north", cycle, _shown(north, refs), actor=actor_for(north[who]), now=now)


def _drawn(view) -> list[Entry]:
    """The entries as the form draws them (pre-filled, or the draft), sent back unchanged."""
    return [line.entry for line in view.lines]


def _typed(view, **per_ref) -> list[Entry]:
    entries = _drawn(view)
    for entry in entries:
        for name, value in per_ref.get(entry.ref.replace("-", "_"), {}).items():
            setattr(entry, name, value)
    return entries


def _drafts() -> dict[str, dict]:
    from tracker.models import Action

    return dict(
        db.session.execute(
            select(Action.ref, ReturnDraft.fields).join(Action, Action.id == ReturnDraft.action_id)
        ).all()
    )


def _count(model, *where) -> int:
    return db.session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


def test_an_untouched_return_counts_nothing_done_and_points_at_the_first_action(north):
    view = _view()

    assert [line.ref for line in view.lines] == OPEN_REFS
    assert view.done_count == 0
    assert view.next_needing_attention.ref == "N-01"
    assert [line.ref for line in view.untouched] == OPEN_REFS


def test_done_means_a_summary_typed_or_no_change_ticked_and_touched_means_anything_changed(north):
    view = _view()
    save_draft(
        "north",
        3,
        _typed(
            view,
            N_01={"summary": "Audit done."},
            N_02={"rag": "red"},  # touched, not done: no summary yet
            N_04={"confirm_unchanged": True},
        ),
        actor=actor_for(north["head"]),
        now=NOW,
    )

    view = _view()

    assert view.done_count == 2
    assert [line.ref for line in view.lines if line.done] == ["N-01", "N-04"]
    assert [line.ref for line in view.untouched] == ["N-03"]
    assert view.next_needing_attention.ref == "N-02"


def test_marking_keeps_each_untouched_actions_last_state_and_leaves_touched_entries(north):
    view = _view()
    save_draft(
        "north",
        3,
        _typed(view, N_01={"summary": "Audit done."}, N_02={"rag": "red"}),
        actor=actor_for(north["head"]),
        now=NOW,
    )
    before = _drafts()

    marked = _mark(north)

    assert marked == ["N-03", "N-04"]
    drafts = _drafts()
    assert drafts["N-01"] == before["N-01"] and drafts["N-02"] == before["N-02"]
    assert drafts["N-03"] == {
        "summary": "",
        "lifecycle": "in_progress",
        "rag": "red",
        "impact": "emerging",
        "reason": "",
        "evidence": "",
        "confirm_unchanged": True,
    }
    assert drafts["N-04"]["confirm_unchanged"] and drafts["N-04"]["rag"] == "green"
    [event] = db.session.execute(select(AuditEvent).where(AuditEvent.kind == KIND)).scalars()
    assert event.target == "north cycle 3"
    assert event.detail == {"actions": 2, "refs": "N-03, N-04"}
    assert event.user_id == north["head"].id
    view = _view()
    assert view.done_count == 3 and view.next_needing_attention.ref == "N-02"
    assert view.draft_saved_at is not None


def test_marked_entries_submit_as_no_change_with_the_last_summary_carried_forward(north):
    """With no draft saved at all: every action is marked, then submitted as drawn."""
    assert _mark(north) == OPEN_REFS
    view = _view()
    assert view.done_count == len(OPEN_REFS) and view.next_needing_attention is None

    written = submit_return("north", 3, _drawn(view), actor=actor_for(north["head"]), now=LATER)

    assert written == len(OPEN_REFS)
    rows = db.session.execute(
        select(ActionUpdate).where(ActionUpdate.cycle_id == north["cycles"][3].id)
    ).scalars()
    states = {(r.summary, r.rag, r.lifecycle) for r in rows}
    assert states == {
        ("Agreed.", "green", "in_progress"),
        ("Agreed.", "amber", "not_started"),
        ("Agreed.", "red", "in_progress"),
    }


def test_only_the_actions_listed_on_the_confirmation_are_marked(north):
    assert _mark(north, ["N-01", "S-01", "N-05", "X-99"]) == ["N-01"]
    assert set(_drafts()) == {"N-01"}


def test_the_confirmation_sent_twice_marks_nothing_the_second_time(north):
    assert _mark(north) == OPEN_REFS
    saved_at = _view().draft_saved_at

    assert _mark(north, now=datetime(2016, 2, 5, 11, 5, tzinfo=UTC)) == []

    assert _count(AuditEvent, AuditEvent.kind == KIND) == 1
    assert _view().draft_saved_at == saved_at  # nothing at all written the second time


def test_a_submitted_return_is_refused_and_nothing_is_written(north):
    make_locality_return(cycle=north["cycles"][3], by=north["head"], submitted_at=NOW)
    db.session.commit()

    with pytest.raises(ReturnRejected) as refused:
        _mark(north)

    assert refused.value.errors == ALREADY_SUBMITTED
    assert _count(ReturnDraft) == 0 and _count(AuditEvent, AuditEvent.kind == KIND) == 0


def test_a_reopened_return_has_nothing_to_mark(north):
    make_locality_return(cycle=north["cycles"][3], by=north["head"], submitted_at=NOW)
    db.session.commit()
    reopen_return("north", 3, actor=actor_for(north["head"]), now=NOW)

    with pytest.raises(ReturnRejected) as refused:
        _mark(north)

    assert refused.value.errors == NOTHING_TO_MARK_REOPENED
    assert _count(ReturnDraft) == 0 and _count(AuditEvent, AuditEvent.kind == KIND) == 0


def test_a_cycle_not_yet_open_is_refused(north):
    with pytest.raises(ReturnRejected) as refused:
        _mark(north, cycle=4)

    assert "opens on Monday 15 February 2016" in refused.value.errors[""]["return"]
    assert _count(LocalityReturn) == 0


def test_the_head_of_another_locality_is_refused(north):
    with pytest.raises(Forbidden):
        _mark(north, who="south_head")

    assert _count(LocalityReturn) == 0 and _count(ReturnDraft) == 0


@pytest.mark.parametrize("draft_saved", [False, True])
def test_two_confirmations_at_once_mark_each_action_once(north, app, draft_saved):
    """A double click sends the confirmation twice at once: one marks every action, the other
    finds them all touched and marks none; one audit event, one entry per action. Either with
    no return row yet, or (as when the form's button saved it first) a draft of nothing typed."""
    if draft_saved:
        save_draft("north", 3, _drawn(_view()), actor=actor_for(north["head"]), now=NOW)
    shown = _shown(north)
    actor = actor_for(north["head"])
    db.session.remove()
    barrier = threading.Barrier(2)
    outcomes: list[object] = []

    def confirm() -> None:
        with app.app_context():
            barrier.wait()
            try:
                outcomes.append(len(mark_no_change("north", 3, shown, actor=actor, now=LATER)))
            except Exception as exc:  # noqa: BLE001 - the test reports what escaped
                outcomes.append(f"{type(exc).__name__}: {exc}"[:200])
            finally:
                db.session.remove()

    threads = [threading.Thread(target=confirm) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)

    assert sorted(outcomes, key=str) == [0, len(OPEN_REFS)]
    assert _count(ReturnDraft) == len(OPEN_REFS)
    assert _count(LocalityReturn) == 1
    assert _count(AuditEvent, AuditEvent.kind == KIND) == 1
