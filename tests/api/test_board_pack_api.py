"""Issue 10.3 and 10.8: the JSIG board pack (GET /api/v1/exports/board-pack.pdf), drawn by the
meeting pack's renderer, offered where people look (every list of actions, the dashboard, a
meeting) for exactly what is on screen, audited, and only for people who may export.
Read-only: these tests only read the shared seeded database (exports add audit events)."""

from __future__ import annotations

import html as htmllib
import re
import subprocess

import pytest
from sqlalchemy import select

from tests.conftest import ROLE_ACCOUNTS
from tests.exports import PDF_URL, csv_table, export_count, last_export
from tests.web.test_action_lists import total
from tracker.domain.frameworks import get_framework
from tracker.extensions import db
from tracker.models import Inspection, User

URL = PDF_URL
SECTIONS = (
    "Joint Strategic Inspection Group board pack",  # the cover's title
    "Contents",
    "Key to the ratings",
    "Summary by recommendation and lead body",
    "Performance scorecard: key measures",
    "Net changes since",
    "Exceptions: where each stands and what would close it",
    "Appendix: every action",
    "Charts",
)
REF = re.compile(r"\b(?:MAP|[NSEC])-\d{2,3}\b")


def pdf_text(body: bytes) -> str:
    assert body.startswith(b"%PDF-")
    return subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=body, capture_output=True, check=True
    ).stdout.decode()


def links(html: str) -> dict[str, str]:
    return {
        name: htmllib.unescape(href)
        for name, href in re.findall(r'id="(download-[a-z-]+)" href="([^"]+)" download>', html)
    }


@pytest.mark.parametrize(
    ("url", "asked"),
    [
        ("/actions/overdue", {"overdue": "true", "sort": "target_date"}),
        (
            "/plans/main?as_at=20/1/2016&sort=-target_date",
            {"as_at": "2016-01-20", "plan": "main", "sort": "-target_date"},
        ),
        (
            "/actions?lead_organisation=trust&rag=amber",
            {"lead_organisation": "trust", "rag": "amber", "sort": "ref"},
        ),
    ],
)
def test_a_lists_board_pack_holds_every_section_and_every_red_or_overdue_action_it_chose(
    role_client, seeded_app, url, asked
):
    client = role_client("viewer")
    html = client.get(url).get_data(as_text=True)
    found = links(html)
    assert found["download-pdf"] == found["download-csv"].replace("/plan.csv", "/board-pack.pdf")
    rows = csv_table(client.get(found["download-csv"]))[1:]  # the same actions, one row each
    response = client.get(found["download-pdf"])
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    body = response.get_data()
    assert response.headers["Content-Length"] == str(len(body))
    assert response.headers["X-Total-Count"] == str(total(html)) == str(len(rows))
    assert response.headers["Content-Disposition"].startswith('attachment; filename="board-pack')
    text = pdf_text(body)
    for heading in SECTIONS:
        assert heading in text, heading
    chosen = {r[0] for r in rows}
    overdue = {r[0] for r in rows if r[14] == "Yes"}
    red = {r[0] for r in rows if r[12] == "Red"}
    # Complete and awaiting sign-off past its target date: listed as waiting, not overdue.
    day = asked.get("as_at", "2016-02-05")
    waiting = {
        r[0] for r in rows if r[11] == "Complete, awaiting sign-off" and r[10] and r[10] < day
    }
    assert not (overdue & waiting)
    assert overdue or red or "amber" in url
    assert (overdue | red | waiting) <= set(REF.findall(text))
    assert ("working day" in text) is bool(waiting)  # "Awaiting sign-off, N working days"
    assert set(REF.findall(text)) <= chosen, "nothing the filters left out"
    assert f"{len(rows)} in all" in text
    if "as_at" in asked:
        assert "The end of Wednesday 20 January 2016" in text
    event = last_export(seeded_app)
    assert event.target == "board-pack.pdf" and event.user_id is not None
    assert event.detail == {
        "format": "pdf",
        "filters": asked,
        "rows": len(rows),
        "exceptions": len(overdue | red | waiting),
    }


def test_the_dashboard_offers_the_board_pack_and_files_of_exactly_the_actions_it_counts(
    role_client,
):
    client = role_client("chair")
    html = client.get("/dashboard?plan=main&lead_organisation=trust").get_data(as_text=True)
    counted = int(re.search(r'id="dashboard-scope">\s*(\d+) action', html).group(1))
    found = links(html)
    assert set(found) == {"download-pdf", "download-xlsx", "download-csv"}
    for href in found.values():
        assert "plan=main" in href and "lead_organisation=trust" in href
    assert len(csv_table(client.get(found["download-csv"]))[1:]) == counted
    response = client.get(found["download-pdf"])
    assert response.headers["X-Total-Count"] == str(counted)
    text = pdf_text(response.get_data())
    assert "The chair's dashboard on" in text and "Burn-down" in text
    assert "lead organisation" in text  # the cover names the filters


