"""Search (issue 13): one interface over SQLite FTS5 and PostgreSQL full-text search, kept in step
with the plan in the same transaction, and never finding what the person may not see."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from tests.builders import (
    actor_for,
    add_update,
    make_action,
    make_cycles,
    make_recommendation,
    make_sef_version,
    make_user,
)
from tracker.domain.permissions import Actor, Role
from tracker.domain.states import Impact, Lifecycle, Rag
from tracker.domain.updates import Proposal
from tracker.extensions import db
from tracker.models import SearchDocument
from tracker.services import search
from tracker.services.plan.updates import record_update
from tracker.services.search import index

NOW = datetime(2016, 2, 5, 10, 30, tzinfo=UTC)
VIEWER = Actor(user_id=None, role=Role.VIEWER)


def _found(query: str, actor: Actor = VIEWER, **options) -> list[tuple[str, str | None]]:
    return [(h.kind, h.action_ref) for h in search.search(query, actor=actor, **options).hits]


def _documents() -> list[tuple]:
    rows = db.session.execute(
        select(
            SearchDocument.kind,
            SearchDocument.key,
            SearchDocument.action_id,
            SearchDocument.locality_id,
            SearchDocument.audience,
            SearchDocument.ref,
            SearchDocument.title,
            SearchDocument.body,
        ).order_by(SearchDocument.kind, SearchDocument.key)
    )
    return [tuple(r) for r in rows]


def test_a_progress_summary_is_found_as_soon_as_the_update_is_recorded(clean_db):
    lead = make_user(role="action_lead")
    action = make_action(ref="MAP-001", lead=lead)
    make_cycles(upto=3)
    db.session.commit()
    assert _found("kaleidoscope") == []

    record_update(
        "MAP-001",
        Proposal(
            summary="A kaleidoscope of audits: twelve case files read.",
            lifecycle=Lifecycle.IN_PROGRESS,
            rag=Rag.AMBER,
            impact=Impact.EMERGING,
            reason="Two auditors were off sick.",
        ),
        expected_version=action.version,
        actor=actor_for(lead),
        now=NOW,
        today=date(2016, 2, 5),
        cycle_start=date(2016, 1, 4),
    )

    assert _found("kaleidoscope") == [("update", "MAP-001")]
    assert _found("auditors sick") == [("update", "MAP-001")]  # the reason too
    hit = search.search("kaleidoscope", actor=VIEWER).hits[0]
    assert ("kaleidoscope", True) in hit.snippet
    assert hit.link == search.Link("plans.action", {"ref": "MAP-001", "_anchor": "history"})


def test_stemming_finds_other_forms_of_a_word(clean_db):
    action = make_action(ref="MAP-002")
    add_update(action, recorded_at=NOW, summary="Managers trained in supervision.")
    db.session.commit()
    assert _found("training") == [("update", "MAP-002")]


def test_a_title_match_ranks_above_a_body_match(clean_db):
    in_body = make_action(ref="MAP-010")
    in_body.description = "Commission hydrotherapy sessions for disabled children."
    in_title = make_action(ref="MAP-011")
    in_title.title = "Hydrotherapy provision reviewed"
    db.session.commit()
    assert _found("hydrotherapy") == [("action", "MAP-011"), ("action", "MAP-010")]


def test_a_recommendation_is_found_by_its_text_and_its_ref(clean_db):
    rec = make_recommendation(ref="R7")
    rec.text = "Ensure that return home interviews are offered to every child."
    db.session.commit()
    assert [h.ref for h in search.search("return interviews", actor=VIEWER).hits] == ["R7"]
    assert [h.kind for h in search.search("R7", actor=VIEWER).hits] == ["recommendation"]


def test_an_edited_action_is_found_by_its_new_words_only(clean_db):
    action = make_action(ref="MAP-020")
    action.title = "Refresh the neglect strategy"
    db.session.commit()
    assert _found("neglect") == [("action", "MAP-020")]
    action.title = "Refresh the graded care profile"
    db.session.commit()
    assert _found("neglect") == []
    assert _found("graded care") == [("action", "MAP-020")]


def test_a_no_change_update_adds_nothing_to_find(clean_db):
    action = make_action(ref="MAP-030")
    add_update(action, recorded_at=NOW, summary="Quarterly dashboard launched.")
    repeat = add_update(action, recorded_at=NOW, summary="Quarterly dashboard launched.")
    repeat.no_change = True
    db.session.commit()
    keys = {k for kind, k, *_ in _documents() if kind == "update"}
    assert str(repeat.id) not in keys
    assert len(search.search("dashboard", actor=VIEWER).hits) == 1


@pytest.fixture
def sef_people(clean_db):
    people = {
        "north_head": make_user(role="locality_head", locality="north"),
        "north_deputy": make_user(role="action_lead", deputy_for="north"),
        "south_head": make_user(role="locality_head", locality="south"),
        "admin": make_user(role="admin"),
        "chair": make_user(role="chair"),
        "viewer": make_user(role="viewer"),
        "action_lead": make_user(role="action_lead"),
        "performance_officer": make_user(role="performance_officer"),
        "inactive": make_user(role="chair", active=False),
    }
    draft = make_sef_version(locality="north", status="draft")
    draft.what_we_know = "Draft words about the zeppelin audit."
    submitted = make_sef_version(locality="south", status="submitted")
    submitted.what_we_know = "Submitted words about the zeppelin audit."
    db.session.commit()
    return {name: actor_for(user) for name, user in people.items()}


@pytest.mark.parametrize(
    ("who", "sees_north_draft"),
    [
        ("north_head", True),
        ("north_deputy", True),
        ("admin", True),
        ("south_head", False),
        ("chair", False),
        ("viewer", False),
        ("action_lead", False),
        ("performance_officer", False),
    ],
)
def test_a_sef_draft_is_found_only_by_those_who_may_read_it(sef_people, who, sees_north_draft):
    results = search.search("zeppelin", actor=sef_people[who])
    found = {(h.locality_code, h.key.rsplit(":", 1)[1]) for h in results.hits}
    assert ("south", "submitted") in found  # a submitted SEF is for everyone
    assert (("north", "draft") in found) is sees_north_draft
    assert results.total == len(found)  # counted after the filter, not before


def test_nobody_signed_in_and_an_inactive_account_find_nothing(sef_people):
    assert search.search("zeppelin", actor=None).total == 0
    assert search.search("zeppelin", actor=sef_people["inactive"]).total == 0


@pytest.mark.parametrize(
    "query",
    [
        '"',
        '"hydrotherapy',
        "hydrotherapy*",
        "*",
        "NEAR(hydrotherapy sessions)",
        "hydrotherapy NEAR sessions",
        "-hydrotherapy",
        "title:hydrotherapy",
        "body : hydrotherapy",
        "hydrotherapy AND OR NOT",
        "^hydrotherapy",
        "(hydrotherapy",
        "hydrotherapy'",
        "hydrotherapy & !sessions | <->",
        "{hydrotherapy}",
        "hydrotherapy\\",
        "% _ hydrotherapy",
        "hydrotherapy:*",
    ],
)
def test_search_syntax_typed_in_is_only_ever_words(clean_db, query):
    action = make_action(ref="MAP-040")
    action.description = "Commission hydrotherapy sessions for disabled children."
    db.session.commit()
    results = search.search(query, actor=VIEWER)
    assert all(t.isalnum() for t in results.terms)
    if "hydrotherapy" in results.terms and not {"near", "and", "or", "not", "title", "body"} & set(
        results.terms
    ):
        assert [h.action_ref for h in results.hits] == ["MAP-040"]


@pytest.mark.parametrize("query", ["!!!", " ", "--- ::: ***", "\"\" '' ()", "\u2014\u2026"])
def test_a_search_of_only_punctuation_finds_nothing_without_error(clean_db, query):
    make_action(ref="MAP-050")
    db.session.commit()
    results = search.search(query, actor=VIEWER)
    assert results.terms == [] and results.total == 0 and results.hits == []


def test_a_search_longer_than_the_limit_is_refused_plainly(clean_db):
    with pytest.raises(search.QueryTooLong, match="200 characters or fewer"):
        search.search("a" * 10_000, actor=VIEWER)
    assert search.search("word " * 40, actor=VIEWER).total == 0  # exactly 200: searched


def test_words_that_are_only_stop_words_find_nothing_without_error(clean_db):
    make_action(ref="MAP-060")
    db.session.commit()
    assert search.search("the and of", actor=VIEWER).hits == []


def test_rebuilding_gives_the_same_index_as_writing_row_by_row(clean_db):
    rec = make_recommendation(ref="R9")
    rec.text = "Strengthen the quality assurance of child protection plans."
    action = make_action(ref="MAP-070", recommendation=rec)
    add_update(action, recorded_at=NOW, summary="Audit of plans.", reason="Capacity gap.")
    make_sef_version(locality="north", status="draft", version=1)
    make_sef_version(locality="north", status="submitted", version=2)
    make_sef_version(locality="north", status="submitted", version=3).what_we_know = "Latest."
    db.session.commit()
    incremental = _documents()
    found = [_found(q) for q in ("quality plans", "audit", "latest", "capacity")]

    assert search.rebuild() == len(incremental)
    db.session.commit()
    assert _documents() == incremental
    assert [_found(q) for q in ("quality plans", "audit", "latest", "capacity")] == found


def test_paging_and_the_kind_filter_count_every_match(clean_db):
    for n in range(5):
        action = make_action(ref=f"MAP-{n + 100}")
        action.description = "Carousel"
        add_update(action, recorded_at=NOW, summary="Carousel progress.")
    db.session.commit()
    everything = search.search("carousel", actor=VIEWER, per_page=3)
    assert everything.total == 10 and everything.counts == {"action": 5, "update": 5}
    assert len(everything.hits) == 3
    last = search.search("carousel", actor=VIEWER, per_page=3, page=4)
    assert len(last.hits) == 1
    assert search.search("carousel", actor=VIEWER, per_page=3, page=5).hits == []
    updates = search.search("carousel", actor=VIEWER, kind="update", per_page=50)
    assert updates.total == 5 and {h.kind for h in updates.hits} == {"update"}


def test_indexing_an_update_adds_one_statement(clean_db, count_queries):
    """The cost of keeping the index in step: one upsert per flush, whatever it holds."""
    action = make_action(ref="MAP-080")
    db.session.commit()

    def statements(enabled: bool) -> int:
        saved = dict(index._BY_MODEL)
        if not enabled:
            index._BY_MODEL.clear()
        try:
            with count_queries(clean_db) as counter:
                add_update(action, recorded_at=NOW, summary="Counted.")
                db.session.commit()
        finally:
            index._BY_MODEL.update(saved)
        return counter.count

    assert statements(True) == statements(False) + 1


def test_text_is_stored_without_the_snippet_marks(clean_db):
    action = make_action(ref="MAP-090")
    action.title = "Bell\x02 ringing\x03 practice"
    db.session.commit()
    hit = search.search("ringing", actor=VIEWER).hits[0]
    assert "".join(text for text, _ in hit.title) == "MAP-090 Bell ringing practice"
