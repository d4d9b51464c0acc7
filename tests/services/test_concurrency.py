"""No lost updates under real concurrency: two writers with the same version at the same moment,
exactly one wins, the other is told what changed (409 over the API) and the history holds one new
entry; a locality return racing a single-action update gets through once both have read (a
write landing first makes the form stale: that entry is named), all or nothing.

Each writer is a real thread with its own app context, database session and connection, released
together by a barrier, on the database the suite runs against (`make test` runs it on SQLite,
where writes take turns, and on PostgreSQL, where they truly overlap). Every race is run
`ROUNDS` times, in two ways:

- "together": the writers start at the same moment and run freely;
- "both read first": each writer waits, once it has loaded the action and checked the version,
  until the other has too. Both then believe they are current, so only the database's own
  guard (UPDATE ... WHERE version = expected, and the unique (action, version) history row) can
  stop the second one.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from tests.builders import actor_for, make_action, make_cycles, make_recommendation, make_user
from tracker.domain.calendar import LONDON
from tracker.domain.cycles import build_cycle
from tracker.domain.states import Impact, Lifecycle, Rag
from tracker.domain.updates import Proposal
from tracker.extensions import db
from tracker.models import (
    Action,
    ActionUpdate,
    AuditEvent,
    Locality,
    LocalityReturn,
    UpdateCycle,
)
from tracker.services.access.auth import create_token
from tracker.services.loop import returns as return_service
from tracker.services.plan import projection
from tracker.services.plan import updates as update_service

ROUNDS = 20
WAIT = 30  # seconds: a stuck writer fails the test rather than hanging the run
CYCLE_START = date(2016, 1, 4)
TODAY = date(2016, 2, 5)
NOW = datetime(2016, 2, 5, 10, 30, tzinfo=UTC)
MODES = ["together", "both read first"]


@dataclass
class Outcome:
    value: Any = None
    error: BaseException | None = None


class Gate:
    """Holds each writer, once it has read and checked the version, until every writer has."""

    def __init__(self) -> None:
        self.barrier: threading.Barrier | None = None
        self.passed = threading.local()

    def arm(self, parties: int) -> None:
        self.barrier = threading.Barrier(parties, timeout=WAIT)

    def wrap(self, real: Callable) -> Callable:
        def held(*args: Any, **kwargs: Any) -> Any:
            if self.barrier is not None and not getattr(self.passed, "done", False):
                self.passed.done = True
                self.barrier.wait()
            return real(*args, **kwargs)

        return held


@pytest.fixture
def gate(monkeypatch) -> Gate:
    """`validate` runs after the reads and the version check and before the first write, in both
    the single-action update and the return submission: the place to hold a writer."""
    g = Gate()
    monkeypatch.setattr(update_service, "validate", g.wrap(update_service.validate))
    monkeypatch.setattr(return_service, "validate", g.wrap(return_service.validate))
    return g


def race(app: Flask, *writers: Callable[[], Any]) -> list[Outcome]:
    """Run each writer in its own thread and app context, all released at the same moment."""
    start = threading.Barrier(len(writers), timeout=WAIT)
    outcomes = [Outcome() for _ in writers]

    def run(outcome: Outcome, writer: Callable[[], Any]) -> None:
        with app.app_context():
            try:
                start.wait()
                outcome.value = writer()
            except Exception as exc:  # the test looks at what each writer raised
                outcome.error = exc
            finally:
                db.session.remove()

    threads = [
        threading.Thread(target=run, args=pair) for pair in zip(outcomes, writers, strict=True)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(WAIT * 3)
    assert not any(t.is_alive() for t in threads), "a writer is stuck"
    return outcomes


def proposal(summary: str) -> Proposal:
    return Proposal(
        summary=summary,
        lifecycle=Lifecycle.IN_PROGRESS,
        rag=Rag.GREEN,
        impact=Impact.NOT_YET_EVIDENCED,
    )


def history(ref: str) -> list[ActionUpdate]:
    return list(
        db.session.execute(
            select(ActionUpdate)
            .join(Action, Action.id == ActionUpdate.action_id)
            .where(Action.ref == ref)
            .order_by(ActionUpdate.version)
        ).scalars()
    )


def version_of(ref: str) -> int:
    return db.session.execute(select(Action.version).where(Action.ref == ref)).scalar_one()


def updates_audited(ref: str) -> int:
    return db.session.execute(
        select(func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.kind == "action_updated", AuditEvent.target == ref)
    ).scalar_one()


def return_status(locality_id: int, number: int) -> str | None:
    return db.session.execute(
        select(LocalityReturn.status)
        .join(UpdateCycle, UpdateCycle.id == LocalityReturn.cycle_id)
        .where(LocalityReturn.locality_id == locality_id, UpdateCycle.number == number)
    ).scalar_one_or_none()


# Two people, one action, one version -------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
def test_two_writers_with_the_same_version_exactly_one_wins_every_time(clean_db, gate, mode):
    head = make_user(role="locality_head", locality="north")
    lead = make_user(role="action_lead")
    rec = make_recommendation()
    refs = [f"N-{n:02d}" for n in range(1, ROUNDS + 1)]
    for ref in refs:
        make_action(ref=ref, plan="north", lead=lead, recommendation=rec)
    writers = {"head": actor_for(head), "lead": actor_for(lead)}
    db.session.commit()

    for ref in refs:
        if mode == "both read first":
            gate.arm(2)

        def write(who: str, ref: str = ref) -> int:
            return update_service.record_update(
                ref,
                proposal(f"{ref}: update from the {who}."),
                expected_version=1,
                actor=writers[who],
                now=NOW,
                today=TODAY,
                cycle_start=CYCLE_START,
            )

        head_outcome, lead_outcome = race(clean_db, lambda: write("head"), lambda: write("lead"))

        won = [o for o in (head_outcome, lead_outcome) if o.error is None]
        lost = [o for o in (head_outcome, lead_outcome) if o.error is not None]
        assert len(won) == 1 and len(lost) == 1, (ref, head_outcome, lead_outcome)
        assert won[0].value == 2
        conflict = lost[0].error
        assert isinstance(conflict, update_service.Conflict), repr(conflict)
        assert (conflict.expected_version, conflict.current_version) == (1, 2)
        winner = "head" if won[0] is head_outcome else "lead"
        assert [c.summary for c in conflict.changes] == [f"{ref}: update from the {winner}."]
        rows = history(ref)
        assert [r.version for r in rows] == [1, 2]
        assert rows[-1].summary == f"{ref}: update from the {winner}."
        assert rows[-1].author_id == writers[winner].user_id
        assert version_of(ref) == 2
        assert updates_audited(ref) == 1
    # The current state was written by the winner only, in the winner's transaction.
    db.session.expire_all()
    assert projection.differences() == []


# Two API clients, one action, one version: 201 and 409 -------------------------------------------


@pytest.mark.parametrize("mode", MODES)
def test_two_api_clients_posting_the_same_version_get_one_201_and_one_409(clean_db, gate, mode):
    head = make_user(role="locality_head", locality="north")
    lead = make_user(role="action_lead")
    make_action(ref="N-01", plan="north", lead=lead)
    make_cycles(upto=3)
    db.session.commit()
    tokens = {
        "head": create_token(head.email, now=NOW),
        "lead": create_token(lead.email, now=NOW),
    }
    db.session.commit()

    for round_ in range(ROUNDS):
        version = version_of("N-01")
        db.session.commit()  # end the main thread's read before the writers start
        if mode == "both read first":
            gate.arm(2)

        def post(who: str, version: int = version, round_: int = round_):
            response = clean_db.test_client().post(
                "/api/v1/actions/N-01/updates",
                headers={"Authorization": f"Bearer {tokens[who]}"},
                json={
                    "version": version,
                    "summary": f"Round {round_}: update from the {who}.",
                    "lifecycle": "in_progress",
                    "rag": "green",
                    "impact": "not_yet_evidenced",
                },
            )
            return response.status_code, response.get_json()

        outcomes = race(clean_db, lambda: post("head"), lambda: post("lead"))

        assert all(o.error is None for o in outcomes), outcomes
        statuses = sorted(o.value[0] for o in outcomes)
        assert statuses == [201, 409], outcomes
        created = next(o.value[1] for o in outcomes if o.value[0] == 201)
        conflict = next(o.value[1] for o in outcomes if o.value[0] == 409)
        assert created["version"] == conflict["current_version"] == version + 1
        assert [c["summary"] for c in conflict["changes"]] == [created["history"][0]["summary"]]
        assert [r.version for r in history("N-01")] == list(range(1, version + 2))
        db.session.commit()


# Two API clients, one after the other: each 201 tells its own version ---------------------------


def test_each_201_carries_the_version_its_own_write_created(clean_db, monkeypatch):
    """The worst moment: the first writer has committed version 2 and not yet answered, and a
    second writer, who read version 2 meanwhile, writes version 3. The first 201 still says 2."""
    head = make_user(role="locality_head", locality="north")
    lead = make_user(role="action_lead")
    make_action(ref="N-01", plan="north", lead=lead)
    make_cycles(upto=3)
    db.session.commit()
    tokens = {"head": create_token(head.email, now=NOW), "lead": create_token(lead.email, now=NOW)}
    db.session.commit()

    def post(who: str, version: int):
        response = clean_db.test_client().post(
            "/api/v1/actions/N-01/updates",
            headers={"Authorization": f"Bearer {tokens[who]}"},
            json={
                "version": version,
                "summary": f"Update from the {who}.",
                "lifecycle": "in_progress",
                "rag": "green",
                "impact": "not_yet_evidenced",
            },
        )
        return response.status_code, response.get_json()

    real = update_service.record_update
    second: list[Outcome] = []
    calls = []

    def then_another_writer(*args: Any, **kwargs: Any) -> int:
        calls.append(kwargs["actor"])
        version = real(*args, **kwargs)
        if len(calls) == 1:  # the first writer only: the lead writes on top, in its own thread
            second.extend(race(clean_db, lambda: post("lead", version)))
        return version

    monkeypatch.setattr(update_service, "record_update", then_another_writer)
    first = race(clean_db, lambda: post("head", 1))[0]

    assert first.error is None and second[0].error is None, (first, second)
    (head_status, head_body), (lead_status, lead_body) = first.value, second[0].value
    assert (head_status, lead_status) == (201, 201), (head_body, lead_body)
    assert (head_body["version"], lead_body["version"]) == (2, 3)
    # Each answer is the action as its own write left it: its own row newest in the history.
    for body, who in ((head_body, "head"), (lead_body, "lead")):
        newest = body["history"][0]
        assert (newest["version"], newest["summary"]) == (
            body["version"],
            f"Update from the {who}.",
        )
    rows = history("N-01")
    assert [(r.version, r.summary) for r in rows[1:]] == [
        (2, "Update from the head."),
        (3, "Update from the lead."),
    ]


# A whole locality return against one action's update ---------------------------------------------


@pytest.mark.parametrize("mode", MODES)
def test_a_return_racing_a_single_update_is_all_or_nothing(clean_db, gate, mode):
    head = make_user(role="locality_head", locality="north")
    lead = make_user(role="action_lead")
    rec = make_recommendation()
    make_action(ref="N-01", plan="north", lead=head, recommendation=rec)
    make_action(ref="N-02", plan="north", lead=lead, recommendation=rec)  # the lead's own
    make_action(ref="N-03", plan="north", lead=head, recommendation=rec, rag="amber")
    make_action(
        ref="N-04", plan="north", lead=head, recommendation=rec, lifecycle="superseded", rag=None
    )
    make_cycles(upto=ROUNDS)
    north_id = db.session.execute(select(Locality.id).where(Locality.code == "north")).scalar_one()
    head_actor, lead_actor = actor_for(head), actor_for(lead)
    open_refs = ["N-01", "N-02", "N-03"]
    rag = {"N-01": "green", "N-02": "green", "N-03": "amber"}  # as built: no reason needed
    db.session.commit()

    for number in range(1, ROUNDS + 1):
        # Each round is the return for its own cycle, written during that cycle.
        day = build_cycle(CYCLE_START, number).opens_on
        now = datetime.combine(day, time(10), tzinfo=LONDON).astimezone(UTC)
        before = {ref: version_of(ref) for ref in open_refs}
        db.session.commit()
        if mode == "both read first":
            gate.arm(2)

        def submit(number: int = number, now: datetime = now, before: dict = before) -> int:
            entries = [
                return_service.Entry(
                    ref=ref,
                    version=before[ref],
                    summary=f"Cycle {number}: {ref} in the return.",
                    lifecycle="in_progress",
                    rag=rag[ref],
                    impact="not_yet_evidenced",
                )
                for ref in open_refs
            ]
            return return_service.submit_return("north", number, entries, actor=head_actor, now=now)

        def update(number: int = number, now: datetime = now, before: dict = before) -> int:
            return update_service.record_update(
                "N-02",
                proposal(f"Cycle {number}: N-02 from its lead."),
                expected_version=before["N-02"],
                actor=lead_actor,
                now=now,
                today=now.astimezone(LONDON).date(),
                cycle_start=CYCLE_START,
            )

        submitted, updated = race(clean_db, submit, update)

        after = {ref: version_of(ref) for ref in open_refs}
        status = return_status(north_id, number)
        if submitted.error is None and updated.error is not None:
            # The return held N-02 first: the lead's version is stale and nothing of it is kept.
            assert submitted.value == 3
            assert isinstance(updated.error, update_service.Conflict), repr(updated.error)
            assert updated.error.current_version == before["N-02"] + 1
            assert after == {ref: v + 1 for ref, v in before.items()}
            for ref in open_refs:
                assert history(ref)[-1].summary == f"Cycle {number}: {ref} in the return."
            assert status == "submitted"
        elif submitted.error is None:
            # The lead's update landed while the return was being written. It left N-02's
            # lifecycle, RAG and impact as the return has them, so the return's entry is
            # carried onto it: both are kept, the return's entry last.
            assert submitted.value == 3 and updated.value == before["N-02"] + 1
            assert after == {ref: v + 1 for ref, v in before.items()} | {"N-02": before["N-02"] + 2}
            assert [r.summary for r in history("N-02")[-2:]] == [
                f"Cycle {number}: N-02 from its lead.",
                f"Cycle {number}: N-02 in the return.",
            ]
            assert status == "submitted"
        else:
            # Only when the lead's update landed before the return read its actions: then the
            # form itself is stale, as a page drawn before that update, and N-02 alone is named.
            # Once both have read ("both read first"), the return always gets through.
            assert mode == "together", f"the return failed beside one update: {submitted.error!r}"
            assert isinstance(submitted.error, return_service.ReturnConflict), repr(submitted.error)
            assert set(submitted.error.conflicts) == {"N-02"}
            assert updated.error is None and updated.value == before["N-02"] + 1
            # Nothing of the return was kept: the other actions are exactly as they were.
            assert after == before | {"N-02": before["N-02"] + 1}
            assert history("N-02")[-1].summary == f"Cycle {number}: N-02 from its lead."
            assert status is None  # not even a draft row survives the rolled-back submission
        # One history row per version and no strays: nothing half-written survives.
        assert {ref: len(history(ref)) for ref in open_refs} == after
        assert len(history("N-04")) == 1  # closed: never touched
        db.session.commit()


# A write landing at the worst moment of a return: after its read, before its write --------------


@pytest.fixture
def north_return(clean_db):
    head = make_user(role="locality_head", locality="north")
    lead = make_user(role="action_lead")
    rec = make_recommendation()
    for ref in ("N-01", "N-02", "N-03"):
        make_action(ref=ref, plan="north", lead=lead if ref == "N-02" else head, recommendation=rec)
    make_cycles(upto=3)
    db.session.commit()
    return {"head": actor_for(head), "lead": actor_for(lead)}


def _return_entries() -> list[return_service.Entry]:
    return [
        return_service.Entry(
            ref=ref,
            version=1,
            summary=f"{ref} in the return.",
            lifecycle="in_progress",
            rag="green",
            impact="not_yet_evidenced",
        )
        for ref in ("N-01", "N-02", "N-03")
    ]


def _inject_after_the_read(app: Flask, monkeypatch, write: Callable[[], Any]) -> list[Outcome]:
    """`validate` runs once the return has read its actions and checked their versions, before
    it writes anything: there, another session (its own thread and connection) commits `write`."""
    done: list[Outcome] = []
    real = return_service.validate

    def held(*args: Any, **kwargs: Any) -> Any:
        if not done:
            done.extend(race(app, write))
        return real(*args, **kwargs)

    monkeypatch.setattr(return_service, "validate", held)
    return done


def test_a_return_gets_through_a_write_landing_between_its_read_and_its_write(
    clean_db, north_return, monkeypatch
):
    def lead_writes() -> int:
        return update_service.record_update(
            "N-02",
            proposal("The lead's note, written mid-submission."),  # in progress, green: as read
            expected_version=1,
            actor=north_return["lead"],
            now=NOW,
            today=TODAY,
            cycle_start=CYCLE_START,
        )

    injected = _inject_after_the_read(clean_db, monkeypatch, lead_writes)

    written = return_service.submit_return(
        "north", 3, _return_entries(), actor=north_return["head"], now=NOW
    )

    assert injected[0].error is None and injected[0].value == 2
    assert written == 3
    db.session.rollback()
    assert [r.summary for r in history("N-02")[1:]] == [
        "The lead's note, written mid-submission.",
        "N-02 in the return.",
    ]
    assert {ref: version_of(ref) for ref in ("N-01", "N-02", "N-03")} == {
        "N-01": 2,
        "N-02": 3,
        "N-03": 2,
    }
    north_id = db.session.execute(select(Locality.id).where(Locality.code == "north")).scalar_one()
    assert return_status(north_id, 3) == "submitted"
    assert projection.differences() == []


def test_a_write_changing_what_the_entry_says_is_that_one_entrys_conflict(
    clean_db, north_return, monkeypatch
):
    def lead_writes() -> int:
        return update_service.record_update(
            "N-02",
            Proposal(
                summary="Slipping: the provider withdrew.",
                lifecycle=Lifecycle.IN_PROGRESS,
                rag=Rag.RED,
                impact=Impact.NOT_YET_EVIDENCED,
                reason="Provider withdrew.",
            ),
            expected_version=1,
            actor=north_return["lead"],
            now=NOW,
            today=TODAY,
            cycle_start=CYCLE_START,
        )

    injected = _inject_after_the_read(clean_db, monkeypatch, lead_writes)

    with pytest.raises(return_service.ReturnConflict) as caught:
        return_service.submit_return(
            "north", 3, _return_entries(), actor=north_return["head"], now=NOW
        )

    assert injected[0].error is None
    assert list(caught.value.conflicts) == ["N-02"]  # the entry still saying green, only
    conflict = caught.value.conflicts["N-02"]
    assert (conflict.expected_version, conflict.current_version) == (1, 2)
    assert [c.summary for c in conflict.changes] == ["Slipping: the provider withdrew."]
    db.session.rollback()
    # The return wrote nothing (the head sees the change; the web keeps what was typed).
    assert {ref: version_of(ref) for ref in ("N-01", "N-02", "N-03")} == {
        "N-01": 1,
        "N-02": 2,
        "N-03": 1,
    }


def _lead_note(lead: Any, summary: str, version: int) -> Callable[[], int]:
    def write() -> int:
        return update_service.record_update(
            "N-02",
            proposal(summary),
            expected_version=version,
            actor=lead,
            now=NOW,
            today=TODAY,
            cycle_start=CYCLE_START,
        )

    return write


def test_a_no_change_entry_is_not_carried_onto_a_new_summary(clean_db, north_return, monkeypatch):
    """ "No change" with the box empty carries forward the summary it was shown: when another
    writer's summary lands meanwhile, that is no longer what the head confirmed."""
    lead = north_return["lead"]
    _inject_after_the_read(clean_db, monkeypatch, _lead_note(lead, "A new note from the lead.", 1))
    entries = _return_entries()
    entries[1].summary, entries[1].confirm_unchanged = "", True

    with pytest.raises(return_service.ReturnConflict) as caught:
        return_service.submit_return("north", 3, entries, actor=north_return["head"], now=NOW)

    assert list(caught.value.conflicts) == ["N-02"]
    db.session.rollback()
    assert version_of("N-01") == 1 and version_of("N-02") == 2


