"""Meetings on the pages and the API: recording one (a double click makes one), bad input,
who may see a meeting and its pack, marking a follow-up done, and the pack's PDF text."""

from __future__ import annotations

import re
import subprocess
from datetime import date

import jsonschema
import pytest
from flask import g, has_app_context
from flask.testing import FlaskClient
from sqlalchemy import func, select

from tests.builders import make_action, make_meeting, make_user
from tests.conftest import csrf_token, sign_in
from tracker.api.openapi import openapi_document
from tracker.extensions import db
from tracker.models import Meeting, MeetingFollowUp

PASSWORD = "a-long-test-password"
DOC = openapi_document()


def check(instance, schema_name: str) -> None:
    jsonschema.validate(
        instance, {"$ref": f"#/components/schemas/{schema_name}", "components": DOC["components"]}
    )


@pytest.fixture
def people(clean_db):
    chair = make_user(role="chair", email="chair@trust.example")
    lead = make_user(role="action_lead", email="lead@trust.example")
    outsider = make_user(role="locality_head", locality="north", email="north@trust.example")
    make_action(ref="MAP-001", lead=lead, target_date=date(2016, 1, 20))
    make_action(ref="MAP-002", target_date=date(2016, 3, 31), rag="red")
    db.session.commit()
    return {"chair": chair, "lead": lead, "outsider": outsider}


class PersonClient(FlaskClient):
    """A test client for one person. The test's app context is shared by every request, so the
    signed-in user (and CSRF token) kept in `g` are dropped before each one."""

    def open(self, *args, **kwargs):
        if has_app_context():
            g.pop("_login_user", None)
            g.pop("csrf_token", None)  # Flask-WTF keeps the session's token there too
        return super().open(*args, **kwargs)


def _signed_in(app, email: str) -> FlaskClient:
    client = PersonClient(app, app.response_class, use_cookies=True)
    sign_in(client, email, PASSWORD)
    return client


def _form(client) -> dict[str, str]:
    page = client.get("/meetings/new").get_data(as_text=True)
    key = re.search(r'name="key" type="hidden" value="([0-9a-f]{32})"', page)
    assert key, "the form carries a one-time key"
    return {"csrf_token": csrf_token(client, "/meetings/new"), "key": key.group(1)}


def _count(model) -> int:
    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def test_the_chair_records_a_meeting_and_a_double_click_makes_one(people, clean_db):
    client = _signed_in(clean_db, "chair@trust.example")
    data = _form(client) | {
        "kind": "getting_to_good",
        "held_on": "5/2/2016",
        "chair": str(people["chair"].id),
        "attendees": [str(people["lead"].id)],
        "notes": "Cycle 3 is under way.",
        "decisions": "Report red actions weekly.\n\nSouth gets a weekly check-in.",
        "follow_ups-0-text": "Bring a recovery plan",
        "follow_ups-0-assignee": str(people["lead"].id),
        "follow_ups-0-due_on": "12 Feb 2016",
    }
    first = client.post("/meetings/new", data=data)
    second = client.post("/meetings/new", data=data)  # the same form, sent again
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    assert _count(Meeting) == 1 and _count(MeetingFollowUp) == 1
    page = client.get(first.headers["Location"]).get_data(as_text=True)
    assert "Meeting on Friday 5 February 2016" in page
    assert "Report red actions weekly." in page and "South gets a weekly check-in." in page
    assert "MAP-001" in page and "16 days" in page  # overdue on the meeting day


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"held_on": "6/2/2016"}, "The date of the meeting must be today or in the past"),
        ({"held_on": "31/2/2016"}, "Enter a real date"),
        ({"kind": ""}, "Select which meeting this was"),
        ({"chair": ""}, "Select who chaired the meeting"),
        ({"notes": "Stuck\x00"}, "not text (a NUL byte"),  # refused at the edge
        ({"chair": "99999999999"}, "Select who chaired the meeting"),
        ({"follow_ups-0-text": "Report back"}, "Select who will do it"),
        ({"notes": "x" * 8001}, "Field cannot be longer than 8000 characters."),
    ],
)
def test_a_form_with_a_problem_says_so_and_records_nothing(people, clean_db, changes, message):
    client = _signed_in(clean_db, "chair@trust.example")
    data = _form(client) | {
        "kind": "jsig",
        "held_on": "5/2/2016",
        "chair": str(people["chair"].id),
    }
    response = client.post("/meetings/new", data=data | changes)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "There is a problem" in page and message in page
    assert _count(Meeting) == 0


