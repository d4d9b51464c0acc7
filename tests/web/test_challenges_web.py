"""The challenge log on the site and the API: raise, respond, accept; what the dashboard, the
meeting pack and the quarterly report show. Run on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.builders import make_action, make_cycles, make_user
from tests.conftest import csrf_token, sign_in
from tracker.extensions import db
from tracker.models import Challenge, ChallengeStep, OutboxMessage

PASSWORD = "a-long-test-password"


@pytest.fixture
def world(client):
    make_cycles(upto=3)
    chair = make_user(role="chair", email="chair@trust.example")
    lead = make_user(role="action_lead", email="lead@trust.example")
    make_user(role="action_lead", email="other@trust.example")
    make_user(role="viewer", email="jsig@council.example")
    make_action(ref="MAP-001", lead=lead)
    db.session.commit()
    ids = {"chair": chair.id, "lead": lead.id}
    db.session.remove()
    return ids


def _as(client, email):
    """Sign whoever is signed in out, then `email` in; the client and its CSRF token."""
    page = client.get("/accessibility").get_data(as_text=True)
    if "/sign-out" in page:
        client.post("/sign-out", data={"csrf_token": csrf_token(client, "/accessibility")})
    sign_in(client, email, PASSWORD)
    return client, csrf_token(client, "/accessibility")


def _count(model) -> int:
    value = db.session.execute(select(func.count()).select_from(model)).scalar_one()
    db.session.remove()
    return value


def test_raise_respond_accept_through_the_pages(client, world):
    client, token = _as(client, "chair@trust.example")
    page = client.get("/actions/MAP-001").get_data(as_text=True)
    assert 'id="challenges"' in page and "Raise a challenge" in page
    # Empty and far too long: the error summary, nothing written.
    for question, words in (("", "Enter the question"), ("x" * 10_000, "2,000 characters")):
        response = client.post(
            "/actions/MAP-001/challenges/new", data={"csrf_token": token, "question": question}
        )
        assert response.status_code == 400
        body = response.get_data(as_text=True)
        assert "There is a problem" in body and words in body
    assert _count(Challenge) == 0
    response = client.post(
        "/actions/MAP-001/challenges/new",
        data={"csrf_token": token, "question": "Why has this been amber for three cycles?"},
    )
    assert response.status_code == 302
    challenge_id = int(response.headers["Location"].rsplit("/", 1)[1])
    assert _count(OutboxMessage) == 1

    # The lead sees it on their home page and responds.
    client, token = _as(client, "lead@trust.example")
    assert "Why has this been amber" in client.get("/").get_data(as_text=True)
    response = client.post(
        f"/challenges/{challenge_id}/responses",
        data={"csrf_token": token, "response": "Two vacancies; filled in March."},
    )
    assert response.status_code == 302
    # Accepting is the challenger's (or a chair's): refused, nothing written.
    response = client.post(
        f"/challenges/{challenge_id}/outcome", data={"csrf_token": token, "accept": "y"}
    )
    assert response.status_code == 403 and _count(ChallengeStep) == 1
    # Someone who neither raised nor answers it: not found.
    client, token = _as(client, "other@trust.example")
    assert client.get(f"/challenges/{challenge_id}").status_code == 404

    client, token = _as(client, "chair@trust.example")
    response = client.post(
        f"/challenges/{challenge_id}/outcome", data={"csrf_token": token, "accept": "y"}
    )
    assert response.status_code == 302
    page = client.get(f"/challenges/{challenge_id}").get_data(as_text=True)
    assert "Accepted" in page and "Two vacancies" in page
    # A response to an accepted challenge: refused, nothing written.
    client, token = _as(client, "lead@trust.example")
    response = client.post(
        f"/challenges/{challenge_id}/responses", data={"csrf_token": token, "response": "More."}
    )
    assert response.status_code == 400 and "accepted and is closed" in response.get_data(
        as_text=True
    )
    assert _count(ChallengeStep) == 2
    assert _count(OutboxMessage) == 2  # the lead once (raised), the chair once (responded)


def test_the_api_raises_answers_and_decides(client, world):
    client, token = _as(client, "jsig@council.example")
    headers = {"X-CSRFToken": token}
    response = client.post(
        "/api/v1/challenges",
        json={"question": "Is it on track?", "action": "MAP-001"},
        headers=headers,
    )
    assert response.status_code == 201, response.get_json()
    challenge_id = response.get_json()["id"]
    assert response.get_json()["status"] == "open"
    assert (
        client.post(
            "/api/v1/challenges", json={"question": "", "action": "MAP-001"}, headers=headers
        ).status_code
        == 422
    )
    assert (
        client.post(
            "/api/v1/challenges", json={"question": "x", "action": "MAP-999"}, headers=headers
        ).status_code
        == 404
    )
    listed = client.get("/api/v1/challenges?status=open").get_json()
    assert listed["total"] == 1 and listed["items"][0]["id"] == challenge_id

    client, token = _as(client, "lead@trust.example")
    headers = {"X-CSRFToken": token}
    url = f"/api/v1/challenges/{challenge_id}"
    assert (
        client.post(url + "/responses", json={"text": "Yes."}, headers=headers).status_code == 201
    )
    again = client.post(url + "/responses", json={"text": "Yes."}, headers=headers)
    assert again.status_code == 409 and again.mimetype == "application/problem+json"

    client, token = _as(client, "jsig@council.example")
    headers = {"X-CSRFToken": token}
    response = client.post(url + "/outcome", json={"outcome": "escalate"}, headers=headers)
    assert response.status_code == 422  # escalating needs a note
    response = client.post(
        url + "/outcome", json={"outcome": "escalate", "note": "Evidence?"}, headers=headers
    )
    assert response.status_code == 201 and response.get_json()["status"] == "escalated"
    assert client.get("/api/v1/challenges/999999").status_code == 404


def test_the_dashboard_pack_and_quarterly_report_show_the_challenge(client, world):
    client, token = _as(client, "chair@trust.example")
    client.post(
        "/actions/MAP-001/challenges/new",
        data={"csrf_token": token, "question": "Why has this been amber for three cycles?"},
    )
    dashboard = client.get("/api/v1/dashboard").get_json()
    assert [(c["age_days"], c["status"]) for c in dashboard["open_challenges"]] == [(0, "open")]
    page = client.get("/dashboard").get_data(as_text=True)
    assert "Open challenges" in page and "1 challenge not yet accepted" in page

    from tracker.clock import now_utc, today_london
    from tracker.services.governance.meeting_snapshot import build_snapshot

    snapshot = build_snapshot(meeting_day=today_london(), now=now_utc())
    assert [c["question"] for c in snapshot["challenges"]] == [
        "Why has this been amber for three cycles?"
    ]
    db.session.remove()
    report = client.get("/measures/reports/quarterly/2015-Q4").get_data(as_text=True)
    assert "Challenge and response" in report and "amber for three cycles" in report


def test_the_quarterly_word_and_pdf_files_carry_the_challenge_and_its_response(client, world):
    import subprocess
    import tempfile
    from io import BytesIO

    from docx import Document

    client, token = _as(client, "chair@trust.example")
    response = client.post(
        "/actions/MAP-001/challenges/new",
        data={"csrf_token": token, "question": "Why has this been amber for three cycles?"},
    )
    challenge_id = int(response.headers["Location"].rsplit("/", 1)[1])
    client, token = _as(client, "lead@trust.example")
    client.post(
        f"/challenges/{challenge_id}/responses",
        data={"csrf_token": token, "response": "Two vacancies; filled in March."},
    )
    docx = client.get("/api/v1/reports/quarterly/2015-Q4.docx")
    assert docx.status_code == 200
    text = "\n".join(p.text for p in Document(BytesIO(docx.data)).paragraphs)
    assert "5. Challenge and response" in text
    assert "amber for three cycles" in text and "Two vacancies; filled in March." in text
    pdf = client.get("/api/v1/reports/quarterly/2015-Q4.pdf")
    assert pdf.status_code == 200
    with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
        f.write(pdf.data)
        f.flush()
        out = subprocess.run(["pdftotext", f.name, "-"], capture_output=True, check=True)
    flat = " ".join(out.stdout.decode().split())
    assert "Challenge and response" in flat and "Two vacancies; filled in March." in flat
    # A quarter before it was raised has none.
    q3 = client.get("/measures/reports/quarterly/2015-Q3").get_data(as_text=True)
    assert "No challenge was raised or answered in this quarter." in q3
