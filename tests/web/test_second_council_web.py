"""Issue 20.6 on the pages: the second illustrative council's overview shows its three
inspection events with their progress, an action names the further finding of another event it
answers, and its dashboard and an area's plan stay within the first demo's query budgets."""

from __future__ import annotations

import re

import pytest

from tests.conftest import SECOND_ACCOUNTS, sign_in


@pytest.fixture(scope="module")
def chair(second_app):
    client = second_app.test_client()
    sign_in(client, SECOND_ACCOUNTS["chair"])
    return client


def _cells(row: str) -> list[str]:
    """Each numeric cell's figure as read (a count that is a link too; its hidden words aside)."""
    cells = re.findall(r'govuk-table__cell--numeric">(.*?)</td>', row, re.S)
    hidden = r'<span class="govuk-visually-hidden">.*?</span>'
    return [re.sub(r"<[^>]+>", "", re.sub(hidden, "", c, flags=re.S)).strip() for c in cells]


def test_the_overview_shows_the_three_events_and_their_progress(chair):
    page = chair.get("/overview").get_data(as_text=True)
    rows = re.findall(r'<tr class="govuk-table__row" id="inspection-\d+">(.*?)</tr>', page, re.S)
    assert len(rows) == 3
    titles = ("Inspection of Westmere", "Focused visit: the front door", "Monitoring visit")
    for row, title in zip(rows, titles, strict=True):
        assert title in row
    assert "Requires improvement to be good" in rows[0]
    assert "Friday 10 March 2023" in rows[0] and "sent Friday 24 February 2023" in rows[0]
    assert "Friday 4 August 2023" in rows[1]  # its areas for priority action make a plan due
    assert "None counted" in rows[2]  # a monitoring visit asks for no plan
    # Findings, then actions, closed, red, amber, green and overdue: an action answering
    # findings of two events counts for both.
    assert [_cells(r) for r in rows] == [
        ["6", "39", "9", "6", "8", "16", "5"],
        ["3", "17", "5", "2", "3", "7", "4"],
        ["2", "8", "2", "0", "0", "6", "0"],
    ]
    # Each count opens the actions it counts: those answering that event's findings.
    assert re.search(r'href="/actions\?event=\d+">39<', rows[0])


def test_an_action_names_the_finding_of_another_event_it_answers(chair):
    page = chair.get("/actions/IP-20").get_data(as_text=True)
    assert "FV-APA1" in page
    also = page[page.index("Also answers") :][:600]
    assert "IN-R1" in also and "Inspection of Westmere local authority" in also


@pytest.mark.parametrize(
    ("url", "most"),
    [
        ("/dashboard", 21),  # as the first demo's (tests/web/test_query_counts.py)
        ("/dashboard?event=2", 21),  # narrowed to one inspection event
        ("/overview", 6),  # three events cost no more than one
        ("/plans/front-door", 10),
        ("/plans/improvement", 10),
    ],
)
def test_the_second_councils_pages_stay_within_the_query_budgets(
    chair, second_app, count_queries, url, most
):
    chair.get(url)
    with count_queries(second_app) as counter:
        response = chair.get(url)
    assert response.status_code == 200, url
    assert counter.count <= most, counter.statements


def test_the_dashboard_narrows_to_one_inspection_event_as_the_overview_counts_it(chair):
    """Each event's actions and overdue actions on the dashboard are the overview's figures for
    it, and each count is the total of the action list with the same filter."""
    page = chair.get("/overview").get_data(as_text=True)
    ids = re.findall(r'<tr class="govuk-table__row" id="inspection-(\d+)">', page)
    expected = {"actions": [39, 17, 8], "overdue": [5, 4, 0]}
    for n, event in enumerate(ids):
        body = chair.get("/api/v1/dashboard", query_string={"event": event}).get_json()
        assert body["filters"] == {"event": event}
        assert body["actions"] == expected["actions"][n]
        assert body["counts"]["overdue"] == expected["overdue"][n]
        listed = chair.get(
            "/api/v1/actions", query_string={"event": event, "rag": "red", "per_page": 1}
        ).get_json()["total"]
        assert body["counts"]["red"] == listed
    html = chair.get(f"/dashboard?event={ids[1]}").get_data(as_text=True)
    chosen = re.search(
        r'<option value="(\d+)" selected>([^<]*)</option>', html[html.index('id="f-event"') :]
    )
    assert chosen.groups() == (ids[1], "Focused visit: the front door")
    assert f"/actions/overdue?event={ids[1]}" in html  # the counts' lists keep the filter
    assert f"board-pack.pdf?event={ids[1]}" in html