def test_only_the_people_a_meeting_names_see_it_and_its_pack(people, clean_db):
    meeting_id = make_meeting(chair=people["chair"], attendees=(people["lead"],))
    outsider = _signed_in(clean_db, "north@trust.example")
    page = outsider.get(f"/meetings/{meeting_id}")
    assert page.status_code == 403
    assert "if you chaired or attended it" in page.get_data(as_text=True)
    assert outsider.get(f"/meetings/{meeting_id}/pack.pdf").status_code == 403
    assert outsider.get(f"/meetings/{meeting_id}/pack").status_code == 403
    refused = outsider.get(f"/api/v1/meetings/{meeting_id}")
    assert refused.status_code == 403 and refused.mimetype == "application/problem+json"
    problem = outsider.get(f"/api/v1/meetings/{meeting_id}/pack.pdf")
    assert problem.status_code == 403 and problem.mimetype == "application/problem+json"
    assert "chaired or attended" in problem.get_json()["detail"]
    assert outsider.get("/api/v1/meetings").get_json()["total"] == 0
    assert "There are no meetings for you to see yet" in outsider.get("/meetings").get_data(
        as_text=True
    )
    lead = _signed_in(clean_db, "lead@trust.example")
    assert lead.get(f"/meetings/{meeting_id}").status_code == 200
    assert lead.get(f"/api/v1/meetings/{meeting_id}").status_code == 200


@pytest.mark.parametrize("path", ["/meetings/{}", "/meetings/{}/pack", "/meetings/{}/pack.pdf"])
def test_an_unknown_meeting_is_a_404_page(people, clean_db, path):
    client = _signed_in(clean_db, "chair@trust.example")
    for meeting_id in (4242, 2_147_483_648):
        assert client.get(path.format(meeting_id)).status_code == 404


@pytest.mark.parametrize(
    "path", ["/api/v1/meetings/4242", "/api/v1/meetings/4242/pack.pdf", "/api/v1/meetings/abc"]
)
def test_an_unknown_meeting_is_a_404_problem(people, clean_db, path):
    response = _signed_in(clean_db, "chair@trust.example").get(path)
    assert response.status_code == 404 and response.mimetype == "application/problem+json"
    check(response.get_json(), "Problem")


def test_the_holder_marks_a_follow_up_done_and_nobody_else_but_a_chair(people, clean_db):
    meeting_id = make_meeting(
        chair=people["chair"], follow_ups=(("Report back", people["lead"], date(2016, 2, 12)),)
    )
    follow_up_id = db.session.execute(select(MeetingFollowUp.id)).scalar_one()
    url = f"/meetings/{meeting_id}/follow-ups/{follow_up_id}"
    outsider = _signed_in(clean_db, "north@trust.example")
    token = csrf_token(outsider, "/meetings")
    assert outsider.post(url, data={"csrf_token": token, "done": "yes"}).status_code == 403
    lead = _signed_in(clean_db, "lead@trust.example")
    token = csrf_token(lead, f"/meetings/{meeting_id}")
    done = lead.post(url, data={"csrf_token": token, "done": "yes"}, follow_redirects=True)
    assert done.status_code == 200 and "Follow-up marked as done." in done.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.execute(select(MeetingFollowUp.done_at)).scalar_one() is not None
    assert lead.post(url, data={"csrf_token": token, "done": "maybe"}).status_code == 400


def test_the_api_answers_match_the_openapi_document(people, clean_db):
    meeting_id = make_meeting(
        chair=people["chair"],
        attendees=(people["lead"],),
        follow_ups=(("Report back", people["lead"], date(2016, 2, 12)),),
    )
    client = _signed_in(clean_db, "chair@trust.example")
    listed = client.get("/api/v1/meetings?per_page=1").get_json()
    assert (listed["total"], listed["per_page"]) == (1, 1)
    check(listed["items"][0], "MeetingSummary")
    one = client.get(f"/api/v1/meetings/{meeting_id}").get_json()
    check(one, "Meeting")
    assert one["snapshot"]["exceptions"] == ["MAP-001", "MAP-002"]
    bad = client.get("/api/v1/meetings?page=0")
    assert bad.status_code == 400 and bad.mimetype == "application/problem+json"


