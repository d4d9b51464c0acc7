"""Search over the challenge log and over evidence (issue 13.3 with 13.1 and 13.2): a
challenge's question and each step's text are found by those who see every challenge, and by no
one else; an evidence title by everyone who reads the plan."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.builders import actor_for, make_action, make_user
from tracker.extensions import db
from tracker.services import search
from tracker.services.governance import challenges

NOW = datetime(2016, 2, 5, 10, 30, tzinfo=UTC)


@pytest.fixture
def log(clean_db):
    chair = make_user(role="chair", email="chair@trust.example")
    viewer = make_user(role="viewer", email="jsig@council.example")
    lead = make_user(role="action_lead", email="lead@trust.example")
    other = make_user(role="action_lead", email="other.lead@trust.example")
    admin = make_user(role="admin", email="admin@trust.example")
    make_action(ref="MAP-001", lead=lead)
    db.session.commit()
    cid = challenges.raise_challenge(
        actor_for(chair),
        question="Why has the quokka audit been amber for three cycles?",
        now=NOW,
        action_ref="MAP-001",
    )
    challenges.add_step(
        cid, "response", text="The marmoset sample slipped a month.", actor=actor_for(lead), now=NOW
    )
    return {
        "id": cid,
        "chair": chair,
        "viewer": viewer,
        "lead": lead,
        "other": other,
        "admin": admin,
    }


def _found(query: str, person) -> list[tuple[str, str | None]]:
    hits = search.search(query, actor=actor_for(person)).hits
    return [(h.kind, h.action_ref) for h in hits]


@pytest.mark.parametrize("who", ["chair", "viewer", "admin"])
def test_those_who_see_every_challenge_find_its_question_and_its_response(log, who):
    assert _found("quokka", log[who]) == [("challenge", "MAP-001")]
    assert _found("marmoset", log[who]) == [("challenge_step", "MAP-001")]


@pytest.mark.parametrize("who", ["lead", "other"])
def test_no_one_else_finds_the_challenge_log_in_search(log, who):
    assert _found("quokka", log[who]) == []
    assert _found("marmoset", log[who]) == []


def test_a_challenge_result_leads_to_the_challenge(log):
    hit = search.search("quokka", actor=actor_for(log["chair"])).hits[0]
    assert hit.link is not None and hit.link.values == {"challenge_id": log["id"]}


def test_an_evidence_title_is_found_on_its_action_by_everyone_who_reads_the_plan(log):
    from tests.builders import add_evidence
    from tracker.models import Action

    action = db.session.execute(db.select(Action).where(Action.ref == "MAP-001")).scalar_one()
    add_evidence(action, title="Pangolin dip sample of supervision records", by=log["lead"])
    db.session.commit()
    for who in ("chair", "viewer", "lead", "other", "admin"):
        assert _found("pangolin", log[who]) == [("evidence", "MAP-001")], who
    hit = search.search("pangolin", actor=actor_for(log["lead"])).hits[0]
    assert hit.link.endpoint == "plans.action" and hit.link.values["_anchor"] == "evidence"
