"""Late work and waiting work apart (issue 17, part 2), and a partner agency's actions apart
from the person's own (part 7). Today is Friday 5 February 2016.

An action complete and awaiting sign-off has been finished by its lead: past its target date it
is waiting for the chair, not late. Overdue is open work (not started or in progress) past its
target date; every list, count and page says the other as "Awaiting sign-off" with its age."""

from __future__ import annotations

import html as htmllib
import re
from datetime import UTC, date, datetime

import pytest

from tests.builders import add_update, get_or_make_org, make_action, make_cycles, make_user
from tests.conftest import sign_in
from tests.web.test_action_lists import total
from tracker.extensions import db

PASSWORD = "a-long-test-password"
PAST = date(2016, 1, 29)
# Marked complete on Thursday 28 January: six working days to Friday 5 February.
MARKED = datetime(2016, 1, 28, 10, 0, tzinfo=UTC)


def _row(page: str, ref: str) -> str:
    """The table row of one action on a page."""
    match = re.search(
        rf'<tr class="govuk-table__row">\s*<th[^>]*>\s*<a[^>]*>(?:<span[^>]*>)?'
        rf"{re.escape(ref)}\b.*?</tr>",
        page,
        re.S,
    )
    assert match, f"{ref} is not on the page"
    return match.group(0)


@pytest.fixture
def plan_with_waiting_work(clean_db):
    """A lead with three actions: one awaiting sign-off past its date, one open and overdue,
    one open and due later; and a chair."""
    make_cycles(upto=4)
    lead = make_user(email="lead@trust.example")
    make_user(email="chair@trust.example", role="chair")
    waiting = make_action(ref="MAP-901", lead=lead, target_date=PAST, rag="green")
    add_update(waiting, recorded_at=MARKED, lifecycle="complete_awaiting_signoff", rag="green")
    make_action(ref="MAP-902", lead=lead, target_date=PAST, rag="green")
    make_action(ref="MAP-903", lead=lead, target_date=date(2016, 6, 30), rag="amber")
    db.session.commit()
    return lead


def test_a_lead_s_home_shows_finished_work_as_awaiting_sign_off_with_its_age(
    plan_with_waiting_work, client
):
    sign_in(client, "lead@trust.example", PASSWORD)
    page = htmllib.unescape(client.get("/").get_data(as_text=True))
    waiting = _row(page, "MAP-901")
    assert "Awaiting sign-off, 6 working days" in waiting
    assert "Update this cycle" not in waiting and "Overdue" not in waiting
    late = _row(page, "MAP-902")
    assert "Overdue" in late and "Update this cycle" in late
    counts = re.search(r'id="my-actions-counts">(.*?)</ul>', page, re.S).group(1)
    assert "<strong>1</strong> overdue" in counts
    assert "<strong>3</strong> open" in counts
    assert "<strong>1</strong> complete, awaiting sign-off" in counts
    # Each count says what it counts: open actions, one definition.
    assert "Every count is of open actions you lead" in page


def test_the_dashboard_counts_overdue_work_and_waiting_work_apart(plan_with_waiting_work, client):
    sign_in(client, "chair@trust.example", PASSWORD)
    page = client.get("/dashboard").get_data(as_text=True)
    card = (
        r'id="count-{}">\s*<a class="govuk-link tracker-dash-card__link" href="([^"]+)">'
        r'<span class="tracker-dash-card__number">(\d+)</span>'
    )
    overdue = re.search(card.format("overdue"), page)
    waiting = re.search(card.format("awaiting-past-target"), page)
    watermelons = re.search(card.format("watermelons"), page)
    assert overdue and int(overdue.group(2)) == 1
    assert waiting and int(waiting.group(2)) == 1
    # Green but overdue is open work only: MAP-902, not the green MAP-901 awaiting sign-off.
    assert watermelons and int(watermelons.group(2)) == 1
    for match in (overdue, waiting, watermelons):
        href = htmllib.unescape(match.group(1))
        assert total(client.get(href).get_data(as_text=True)) == int(match.group(2)), href


@pytest.mark.parametrize(
    ("query", "refs"),
    [
        ("/actions/overdue", {"MAP-902"}),
        ("/actions?overdue=true", {"MAP-902"}),
        ("/actions?overdue=false", {"MAP-901", "MAP-903"}),
        ("/actions?awaiting_past_target=true", {"MAP-901"}),
        ("/actions?open=true", {"MAP-901", "MAP-902", "MAP-903"}),
    ],
)
def test_the_overdue_filter_is_open_work_and_waiting_past_target_is_its_own_filter(
    plan_with_waiting_work, client, query, refs
):
    sign_in(client, "lead@trust.example", PASSWORD)
    page = client.get(query).get_data(as_text=True)
    shown = set(re.findall(r'href="/actions/(MAP-9\d\d)"', page))
    assert shown == refs
    assert total(page) == len(refs)