def _pdf_text(pdf: bytes) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()


def test_the_pack_pdf_lists_every_overdue_action_of_the_snapshot(role_client):
    client = role_client("chair")
    for item in client.get("/api/v1/meetings").get_json()["items"]:
        snapshot = client.get(f"/api/v1/meetings/{item['id']}").get_json()["snapshot"]
        overdue = [row["ref"] for row in snapshot["actions"] if row["overdue"]]
        red = [row["ref"] for row in snapshot["actions"] if row["rag"] == "red"]
        response = client.get(f"/api/v1/meetings/{item['id']}/pack.pdf")
        assert response.mimetype == "application/pdf"
        assert response.headers["Content-Disposition"].startswith("attachment;")
        text = _pdf_text(response.data)
        assert overdue and all(ref in text for ref in overdue)
        assert all(ref in text for ref in red)
        assert "Page 2 of" in text and "Contents" in text and "Key to the ratings" in text
        # The same document the page offers.
        assert client.get(f"/meetings/{item['id']}/pack.pdf").data[:5] == b"%PDF-"


def test_every_problem_is_shown_at_once(people, clean_db):
    client = _signed_in(clean_db, "chair@trust.example")
    data = _form(client) | {
        "held_on": "next Tuesday",
        "chair": "",
        # The first row left empty, as a browser sends it: only the second is a follow-up.
        "follow_ups-0-text": "",
        "follow_ups-0-assignee": "",
        "follow_ups-0-due_on": "",
        "follow_ups-1-text": "Report back",
        "follow_ups-1-due_on": "soon",
    }
    page = client.post("/meetings/new", data=data).get_data(as_text=True)
    summary = page[page.index("govuk-error-summary") : page.index("Record a meeting</h1>")]
    for message in (
        "Select which meeting this was",
        "Enter a date like 27 March 2025",
        "Select who chaired the meeting",
        "Select who will do it",
    ):
        assert message in summary
    assert 'href="#follow_ups-1-due_on"' in summary and 'href="#follow_ups-1-assignee"' in summary
    assert _count(Meeting) == 0