def test_a_meeting_offers_its_pack_and_the_plan_as_at_its_snapshot_day(role_client):
    client = role_client("chair")
    meetings = client.get("/api/v1/meetings").get_json()["items"]
    jsig = next(m for m in meetings if m["held_on"] == "2016-01-21")
    snapshot = client.get(f"/api/v1/meetings/{jsig['id']}").get_json()["snapshot"]
    html = client.get(f"/meetings/{jsig['id']}").get_data(as_text=True)
    pack = re.search(r'href="([^"]+)" download id="pack-pdf"', html).group(1)
    assert pack == f"/meetings/{jsig['id']}/pack.pdf"
    found = dict(re.findall(r'href="([^"]+)" download id="(download-[a-z]+)"', html))
    by_id = {v: htmllib.unescape(k) for k, v in found.items()}
    assert by_id["download-xlsx"] == "/api/v1/exports/plan.xlsx?as_at=2016-01-21"
    rows = csv_table(client.get(by_id["download-csv"]))[1:]
    assert len(rows) == snapshot["totals"]["actions"]
    # Rebuilt at the end of the meeting's day: the same state as the snapshot's moment.
    shown = {a["ref"]: (a["lifecycle"], a["rag"] or "") for a in snapshot["actions"]}
    words = {"Red": "red", "Amber": "amber", "Green": "green", "": ""}
    assert {r[0]: words[r[12]] for r in rows} == {ref: rag for ref, (_, rag) in shown.items()}


@pytest.mark.parametrize("role", ["locality_head", "action_lead"])
def test_people_who_may_not_export_get_no_board_pack_and_no_link(role_client, seeded_app, role):
    client = role_client(role)
    before = export_count(seeded_app)
    response = client.get(URL, query_string={"plan": "north"})
    assert response.status_code == 403 and response.mimetype == "application/problem+json"
    assert export_count(seeded_app) == before
    html = client.get("/plans/north").get_data(as_text=True)
    assert total(html) > 0 and "download-pdf" not in html and "board-pack" not in html


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ({"colour": "red"}, "colour"),
        ({"as_at": "2016-01-20", "blocked": "true"}, "blocked"),
        ({"as_at": "20/1/2016"}, "as_at"),
        ({"rag": "purple"}, "rag"),
        ({"history": "true"}, "history"),  # the workbook's option, not the pack's
    ],
)
def test_what_the_pack_cannot_do_is_a_problem_and_no_export(
    role_client, seeded_app, query, parameter
):
    before = export_count(seeded_app)
    response = role_client("viewer").get(URL, query_string=query)
    assert response.status_code == 400 and response.mimetype == "application/problem+json"
    assert parameter in response.get_json()["detail"]
    assert export_count(seeded_app) == before


def test_the_audit_event_names_who_exported_the_pack(role_client, seeded_app, pdf_drawing_stubbed):
    role_client("performance_officer").get(URL, query_string={"plan": "east"}).close()
    event = last_export(seeded_app)
    with seeded_app.app_context():
        email = db.session.get(User, event.user_id).email
        db.session.remove()
    assert email == ROLE_ACCOUNTS["performance_officer"]
    assert event.detail["filters"] == {"plan": "east"}


def test_downloading_a_meeting_pack_is_recorded_as_an_export(
    role_client, seeded_app, pdf_drawing_stubbed
):
    client = role_client("chair")
    meeting = client.get("/api/v1/meetings").get_json()["items"][0]
    response = client.get(f"/api/v1/meetings/{meeting['id']}/pack.pdf")
    assert response.status_code == 200
    assert response.headers["Content-Length"] == str(len(response.get_data()))
    event = last_export(seeded_app)
    assert event.target == f"meeting/{meeting['id']}/pack.pdf"
    assert event.detail == {
        "format": "pdf",
        "meeting": meeting["id"],
        "held_on": meeting["held_on"],
    }


def test_a_pack_for_one_inspection_names_it_by_its_title_on_the_cover(role_client, seeded_app):
    with seeded_app.app_context():
        event_id, title, framework = db.session.execute(
            select(Inspection.id, Inspection.title, Inspection.framework).order_by(Inspection.id)
        ).first()
        db.session.remove()
    name = title or get_framework(framework).name  # an untitled event goes by its framework
    response = role_client("viewer").get(URL, query_string={"event": str(event_id)})
    assert response.status_code == 200
    text = " ".join(pdf_text(response.get_data()).split())
    assert f"answering a finding of {' '.join(name.split())}" in text
    assert f"inspection or visit {event_id}" not in text
