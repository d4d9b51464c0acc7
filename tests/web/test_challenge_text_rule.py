"""Issue 19, part 3: a challenge's text follows the challenge log's rule everywhere. The log
lets the board (admin, chairs, JSIG members) read every challenge, and anyone else only the
challenges they raised or answer (the action's lead, the locality's head or deputy). The
quarterly report (page, PDF, Word), the meeting packs (board and Getting to Good: page, PDF,
API), the API and search show the text to those only; anyone else who may open the report or
pack sees that challenges exist (how many), never their text.

Seen on main before: an action lead with nothing to do with the challenge read its question and
every response in the quarterly report and in a meeting pack they attended."""

from __future__ import annotations

import subprocess
import tempfile
from datetime import UTC, datetime
from io import BytesIO

import pytest

from tests.builders import actor_for, make_action, make_cycles, make_meeting, make_user
from tests.conftest import sign_in
from tracker.extensions import db
from tracker.services.governance import challenges

PASSWORD = "a-long-test-password"
QUESTION = "Why has this been amber for three cycles?"
ANSWER = "Two vacancies; filled in March."
RAISED = datetime(2016, 2, 3, 10, 0, tzinfo=UTC)
HIDDEN = "1 challenge is not shown"


@pytest.fixture
def world(client):
    """A chair's challenge on MAP-001, answered by its lead; a Getting to Good meeting and a
    board meeting afterwards, attended by the lead and by another action lead."""
    make_cycles(upto=3)
    chair = make_user(role="chair", email="chair@trust.example")
    lead = make_user(role="action_lead", email="lead@trust.example")
    other = make_user(role="action_lead", email="other@trust.example")
    make_user(role="viewer", email="jsig@council.example")
    make_action(ref="MAP-001", lead=lead)
    db.session.commit()
    challenge_id = challenges.raise_challenge(
        actor_for(chair), question=QUESTION, action_ref="MAP-001", now=RAISED
    )
    challenges.add_step(
        challenge_id, "response", text=ANSWER, actor=actor_for(lead), now=RAISED.replace(hour=11)
    )
    meetings = {
        kind: make_meeting(
            chair=chair,
            kind=kind,
            attendees=(lead, other),
            now=datetime(2016, 2, 5, 10, 0, tzinfo=UTC),
        )
        for kind in ("getting_to_good", "cib")
    }
    db.session.commit()
    db.session.remove()
    return {"challenge": challenge_id, "meetings": meetings}


def _as(client, email):
    sign_in(client, email, PASSWORD)
    return client


def _pdf_text(data: bytes) -> str:
    with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
        f.write(data)
        f.flush()
        out = subprocess.run(["pdftotext", f.name, "-"], capture_output=True, check=True)
    return " ".join(out.stdout.decode().split())


def _docx_text(data: bytes) -> str:
    from docx import Document

    return "\n".join(p.text for p in Document(BytesIO(data)).paragraphs)


REFUSED = ["other@trust.example"]
ALLOWED = ["lead@trust.example", "chair@trust.example", "jsig@council.example"]


@pytest.mark.parametrize(
    ("email", "reads"), [(e, False) for e in REFUSED] + [(e, True) for e in ALLOWED]
)
def test_the_quarterly_report_page_follows_the_log(client, world, email, reads):
    client = _as(client, email)
    page = client.get("/measures/reports/quarterly/2015-Q4")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert (QUESTION in text, ANSWER in text) == (reads, reads)
    assert (HIDDEN in text) is not reads


@pytest.mark.parametrize(
    ("email", "reads"), [("other@trust.example", False), ("lead@trust.example", True)]
)
def test_the_quarterly_report_word_and_pdf_follow_the_log(client, world, email, reads):
    client = _as(client, email)
    docx = client.get("/api/v1/reports/quarterly/2015-Q4.docx")
    assert docx.status_code == 200
    text = _docx_text(docx.data)
    assert (QUESTION in text, ANSWER in text) == (reads, reads)
    assert (HIDDEN in text) is not reads
    pdf = client.get("/api/v1/reports/quarterly/2015-Q4.pdf")
    assert pdf.status_code == 200
    flat = _pdf_text(pdf.data)
    assert (ANSWER in flat) is reads
    assert (HIDDEN in flat) is not reads


@pytest.mark.parametrize("kind", ["getting_to_good", "cib"])
@pytest.mark.parametrize(
    ("email", "reads"),
    [("other@trust.example", False), ("lead@trust.example", True), ("chair@trust.example", True)],
)
def test_the_meeting_packs_follow_the_log(client, world, kind, email, reads):
    client = _as(client, email)
    meeting_id = world["meetings"][kind]
    page = client.get(f"/meetings/{meeting_id}/pack")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Challenge and response" in text
    assert (QUESTION in text, ANSWER in text) == (reads, reads)
    assert (HIDDEN in text) is not reads
    if kind != "getting_to_good":
        return  # the PDFs are drawn from the page just read, by one route for every kind
    pdf = client.get(f"/meetings/{meeting_id}/pack.pdf")
    assert pdf.status_code == 200
    flat = _pdf_text(pdf.data)
    assert (ANSWER in flat) is reads and (HIDDEN in flat) is not reads
    api_pdf = client.get(f"/api/v1/meetings/{meeting_id}/pack.pdf")
    assert api_pdf.status_code == 200
    assert (ANSWER in _pdf_text(api_pdf.data)) is reads


@pytest.mark.parametrize(
    ("email", "reads"),
    [("other@trust.example", False), ("lead@trust.example", True), ("jsig@council.example", True)],
)
def test_the_meeting_api_follows_the_log(client, world, email, reads):
    client = _as(client, email)
    meeting_id = world["meetings"]["getting_to_good"]
    body = client.get(f"/api/v1/meetings/{meeting_id}").get_json()
    flat = repr(body)
    assert (QUESTION in flat, ANSWER in flat) == (reads, reads)
    snapshot = body["snapshot"]
    assert len(snapshot["challenges"]) == (1 if reads else 0)
    assert snapshot["challenges_hidden"] == (0 if reads else 1)
    listed = client.get("/api/v1/challenges").get_json()
    assert (QUESTION in repr(listed)) is reads
    one = client.get(f"/api/v1/challenges/{world['challenge']}")
    assert one.status_code == (200 if reads else 404)


@pytest.mark.parametrize(
    ("email", "reads"), [("other@trust.example", False), ("chair@trust.example", True)]
)
def test_search_follows_the_log(client, world, email, reads):
    client = _as(client, email)
    page = client.get("/search?q=vacancies").get_data(as_text=True)
    assert (f"/challenges/{world['challenge']}" in page) is reads
    api = client.get("/api/v1/search?q=vacancies").get_json()
    assert (f"/challenges/{world['challenge']}" in repr(api)) is reads
