"""The search page and the header's search box (issue 13.3)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.builders import make_action, make_sef_version, make_user
from tests.conftest import ROLE_ACCOUNTS, sign_in
from tracker.extensions import db

PASSWORD = "a-long-test-password"


def _text(response) -> str:
    return response.get_data(as_text=True)


@pytest.mark.parametrize("role", list(ROLE_ACCOUNTS))
def test_every_signed_in_page_has_a_labelled_search_box_in_its_header(role_client, role):
    html = _text(role_client(role).get("/"))
    header = html[html.index("<header") : html.index("</header>")]
    assert 'role="search"' in header
    assert '<label class="govuk-label govuk-visually-hidden" for="header-search">' in header
    assert 'action="/search"' in header


def test_signed_out_pages_have_no_search_box(seeded_client):
    assert 'role="search"' not in _text(seeded_client.get("/sign-in"))


def test_the_results_are_ranked_labelled_and_link_to_their_pages(role_client):
    response = role_client("viewer").get("/search?q=safeguarding")
    html = _text(response)
    assert response.status_code == 200
    assert "3 results" in html
    assert html.index('href="/actions/MAP-094"') < html.index('href="/actions/MAP-032#history"')
    assert "<mark>safeguarding</mark>" in html
    assert "Progress update on MAP-032" in html
    assert re.search(r"Actions \(2\)</a>", html)


def test_the_kind_filter_keeps_one_kind_and_the_count_says_so(role_client):
    html = _text(role_client("chair").get("/search?q=safeguarding&kind=update"))
    assert "1 result (progress updates)" in html
    assert 'href="/actions/MAP-094"' not in html
    assert _text(role_client("chair").get("/search?q=safeguarding&kind=nonsense")) and (
        role_client("chair").get("/search?q=safeguarding&kind=nonsense").status_code == 400
    )


def test_results_are_paged_twenty_at_a_time(role_client):
    client = role_client("viewer")
    first = _text(client.get("/search?q=social"))
    total = int(re.search(r"(\d+) results", first).group(1))
    assert total > 20
    assert "Showing 1 to 20" in first and 'aria-label="Pages of results"' in first
    assert f"Showing 21 to {min(40, total)}" in _text(client.get("/search?q=social&page=2"))
    assert client.get("/search?q=social&page=0").status_code == 400


@pytest.mark.parametrize("query", ["!!!", "%22", "*", "--", "%3A"])
def test_a_search_of_only_punctuation_says_there_is_nothing_to_search_for(role_client, query):
    response = role_client("viewer").get(f"/search?q={query}")
    assert response.status_code == 200
    assert "There are no words to search for" in _text(response)


def test_a_search_of_ten_thousand_characters_gets_a_clear_message(role_client):
    response = role_client("viewer").get("/search?q=" + "a" * 10_000)
    html = _text(response)
    assert response.status_code == 400
    assert "There is a problem" in html and "Search for 200 characters or fewer" in html
    assert 'href="#q"' in html


@pytest.mark.parametrize(
    "query", ['"unbalanced', "NEAR(social workers)", "social*", "-social", "title:social"]
)
def test_search_syntax_in_the_box_is_read_as_words(role_client, query):
    response = role_client("viewer").get("/search", query_string={"q": query})
    assert response.status_code == 200


def test_an_empty_search_shows_the_box_and_nothing_else(role_client):
    response = role_client("viewer").get("/search")
    assert response.status_code == 200
    assert "results" not in _text(response).split("<h1", 1)[1]


def test_anonymous_visitors_are_sent_to_sign_in(seeded_client):
    response = seeded_client.get("/search?q=safeguarding")
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]


def test_matched_text_is_escaped_never_markup(clean_db):
    make_user(email="lead@trust.example", role="action_lead")
    action = make_action(ref="MAP-666")
    action.title = '<script>alert("x")</script> trampoline <b>bold</b>'
    action.description = "<img src=x onerror=alert(1)> trampoline"
    db.session.commit()
    client = clean_db.test_client()
    sign_in(client, "lead@trust.example", PASSWORD)
    html = _text(client.get("/search?q=trampoline"))
    assert "<script>alert" not in html and "<img src=x" not in html and "<b>bold" not in html
    assert "&lt;script&gt;" in html and "<mark>trampoline</mark>" in html


@pytest.mark.parametrize(
    ("email", "sees"),
    [
        ("north@trust.example", True),
        ("south@trust.example", False),
        ("viewer@council.example", False),
    ],
)
def test_a_sef_draft_is_never_shown_to_someone_who_may_not_read_it(clean_db, email, sees):
    make_user(email="north@trust.example", role="locality_head", locality="north")
    make_user(email="south@trust.example", role="locality_head", locality="south")
    make_user(email="viewer@council.example", role="viewer")
    draft = make_sef_version(locality="north", status="draft")
    draft.what_we_know = "Unsubmitted thoughts on the quokka pilot."
    db.session.commit()
    client = clean_db.test_client()
    sign_in(client, email, PASSWORD)
    html = _text(client.get("/search?q=quokka"))
    assert ("<mark>quokka</mark>" in html) is sees
    assert ("No results" in html) is not sees
    assert ('href="/sefs/north/2016-02"' in html) is sees


def test_any_text_in_the_search_box_is_an_answer_never_an_error(role_client):
    """Property: whatever is typed (any Unicode, search syntax, too long), the page answers 200
    with results or a message, or 400 for a search over the limit or a NUL byte."""
    client = role_client("viewer")  # one sign-in for every example: sign-ins are rate limited

    @settings(max_examples=60, derandomize=True, database=None, deadline=None)
    @given(
        q=st.one_of(
            st.text(max_size=260),
            st.text(alphabet="\"*:-^(){}[]+~\\'!&|<>%_ NEARORANDNOT", max_size=40),
        )
    )
    def check(q: str) -> None:
        response = client.get("/search", query_string={"q": q})
        assert response.status_code in (200, 400)
        if response.status_code == 400:
            assert len(q) > 200 or "\x00" in q or any(0xD800 <= ord(c) <= 0xDFFF for c in q)

    check()
