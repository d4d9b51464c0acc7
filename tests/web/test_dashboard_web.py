"""The chair's dashboard page on the seeded plan (5 February 2016): every count opens a list whose
total is that count, the filters carry through, and only chairs, viewers and admins see it."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest

COUNT_LINK = re.compile(
    r'<li class="tracker-dash-card[^"]*" id="count-([a-z-]+)">\s*'
    r'<a class="govuk-link tracker-dash-card__link" href="([^"]+)">'
    r'<span class="tracker-dash-card__number">(\d+)</span>'
)
ZERO = re.compile(
    r'<li class="tracker-dash-card[^"]*" id="count-([a-z-]+)">\s*'
    r'<span class="tracker-dash-card__number">0</span>'
)


def counts_and_links(html: str) -> dict[str, tuple[str, int]]:
    return {key: (href.replace("&amp;", "&"), int(n)) for key, href, n in COUNT_LINK.findall(html)}


def list_total(client, href: str) -> int:
    html = client.get(href).get_data(as_text=True)
    said = re.search(r'id="actions-total">\s*([^<]+)', html).group(1).strip()
    return 0 if said.startswith("No actions") else int(said.split()[0])


@pytest.mark.parametrize("query", ["", "?plan=main", "?plan=central", "?lead_organisation=trust"])
def test_every_count_opens_a_list_of_exactly_that_many_actions(role_client, query):
    client = role_client("chair")
    response = client.get(f"/dashboard{query}")
    assert response.status_code == 200
    links = counts_and_links(response.get_data(as_text=True))
    action_lists = {k: v for k, v in links.items() if not k.startswith(("returns", "sefs"))}
    assert action_lists, "the seeded plan has something to count"
    scope = parse_qs(query.lstrip("?"))
    for key, (href, n) in action_lists.items():
        assert {k: v for k, v in parse_qs(urlsplit(href).query).items() if k in scope} == scope
        assert list_total(client, href) == n, key


def test_the_seeded_dashboard_says_what_a_chief_executive_needs_to_hear(role_client):
    html = role_client("chair").get("/dashboard").get_data(as_text=True)
    links = counts_and_links(html)
    # Overdue is open work past its target date; the 8 finished and waiting for sign-off past
    # theirs are counted apart, and none of the green-but-overdue was open work.
    assert links["overdue"] == ("/actions/overdue", 6)
    assert links["awaiting-past-target"] == (
        "/actions?awaiting_past_target=true&sort=target_date",
        8,
    )
    assert "watermelons" in ZERO.findall(html)
    assert links["red"] == ("/actions?rag=red&sort=target_date", 19)
    assert links["blocked"][0] == "/actions?blocked=true&sort=target_date"
    assert links["returns-late"] == ("/returns", 2)
    assert "returns-missing" in ZERO.findall(html)
    # The chair opens sign-off straight from the ages; others would open the action.
    assert 'href="/actions/MAP-037/sign-off"' in html
    assert "6 working days" in html
    for chart in ("rag-mix", "burn-down", "overdue-by-plan"):
        assert f'<figure class="tracker-chart" id="{chart}">' in html
        assert f'id="{chart}-table"' in html
    # The plan's target dates (which the seed's approved date changes move) against the history.
    behind = r"317 actions are open against \d+ planned</strong>: \d+ behind the plan"
    assert re.search(behind, html)
    assert "19 red, 22 amber, 276 green" in html  # the RAG in words beside the bar
    # Green while a measure it evidences is off target: each value with its unit (issue 18).
    assert "£1,640,000 in December 2015" in html and "88.89% in January 2016" in html


def test_a_viewer_opens_the_actions_awaiting_sign_off_not_the_sign_off_form(role_client):
    html = role_client("viewer").get("/dashboard").get_data(as_text=True)
    assert 'href="/actions/MAP-037"' in html and "/sign-off" not in html


@pytest.mark.parametrize(
    ("role", "sees"),
    [
        ("chair", True),
        ("viewer", True),
        ("admin", True),
        ("locality_head", False),
        ("action_lead", False),
        ("performance_officer", False),
    ],
)
def test_the_dashboard_is_in_the_menu_of_those_who_may_read_it(role_client, role, sees):
    html = role_client(role).get("/overview").get_data(as_text=True)
    assert ('href="/dashboard"' in html) is sees


@pytest.mark.parametrize(
    "query", ["?plan=west", "?rag=red", "?lead=abc", "?recommendation=R1%00", "?as_at=2016-01-01"]
)
def test_a_filter_the_dashboard_does_not_understand_is_a_400(role_client, query):
    assert role_client("chair").get(f"/dashboard{query}").status_code == 400


def test_returns_and_sefs_are_not_asked_of_the_main_plan(role_client):
    html = role_client("chair").get("/dashboard?plan=main").get_data(as_text=True)
    assert "The main plan has no returns or SEFs" in html
    assert 'id="count-returns-late"' not in html


@pytest.mark.parametrize("query", ["?blocked=true", "?date_clash=true&plan=main"])
def test_the_blocked_and_date_clash_lists_cannot_be_asked_as_at_a_past_date(role_client, query):
    assert role_client("viewer").get(f"/actions{query}&as_at=2016-01-20").status_code == 400