def test_an_action_list_says_awaiting_sign_off_with_its_age_where_it_would_say_overdue(
    plan_with_waiting_work, client
):
    sign_in(client, "lead@trust.example", PASSWORD)
    page = htmllib.unescape(client.get("/actions").get_data(as_text=True))
    assert "Awaiting sign-off, 6 working days" in _row(page, "MAP-901")
    assert "Overdue" in _row(page, "MAP-902")
    assert "Complete, awaiting sign-off past its target date" in page  # the filter's label
    action = htmllib.unescape(client.get("/actions/MAP-901").get_data(as_text=True))
    assert "Awaiting sign-off, 6 working days" in action


def test_a_partner_agency_s_lead_sees_her_actions_apart_from_her_agency_s(clean_db, client):
    make_cycles(upto=4)
    get_or_make_org("police", kind="police")
    officer = make_user(email="dci@police.example", org="police")
    colleague = make_user(email="di@police.example", org="police")
    make_action(ref="MAP-911", lead=officer, org="police")
    make_action(ref="MAP-912", lead=colleague, org="police")
    make_action(ref="MAP-913", lead=colleague, org="police", target_date=PAST)
    db.session.commit()
    sign_in(client, "dci@police.example", PASSWORD)
    page = htmllib.unescape(client.get("/").get_data(as_text=True))
    assert 'id="my-actions">My actions</h2>' in page
    assert 'id="agency-actions">My agency\'s actions</h2>' in page
    mine = page[page.index('id="my-actions"') : page.index('id="agency-actions"')]
    agency = page[page.index('id="agency-actions"') :]
    assert "Update this cycle" in _row(mine, "MAP-911")
    # What she may only read is never asked of her, late or not.
    for ref in ("MAP-912", "MAP-913"):
        assert "Update this cycle" not in _row(agency, ref)
    assert "Overdue" in _row(agency, "MAP-913")
    assert "MAP-911" not in re.search(r'id="agency-actions-table".*?</table>', agency, re.S).group(
        0
    )
    # She may not update them: the update route says the same.
    assert client.get("/actions/MAP-912/update").status_code == 403
    assert client.get("/actions/MAP-911/update").status_code == 200
    # Every count still opens a list of that many.
    hrefs = re.findall(
        r'<a class="govuk-link tracker-count" href="([^"]+)"><strong>(\d+)</strong>', page
    )
    assert len(hrefs) >= 5  # a count of none is not a link
    for href, n in hrefs:
        assert total(client.get(href).get_data(as_text=True)) == int(n), href


def test_the_api_says_the_same_as_the_pages(plan_with_waiting_work, client):
    sign_in(client, "lead@trust.example", PASSWORD)
    body = client.get("/api/v1/actions?awaiting_past_target=true").get_json()
    assert [item["ref"] for item in body["items"]] == ["MAP-901"]
    item = body["items"][0]
    assert item["overdue"] is False and item["awaiting_past_target"] is True
    assert item["awaiting_sign_off_since"] == "2016-01-28T10:00:00Z"
    assert item["working_days_awaiting_sign_off"] == 6
    overdue = client.get("/api/v1/actions/overdue").get_json()
    assert [item["ref"] for item in overdue["items"]] == ["MAP-902"]


def test_a_partner_agency_s_home_runs_the_same_statements_however_many_actions(
    clean_db, client, count_queries
):
    make_cycles(upto=4)
    get_or_make_org("police", kind="police")
    officer = make_user(email="dci@police.example", org="police")
    colleague = make_user(email="di@police.example", org="police")
    make_action(lead=officer, org="police")
    make_action(lead=colleague, org="police", target_date=PAST)
    db.session.commit()
    sign_in(client, "dci@police.example", PASSWORD)
    client.get("/")
    with count_queries(clean_db) as counter:
        assert client.get("/").status_code == 200
    few = counter.count
    for n in range(6):
        waiting = make_action(lead=colleague if n % 2 else officer, org="police", target_date=PAST)
        add_update(waiting, recorded_at=MARKED, lifecycle="complete_awaiting_signoff")
    db.session.commit()
    client.get("/")
    with count_queries(clean_db) as counter:
        page = client.get("/").get_data(as_text=True)
    assert page.count("Awaiting sign-off, 6 working days") == 6
    assert counter.count == few