def test_a_stale_entry_is_told_the_version_its_action_is_at_when_refused(
    clean_db, north_return, monkeypatch
):
    """The form was drawn at version 1; the action is at 2 when the submission reads it and at 3
    by the time it is refused. The conflict says 3, with both changes: sent again at 3 it is
    current, not stale again for a change made while it was being checked."""
    lead = north_return["lead"]
    update_service.record_update(  # red, where the entry (drawn before) says green
        "N-02",
        Proposal(
            summary="The lead's first note.",
            lifecycle=Lifecycle.IN_PROGRESS,
            rag=Rag.RED,
            impact=Impact.NOT_YET_EVIDENCED,
            reason="Provider withdrew.",
        ),
        expected_version=1,
        actor=lead,
        now=NOW,
        today=TODAY,
        cycle_start=CYCLE_START,
    )
    db.session.commit()

    def second_note() -> int:
        return update_service.record_update(
            "N-02",
            Proposal(
                summary="The lead's second note.",
                lifecycle=Lifecycle.IN_PROGRESS,
                rag=Rag.RED,
                impact=Impact.NOT_YET_EVIDENCED,
            ),
            expected_version=2,
            actor=lead,
            now=NOW,
            today=TODAY,
            cycle_start=CYCLE_START,
        )

    _inject_after_the_read(clean_db, monkeypatch, second_note)

    with pytest.raises(return_service.ReturnConflict) as caught:
        return_service.submit_return(
            "north", 3, _return_entries(), actor=north_return["head"], now=NOW
        )

    conflict = caught.value.conflicts["N-02"]
    assert (conflict.expected_version, conflict.current_version) == (1, 3)
    assert [c.summary for c in conflict.changes] == [
        "The lead's second note.",
        "The lead's first note.",
    ]


def test_a_returns_retry_reads_versions_from_the_rows_not_the_sessions_copies(
    clean_db, north_return
):
    """A retry re-reads the return's actions after another writer's change: it must take each
    version from the row, not from the copy of the action the session already holds (which
    made every retry fail the same way beside API writers: bench/RESULTS.md)."""
    north = db.session.execute(select(Locality).where(Locality.code == "north")).scalar_one()
    drawn = return_service._open_contexts(north)  # the session now holds N-02 at version 1
    entries = {e.ref: e for e in _return_entries()}
    outcome = race(
        clean_db,
        lambda: update_service.record_update(
            "N-02",
            proposal("The lead's note."),
            expected_version=1,
            actor=north_return["lead"],
            now=NOW,
            today=TODAY,
            cycle_start=CYCLE_START,
        ),
    )
    assert outcome[0].error is None
    expected = {ref: 1 for ref in entries}

    return_service._carry_onto_concurrent(north, drawn, entries, expected, north_return["head"])

    assert expected == {"N-01": 1, "N-02": 2, "N-03": 1}
