"""The inspection page, "what changed since" and the Getting to Good agenda, on the seed story
(Friday 5 February 2016), and the form that records when the plan was sent to Ofsted."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from html import unescape

import pytest
from sqlalchemy import select

from tests.builders import add_update, make_action, make_recommendation, make_user
from tests.conftest import csrf_token, sign_in
from tracker.extensions import db
from tracker.models import AuditEvent, Inspection


def text_of(response) -> str:
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))))


def test_the_inspection_page_shows_the_deadline_its_anchor_rule_and_what_is_left(role_client):
    response = role_client("viewer").get("/inspection")
    assert response.status_code == 200
    page = text_of(response)
    assert "The action plan must reach Ofsted by Wednesday 9 March 2016" in page
    assert "The report's publication: Friday 27 November 2015" in page
    assert "70 working days. Saturdays, Sundays and England and Wales bank holidays" in page
    for holiday in (
        "Friday 25 December 2015: Christmas Day",
        "Monday 28 December 2015: Boxing Day (observed)",
        "Friday 1 January 2016: New Year's Day",
    ):
        assert holiday in page
    assert "23 working days left, counting from Friday 5 February 2016. Not yet sent." in page
    assert "Plan sent to Ofsted Not yet" in page
    # The wrong answers are named as wrong, not given as the deadline.
    assert "gives Friday 5 February 2016: weekends are not working days" in page
    assert "gives Friday 4 March 2016: 3 bank holidays fall in the period" in page


@pytest.mark.parametrize(
    ("role", "sees_link"), [("chair", True), ("admin", True), ("viewer", False)]
)
def test_only_the_chair_and_the_administrator_are_offered_the_form(role_client, role, sees_link):
    html = role_client(role).get("/inspection").get_data(as_text=True)
    assert ('href="/inspection/plan-sent"' in html) is sees_link


def test_the_changes_page_lists_the_week_with_moves_to_red_first(role_client):
    response = role_client("viewer").get("/changes?since=29/1/2016")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    page = text_of(response)
    assert "What changed since Friday 29 January 2016" in page
    # The net view leads: each action from its state at the start to its state now.
    assert page.index("The net change per action (36)") < page.index("RAG moves (27)")
    assert (
        "Net change: 36 actions changed RAG or closed: 11 to red; 8 to amber; 3 to green;" in page
    )
    assert "27 RAG moves (every move, reversals included)" in page
    net_table = html[
        html.index('id="changes-net"') : html.index("</table>", html.index('id="changes-net"'))
    ]
    outcomes = re.findall(r'data-outcome="(\w+)"', net_table)
    assert outcomes[:11] == ["to_red"] * 11 and "to_red" not in outcomes[11:]
    assert outcomes[-2:] == ["unchanged", "unchanged"]
    rag_table = html[
        html.index('id="changes-rag_moved"') : html.index(
            "</table>", html.index('id="changes-rag_moved"')
        )
    ]
    rows = re.findall(r"<tr class=\"govuk-table__row\">(.*?)</tr>", rag_table, re.S)
    reds = ['to <strong class="govuk-tag govuk-tag--red' in r for r in rows[1:]]
    assert reds[:13] == [True] * 13 and not any(reds[13:])
    # Who and why, in their words.
    assert "Daniel Okafor" in page and "Legal gateway slots not available" in page
    assert 'id="changes-newly_overdue"' in html and 'id="changes-closed"' in html


def test_a_move_to_red_and_its_reversal_is_two_moves_and_no_move_to_red(client):
    """Moved to red, then amended back to amber, in one period: the detail lists both moves; the
    net view shows amber to amber after 2 moves, and the headline counts no move to red."""
    chair = _chair_client(client)
    action = make_action(ref="MAP-001", rag="amber", lead=chair)
    add_update(action, recorded_at=datetime(2016, 2, 1, 9, tzinfo=UTC), rag="red", author=chair)
    add_update(
        action,
        recorded_at=datetime(2016, 2, 1, 10, tzinfo=UTC),
        rag="amber",
        reason="Amended: red was typed by mistake.",
        author=chair,
    )
    db.session.commit()
    for path in ("/changes?since=29/1/2016", "/agenda?since=29/1/2016"):
        response = client.get(path)
        html = response.get_data(as_text=True)
        page = text_of(response)
        assert response.status_code == 200
        assert "Net change: 1 action changed RAG or closed: 1 back where they started." in page
        assert "to red" not in page[page.index("Net change") : page.index("Counted from")]
        row = html[html.index('data-outcome="unchanged"') :]
        row = text_of_html(row[: row.index("</tr>")])
        assert "Amber Amber back where it started 2" in row
        assert "Amended: red was typed by mistake." in page  # the detail keeps both moves


def text_of_html(html: str) -> str:
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))).strip()


def test_with_no_date_the_changes_page_starts_at_the_last_meeting(role_client):
    page = text_of(role_client("viewer").get("/changes"))
    assert "What changed since Thursday 28 January 2016" in page  # the seed's Getting to Good


@pytest.mark.parametrize("path", ["/changes", "/agenda"])
@pytest.mark.parametrize(
    ("since", "error"),
    [
        ("2016-02-06", "The date must be today (5 February 2016) or earlier"),
        ("1/1/2015", "The date must be on or after 27 November 2015"),
        ("yesterday", "Enter a date like 27 March 2025"),
        ("31/2/2016", "Enter a real date"),
        ("9" * 500, "Enter a date like"),
    ],
)
def test_a_since_that_is_not_a_day_of_the_plan_is_a_clear_400(role_client, path, since, error):
    response = role_client("viewer").get(f"{path}?since={since}")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "govuk-error-summary" in html and 'href="#since"' in html
    assert error in html
    assert "<title>Error:" in html


def test_the_agenda_is_the_changes_and_the_exception_list_by_days_overdue(role_client):
    response = role_client("chair").get("/agenda?since=2016-01-29")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Agenda for Friday 5 February 2016" in text_of(response)
    assert 'media="print"' in html and "print.css" in html
    table = html[html.index('id="exceptions"') :]
    table = table[: table.index("</table>")]
    days = [
        int(n) if n else 0 for n in re.findall(r"(?:(\d+) days?|Not overdue)</td>\s*</tr>", table)
    ]
    assert days and days == sorted(days, reverse=True)
    assert days[-1] == 0  # red actions not yet overdue come last
    assert "Lead to account for it" in table


def test_the_print_stylesheet_leaves_the_menus_and_forms_off_the_paper(seeded_client):
    response = seeded_client.get("/static/print.css")
    css = response.get_data(as_text=True)
    response.close()
    assert ".govuk-service-navigation" in css and ".tracker-no-print" in css
    assert "break-inside: avoid" in css


def _chair_client(client):
    make_recommendation()
    chair = make_user(role="chair", email="chair@trust.example")
    db.session.commit()
    sign_in(client, chair.email, "a-long-test-password")
    return chair


def test_the_chair_records_the_day_the_plan_was_sent(client):
    chair = _chair_client(client)
    token = csrf_token(client, "/inspection/plan-sent")
    response = client.post(
        "/inspection/plan-sent", data={"csrf_token": token, "submitted_on": "4 February 2016"}
    )
    assert response.status_code == 302 and response.headers["Location"] == "/inspection"
    page = text_of(client.get("/inspection"))
    assert "Sent to Ofsted on Thursday 4 February 2016, in time." in page
    assert f"Recorded by {chair.name}" in page
    db.session.remove()
    assert db.session.execute(select(Inspection.plan_submitted_on)).scalar_one() == date(2016, 2, 4)


@pytest.mark.parametrize(
    ("typed", "error"),
    [
        ("", "Enter the date the action plan was sent to Ofsted"),
        ("6/2/2016", "must be today or in the past"),
        ("26/11/2015", "on or after 27 November 2015"),
        ("soon", "Enter a date like"),
        ("4" * 41, "Enter a date like 27 March 2025"),
    ],
)
def test_a_wrong_date_is_refused_with_the_reason_and_writes_nothing(client, typed, error):
    _chair_client(client)
    token = csrf_token(client, "/inspection/plan-sent")
    response = client.post(
        "/inspection/plan-sent", data={"csrf_token": token, "submitted_on": typed}
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "govuk-error-summary" in html and error in html
    db.session.remove()
    assert db.session.execute(select(Inspection.plan_submitted_on)).scalar_one() is None
    assert (
        db.session.execute(
            select(AuditEvent).where(AuditEvent.kind == "plan_submission_recorded")
        ).first()
        is None
    )


@pytest.mark.parametrize("path", ["/changes?since=2016-01-29%00", "/agenda?since=2016-01-29%00"])
def test_a_since_with_a_nul_byte_is_refused_at_the_edge(role_client, path):
    response = role_client("viewer").get(path)
    assert response.status_code == 400
    assert "since contains a character that is not text" in response.get_data(as_text=True)


def test_a_sent_date_with_a_nul_byte_is_refused_at_the_edge_and_writes_nothing(client):
    _chair_client(client)
    token = csrf_token(client, "/inspection/plan-sent")
    response = client.post(
        "/inspection/plan-sent", data={"csrf_token": token, "submitted_on": "4/2/2016\x00"}
    )
    assert response.status_code == 400
    assert "not text (a NUL byte" in response.get_data(as_text=True)
    db.session.remove()
    assert db.session.execute(select(Inspection.plan_submitted_on)).scalar_one() is None


def test_with_no_date_and_no_meeting_the_changes_run_from_a_week_ago(clean_db):
    from datetime import date

    from tracker.services.governance.meetings import last_meeting_day

    assert last_meeting_day(date(2016, 2, 5)) is None  # an empty database: a week ago then


@pytest.mark.parametrize(
    ("role", "path", "linked"),
    [
        ("chair", "/", True),
        ("chair", "/dashboard", True),
        ("locality_head", "/", False),
    ],
)
def test_the_chair_home_and_the_dashboard_link_to_the_changes_and_the_agenda(
    role_client, role, path, linked
):
    client = role_client(role)
    html = client.get(path).get_data(as_text=True)
    assert ('id="meeting-links"' in html) is linked
    if linked:
        links = html[html.index('id="meeting-links"') :]
        links = links[: links.index("</p>")]
        assert 'href="/changes">What changed since the last meeting</a>' in links
        assert 'href="/agenda">agenda for the next Getting to Good meeting</a>' in links
        page = text_of(client.get("/changes"))
        assert "What changed since Thursday 28 January 2016" in page  # the last meeting