def test_two_posts_of_one_form_racing_make_one_meeting(people, clean_db):
    """A double click that reaches two server threads at once: both land on the one meeting."""
    import threading

    clients = [_signed_in(clean_db, "chair@trust.example") for _ in range(2)]
    data = _form(clients[0]) | {
        "kind": "cib",
        "held_on": "5/2/2016",
        "chair": str(people["chair"].id),
        "decisions": "Agreed the improvement board's terms of reference.",
        "attendees": [str(people["lead"].id)],
    }
    tokens = [csrf_token(client, "/meetings") for client in clients]  # one session's each
    db.session.remove()
    start = threading.Barrier(2, timeout=30)
    answers: list = [None, None]

    def post(i: int) -> None:
        start.wait()
        response = clients[i].post("/meetings/new", data=data | {"csrf_token": tokens[i]})
        answers[i] = (response.status_code, response.headers.get("Location"))

    threads = [threading.Thread(target=post, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(90)
    assert answers[0] == answers[1] and answers[0][0] == 302, answers
    assert _count(Meeting) == 1


def test_the_meeting_still_shows_the_plan_as_presented_after_updates(people, clean_db):
    """Recorded through the form, then the lead updates the overdue action through the update
    form (RAG, lifecycle and summary change): the meeting's page, pack and API answer keep the
    values presented; the action's own page has moved on."""
    chair = _signed_in(clean_db, "chair@trust.example")
    recorded = chair.post(
        "/meetings/new",
        data=_form(chair)
        | {
            "kind": "getting_to_good",
            "held_on": "5/2/2016",
            "chair": str(people["chair"].id),
            "attendees": [str(people["lead"].id)],
        },
    )
    assert recorded.status_code == 302
    meeting_url = recorded.headers["Location"]
    meeting_id = int(meeting_url.rsplit("/", 1)[1])
    before = chair.get(f"/api/v1/meetings/{meeting_id}").get_json()["snapshot"]
    row = next(r for r in before["actions"] if r["ref"] == "MAP-001")
    assert (row["rag"], row["overdue"]) == ("green", True)

    lead = _signed_in(clean_db, "lead@trust.example")
    updated = lead.post(
        "/actions/MAP-001/update",
        data={
            "csrf_token": csrf_token(lead, "/accessibility"),
            "version": "1",
            "summary": "Stalled: the supplier withdrew after the meeting.",
            "rag": "red",
            "lifecycle": "in_progress",
            "impact": "not_yet_evidenced",
            "reason": "Supplier withdrew.",
            "evidence": "",
        },
    )
    assert updated.status_code == 302, updated.get_data(as_text=True)[:800]
    assert "Stalled: the supplier withdrew" in lead.get("/actions/MAP-001").get_data(as_text=True)

    after = chair.get(f"/api/v1/meetings/{meeting_id}").get_json()["snapshot"]
    assert after == before
    for path in (meeting_url, f"/meetings/{meeting_id}/pack"):
        page = chair.get(path).get_data(as_text=True)
        assert "MAP-001" in page and "Stalled: the supplier withdrew" not in page


def _meeting(people, **extra) -> dict:
    return {
        "kind": "getting_to_good",
        "held_on": "5/2/2016",
        "chair": str(people["chair"].id),
    } | extra


def test_who_attended_is_shown_open_not_in_a_closed_disclosure(people, clean_db):
    client = _signed_in(clean_db, "chair@trust.example")
    page = client.get("/meetings/new").get_data(as_text=True)
    form = page[page.index('<form method="post"') :]
    assert "<details" not in form
    assert "Who attended (people in the tracker)" in form
    assert f'value="{people["lead"].id}"' in form  # each person a checkbox, in view


def test_a_meeting_with_nobody_attending_is_saved_only_after_a_warning(people, clean_db):
    client = _signed_in(clean_db, "chair@trust.example")
    data = _form(client) | _meeting(people, notes="Nobody else could come.")
    warned = client.post("/meetings/new", data=data)
    page = warned.get_data(as_text=True)
    assert warned.status_code == 200 and _count(Meeting) == 0  # never saved silently
    assert "govuk-warning-text" in page
    assert "Nobody is recorded as attending this meeting" in page
    assert ">Save without attendees</button>" in page.replace("\n", "").replace("  ", "")
    assert "Nobody else could come." in page  # what was typed is kept
    saved = client.post("/meetings/new", data=data | {"save_without_attendees": "y"})
    assert saved.status_code == 302 and _count(Meeting) == 1


@pytest.mark.parametrize(
    "attending",
    [{"attendees": ["LEAD"]}, {"other_attendees": "Detective Inspector, South Yorkshire Police"}],
)
def test_a_meeting_with_someone_attending_is_saved_without_a_warning(people, clean_db, attending):
    client = _signed_in(clean_db, "chair@trust.example")
    if "attendees" in attending:
        attending = {"attendees": [str(people["lead"].id)]}
    response = client.post("/meetings/new", data=_form(client) | _meeting(people, **attending))
    assert response.status_code == 302 and _count(Meeting) == 1


def test_nobody_attending_and_a_problem_shows_both_and_saves_nothing(people, clean_db):
    client = _signed_in(clean_db, "chair@trust.example")
    response = client.post("/meetings/new", data=_form(client) | _meeting(people, chair=""))
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and _count(Meeting) == 0
    assert "Select who chaired the meeting" in page
    assert "Nobody is recorded as attending this meeting" in page


def test_add_another_follow_up_gives_one_more_row_and_keeps_what_was_typed(people, clean_db):
    client = _signed_in(clean_db, "chair@trust.example")
    first = client.get("/meetings/new").get_data(as_text=True)
    assert 'name="follow_ups-0-text"' in first and 'name="follow_ups-1-text"' not in first
    assert 'name="add_follow_up"' in first  # a plain submit button: no JavaScript needed
    data = _form(client) | _meeting(
        people,
        **{
            "follow_ups-0-text": "Bring a recovery plan",
            "follow_ups-0-assignee": str(people["lead"].id),
            "follow_ups-0-due_on": "12/2/2016",
            "add_follow_up": "y",
        },
    )
    response = client.post("/meetings/new", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and _count(Meeting) == 0
    assert "There is a problem" not in page
    assert 'name="follow_ups-1-text"' in page and 'name="follow_ups-2-text"' not in page
    assert 'value="Bring a recovery plan"' in page
    assert re.search(r'name="follow_ups-1-text"[^>]*autofocus', page)  # focus on the new row


def test_any_number_of_follow_ups_is_recorded(people, clean_db):
    client = _signed_in(clean_db, "chair@trust.example")
    data = _form(client) | _meeting(people, attendees=[str(people["lead"].id)])
    for i in range(12):
        data |= {
            f"follow_ups-{i}-text": f"Follow-up number {i + 1}",
            f"follow_ups-{i}-assignee": str(people["lead"].id),
            f"follow_ups-{i}-due_on": "19/2/2016",
        }
    response = client.post("/meetings/new", data=data)
    assert response.status_code == 302
    assert _count(MeetingFollowUp) == 12
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Follow-up number 1<" in page and "Follow-up number 12<" in page


def _rows(people, n: int, start: int = 0) -> dict:
    return {
        key: value
        for i in range(start, n)
        for key, value in {
            f"follow_ups-{i}-text": f"Task {i + 1}",
            f"follow_ups-{i}-assignee": str(people["lead"].id),
            f"follow_ups-{i}-due_on": "19/2/2016",
        }.items()
    }


def test_follow_ups_stop_at_100_with_a_clear_message(people, clean_db):
    client = _signed_in(clean_db, "chair@trust.example")
    base = _form(client) | _meeting(people, attendees=[str(people["lead"].id)])
    full = client.post("/meetings/new", data=base | _rows(people, 99) | {"add_follow_up": "y"})
    page = full.get_data(as_text=True)
    assert 'name="follow_ups-99-text"' in page and 'name="add_follow_up"' not in page
    assert "A meeting can record up to 100 follow-ups" in page
    # Past the cap, nothing is recorded and the reason is given.
    over = client.post("/meetings/new", data=base | _rows(people, 101))
    page = over.get_data(as_text=True)
    assert over.status_code == 400 and _count(Meeting) == 0
    assert "There is a problem" in page and "at most 100 follow-ups" in page
    assert client.post("/meetings/new", data=base | _rows(people, 100)).status_code == 302
    assert _count(MeetingFollowUp) == 100


def test_a_follow_up_due_before_the_meeting_is_refused_with_a_clear_error(people, clean_db):
    client = _signed_in(clean_db, "chair@trust.example")
    data = _form(client) | _meeting(
        people,
        attendees=[str(people["lead"].id)],
        **{
            "follow_ups-0-text": "Report back",
            "follow_ups-0-assignee": str(people["lead"].id),
            "follow_ups-0-due_on": "1/2/2016",
        },
    )
    response = client.post("/meetings/new", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and _count(Meeting) == 0
    summary = page[page.index("govuk-error-summary") : page.index("Record a meeting</h1>")]
    assert "The due date must be on or after the day of the meeting (5 February 2016)" in summary
    assert 'href="#follow_ups-0-due_on"' in summary


def test_the_snapshot_long_sections_are_collapsed_to_summaries_on_screen(people, clean_db):
    meeting_id = make_meeting(chair=people["chair"], attendees=(people["lead"],))
    client = _signed_in(clean_db, "chair@trust.example")
    page = client.get(f"/meetings/{meeting_id}").get_data(as_text=True)
    for table in ("by-recommendation", "exceptions-table", "snapshot-actions"):
        start = page.index(f'id="{table}"')
        opened = page.rfind("<details", 0, start)
        assert opened != -1 and page.rfind("</details>", 0, start) < opened, table
        assert " open" not in page[opened : page.index(">", opened)]  # closed until clicked
    # Each collapsed section says what it holds before it is opened.
    assert re.search(r"<summary[^>]*>\s*<span[^>]*>\s*Every action: 2 actions", page)
    assert re.search(r"<summary[^>]*>\s*<span[^>]*>\s*2 actions red or overdue", page)
    # On paper, and in the pack, in full.
    assert 'media="print"' in page and "print.css" in page
    response = client.get("/static/print.css")
    css = response.get_data(as_text=True)
    response.close()
    assert "::details-content" in css and "tracker-print-open" in css
    pack = client.get(f"/meetings/{meeting_id}/pack").get_data(as_text=True)
    assert "<details" not in pack and "MAP-001" in pack and "MAP-002" in pack
