"""Evidence on the pages (issue 13.1): adding files and links, the checks on what a file is, the
virus scan (a real clamd), withdrawing, downloading, and closing with evidence."""

from __future__ import annotations

import hashlib
import html as htmllib
from datetime import UTC, datetime

import pytest
from flask import g
from sqlalchemy import func, select

from tests.builders import add_update, make_action, make_cycles, make_sef_version, make_user
from tests.conftest import csrf_token, sign_in
from tests.evidence_support import (
    DOC,
    GIF,
    JPEG,
    LINUX_PROGRAM,
    PDF,
    PNG,
    WINDOWS_PROGRAM,
    clamd_socket,  # noqa: F401 - the fixture
    docx,
    infected_pdf,
    xlsx,
)
from tracker.extensions import db
from tracker.models import ActionUpdate, AuditEvent, Evidence

PASSWORD = "a-long-test-password"


@pytest.fixture
def store(clean_db, tmp_path, monkeypatch):
    monkeypatch.setitem(clean_db.config, "EVIDENCE_DIR", str(tmp_path / "evidence"))
    monkeypatch.setitem(clean_db.config, "CLAMD_SOCKET", None)
    return tmp_path / "evidence"


@pytest.fixture
def story(clean_db, store):
    make_cycles(upto=4)
    people = {
        "lead": make_user(role="action_lead"),
        "other_lead": make_user(role="action_lead"),
        "north_head": make_user(role="locality_head", locality="north"),
        "south_head": make_user(role="locality_head", locality="south"),
        "chair": make_user(role="chair"),
        "viewer": make_user(role="viewer"),
        "admin": make_user(role="admin"),
    }
    action = make_action(ref="MAP-001", lead=people["lead"], rag="amber")
    add_update(
        action,
        recorded_at=datetime(2016, 2, 1, 10, tzinfo=UTC),
        lifecycle="complete_awaiting_signoff",
        rag="amber",
        summary="Done: audit complete.",
        author=people["lead"],
    )
    make_action(ref="N-01", plan="north")
    db.session.commit()
    return {"people": people, "action": action}


def _as(client, story, who):
    sign_in(client, story["people"][who].email, PASSWORD)
    return client


def _text(response) -> str:
    return htmllib.unescape(response.get_data(as_text=True))


def _switch(client, story, who):
    """Another person on a client of their own. The test's app context keeps the signed-in person
    in `g` (and their CSRF token), which every client would share: forget them first."""
    g.pop("_login_user", None)
    g.pop("csrf_token", None)
    return _as(client.application.test_client(), story, who)


def _form(client, path, **fields):
    data = {
        "csrf_token": csrf_token(client, path),
        "title": "January case file audit",
        "evidence_type": "audit",
        "evidence_date": "27/1/2016",
        "url": "",
    }
    return data | fields


def multipart(fields: dict[str, str], name: str, content: bytes) -> tuple[bytes, str]:
    """A multipart body encoded here: the test client would spool a big one to a file it never
    closes."""
    boundary = "tracker-evidence-test"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'.encode()
        for key, value in fields.items()
    ]
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()
    body = b"".join(parts) + head + content + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def _upload(client, name: str, content: bytes, path="/actions/MAP-001/evidence/new", **fields):
    body, content_type = multipart(_form(client, path, **fields), name, content)
    return client.post(path, data=body, content_type=content_type)


def _count(model=Evidence, *where) -> int:
    db.session.expire_all()
    return db.session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


def _events(kind: str) -> list[AuditEvent]:
    db.session.expire_all()
    return list(
        db.session.execute(
            select(AuditEvent).where(AuditEvent.kind == kind).order_by(AuditEvent.id)
        ).scalars()
    )


def _get_file(client, item_id: int) -> int:
    response = client.get(f"/evidence/{item_id}/file")
    response.close()  # the file is streamed from the store: close it, as a server does
    return response.status_code


def _stored(store) -> list:
    return [p for p in store.rglob("*") if p.is_file()] if store.exists() else []


# --- adding ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("audit.pdf", PDF),
        ("minutes.docx", None),
        ("data.xlsx", None),
        ("photo.png", PNG),
        ("photo.jpeg", JPEG),
        ("photo.jpg", JPEG),
        ("chart.gif", GIF),
        ("old-minutes.doc", DOC),
    ],
)
def test_a_lead_uploads_an_allowed_file_and_it_is_listed_and_downloadable(
    client, story, store, name, content
):
    content = content or (docx() if name.endswith("docx") else xlsx())
    _as(client, story, "lead")

    response = _upload(client, name, content)

    assert response.status_code == 302, _text(response)[:3000]
    assert response.headers["Location"] == "/actions/MAP-001#evidence"
    page = _text(client.get("/actions/MAP-001"))
    assert "Evidence added: January case file audit" in page
    assert "January case file audit" in page and "Audit" in page and "27 January 2016" in page
    row = db.session.execute(select(Evidence)).scalar_one()
    digest = hashlib.sha256(content).hexdigest()
    assert (row.kind, row.sha256, row.filename) == ("file", digest, name)
    # Content-addressed, outside the database: the file is kept under its SHA-256.
    assert _stored(store) == [store / digest[:2] / digest]
    download = client.get(f"/evidence/{row.id}/file")
    assert download.status_code == 200 and download.data == content
    download.close()
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert "no-store" in download.headers["Cache-Control"]
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert [e.target for e in _events("evidence_added")] == ["MAP-001"]
    assert [e.target for e in _events("evidence_downloaded")] == ["MAP-001"]


def test_the_same_file_added_twice_is_stored_once(client, story, store):
    _as(client, story, "lead")
    assert _upload(client, "a.pdf", PDF).status_code == 302
    assert _upload(client, "b.pdf", PDF, title="Second copy").status_code == 302
    assert _count() == 2 and len(_stored(store)) == 1


def test_a_link_is_recorded_and_only_https_is_taken(client, story):
    _as(client, story, "lead")
    url = "/actions/MAP-001/evidence/new"

    refused = client.post(url, data=_form(client, url, url="http://intranet.example/a.pdf"))
    assert refused.status_code == 400
    assert "The link must start with https://" in _text(refused)
    assert 'href="#url"' in _text(refused)

    script = client.post(url, data=_form(client, url, url="javascript:alert(1)"))
    assert script.status_code == 400 and _count() == 0

    added = client.post(url, data=_form(client, url, url="https://intranet.example/audit.pdf"))
    assert added.status_code == 302
    assert 'href="https://intranet.example/audit.pdf"' in _text(client.get("/actions/MAP-001"))


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"title": ""}, "title", "Enter a title for the evidence"),
        ({"evidence_type": ""}, "evidence_type", "Choose the type of evidence"),
        ({"evidence_date": "31/2/2016"}, "evidence_date", ""),
        ({"evidence_date": "1/3/2016"}, "evidence_date", "must be today or in the past"),
        ({}, "file", "Choose a file to upload, or give a link"),
    ],
)
def test_an_incomplete_form_gets_400_and_an_error_summary(client, story, fields, field, message):
    _as(client, story, "lead")
    url = "/actions/MAP-001/evidence/new"

    response = client.post(url, data=_form(client, url, **fields))

    page = _text(response)
    assert response.status_code == 400
    assert "There is a problem" in page and f'href="#{field}"' in page and message in page
    assert _count() == 0


def test_a_file_and_a_link_together_are_refused(client, story):
    _as(client, story, "lead")
    response = _upload(client, "audit.pdf", PDF, url="https://intranet.example/a.pdf")
    assert response.status_code == 400
    assert "Upload a file or give a link, not both" in _text(response) and _count() == 0


# --- refused files: a clear message, nothing stored, an audit event ---------------------------


def _assert_refused(response, store, message, status=400, kind="evidence_refused"):
    page = _text(response)
    assert response.status_code == status, page[:2000]
    assert message in page and 'href="#file"' in page
    assert _count() == 0 and _stored(store) == []
    events = _events(kind)
    assert len(events) == 1 and events[0].target == "MAP-001"
    return events[0]


def test_a_file_over_the_limit_is_refused(client, story, store, monkeypatch):
    monkeypatch.setitem(client.application.config, "EVIDENCE_MAX_BYTES", 1024)
    _as(client, story, "lead")

    response = _upload(client, "big.pdf", PDF + b"0" * 2000)

    event = _assert_refused(response, store, "The selected file must be smaller than 1 KB", 413)
    assert event.detail["size_bytes"] > 1024


def test_a_body_far_over_the_limit_is_refused_unread(client, story, store, monkeypatch):
    monkeypatch.setitem(client.application.config, "EVIDENCE_MAX_BYTES", 1024)
    _as(client, story, "lead")

    response = _upload(client, "huge.pdf", PDF + b"0" * 200_000)

    _assert_refused(response, store, "The selected file must be smaller than 1 KB", 413)


def test_a_file_between_5_and_20_mb_is_taken_by_default(client, story, store):
    _as(client, story, "lead")
    response = _upload(client, "scan.pdf", PDF + b"0" * (6 * 1024 * 1024))
    assert response.status_code == 302 and _count() == 1


@pytest.mark.parametrize(
    ("name", "content"),
    [("notes.txt", b"Plain text notes"), ("page.html", b"<html></html>"), ("noext", PDF)],
)
def test_a_forbidden_type_is_refused(client, story, store, name, content):
    _as(client, story, "lead")
    response = _upload(client, name, content)
    _assert_refused(response, store, "The selected file must be a PDF, Word (.doc, .docx)")


def test_text_named_as_a_pdf_is_refused_by_its_content(client, story, store):
    _as(client, story, "lead")
    response = _upload(client, "report.pdf", b"Just some text, not a PDF at all.")
    _assert_refused(response, store, "its content is none of these")


@pytest.mark.parametrize(
    ("name", "content", "said"),
    [
        ("report.pdf", PNG, "called .pdf but its content is a PNG image"),
        ("photo.png", PDF, "called .png but its content is a PDF"),
        ("minutes.xlsx", None, "called .xlsx but its content is a Word document"),
        ("minutes.doc", None, "called .doc but its content is a Word document (.docx)"),
    ],
)
def test_a_lying_extension_is_refused(client, story, store, name, content, said):
    _as(client, story, "lead")
    response = _upload(client, name, content or docx())
    _assert_refused(response, store, said)


@pytest.mark.parametrize("content", [WINDOWS_PROGRAM, LINUX_PROGRAM, b"#!/bin/sh\nrm -rf /\n"])
@pytest.mark.parametrize("name", ["report.pdf", "minutes.docx", "photo.png"])
def test_a_renamed_executable_is_always_refused(client, story, store, name, content):
    _as(client, story, "lead")
    response = _upload(client, name, content)
    _assert_refused(response, store, "The selected file is a program, not a document")


def test_the_eicar_test_file_is_refused_by_a_real_clamd(client, story, store, clamd_socket):  # noqa: F811
    client.application.config["CLAMD_SOCKET"] = clamd_socket  # the store fixture puts it back
    _as(client, story, "lead")

    response = _upload(client, "report.pdf", infected_pdf())

    event = _assert_refused(
        response,
        store,
        "The selected file contains a virus, so it was not added",
        400,
        kind="evidence_infected",
    )
    assert event.detail["signature"].startswith("Tracker.Test.EICAR")
    # A clean file passes the same scan.
    assert _upload(client, "clean.pdf", PDF).status_code == 302 and _count() == 1


def test_an_unreachable_clamd_refuses_the_upload(client, story, store, tmp_path):
    client.application.config["CLAMD_SOCKET"] = str(tmp_path / "no-clamd.sock")
    _as(client, story, "lead")

    response = _upload(client, "report.pdf", PDF)

    _assert_refused(response, store, "could not be checked for viruses just now")


# --- who may add, withdraw and download --------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "ref", "status"),
    [
        ("lead", "MAP-001", 200),
        ("chair", "MAP-001", 200),
        ("admin", "MAP-001", 200),
        ("other_lead", "MAP-001", 403),
        ("viewer", "MAP-001", 403),
        ("north_head", "MAP-001", 403),
        ("north_head", "N-01", 200),
        ("south_head", "N-01", 403),
    ],
)
def test_people_who_may_update_the_action_add_evidence_and_viewers_read(
    client, story, who, ref, status
):
    _as(client, story, who)
    assert client.get(f"/actions/{ref}/evidence/new").status_code == status
    page = _text(client.get(f"/actions/{ref}"))
    assert ("Add evidence" in page) == (status == 200)


def test_an_unknown_action_is_404(client, story):
    _as(client, story, "lead")
    assert client.get("/actions/MAP-999/evidence/new").status_code == 404


def test_withdrawn_evidence_stays_listed_with_who_when_and_why(client, story):
    _as(client, story, "lead")
    _upload(client, "audit.pdf", PDF)
    item = db.session.execute(select(Evidence)).scalar_one()
    url = f"/evidence/{item.id}/withdraw"

    empty = client.post(url, data={"csrf_token": csrf_token(client, url), "reason": ""})
    assert empty.status_code == 400
    assert "Give a reason for withdrawing the evidence" in _text(empty)

    response = client.post(
        url, data={"csrf_token": csrf_token(client, url), "reason": "Superseded by the re-audit"}
    )

    assert response.status_code == 302
    page = _text(client.get("/actions/MAP-001"))
    assert "Evidence withdrawn: January case file audit" in page
    assert "January case file audit" in page and "Withdrawn" in page
    assert "Superseded by the re-audit" in page
    db.session.expire_all()
    item = db.session.get(Evidence, item.id)
    assert item.withdrawn_by_id == story["people"]["lead"].id and item.withdrawn_at is not None
    assert [e.detail["reason"] for e in _events("evidence_withdrawn")] == [
        "Superseded by the re-audit"
    ]
    # Still downloadable: withdrawn is not deleted.
    assert _get_file(client, item.id) == 200
    assert client.get(url).status_code == 404  # nothing left to withdraw


def test_a_viewer_may_not_withdraw(client, story):
    _as(client, story, "lead")
    _upload(client, "audit.pdf", PDF)
    item_id = db.session.execute(select(Evidence.id)).scalar_one()
    viewer = _switch(client, story, "viewer")
    assert viewer.get(f"/evidence/{item_id}/withdraw").status_code == 403
    assert _get_file(viewer, item_id) == 200  # viewers read


def test_a_download_by_someone_who_may_not_see_the_sef_is_a_404_and_audited(client, story):
    make_sef_version(locality="north", month="2016-02", status="draft")
    db.session.commit()
    _as(client, story, "north_head")
    url = "/sefs/north/2016-02/evidence/new"
    assert _upload(client, "oversight.pdf", PDF, path=url).status_code == 302
    item_id = db.session.execute(select(Evidence.id)).scalar_one()
    assert "January case file audit" in _text(client.get("/sefs/north/2016-02"))

    south = _switch(client, story, "south_head")
    # The SEF is only a draft: its evidence is North's head's (and the admin's) to see.
    assert "January case file audit" not in _text(south.get("/sefs/north/2016-02"))
    response = south.get(f"/evidence/{item_id}/file")

    assert response.status_code == 404
    events = _events("evidence_download_refused")
    assert len(events) == 1
    assert (events[0].user_id, events[0].target) == (
        story["people"]["south_head"].id,
        "SEF north 2016-02",
    )
    assert events[0].detail == {"evidence_id": item_id}

    # Once the SEF is submitted, everyone who may read it sees its evidence.
    make_sef_version(locality="north", month="2016-02", status="submitted", version=2)
    db.session.commit()
    assert _get_file(south, item_id) == 200


def test_an_unknown_evidence_file_is_404(client, story):
    _as(client, story, "viewer")
    assert client.get("/evidence/999999/file").status_code == 404


# --- closing with evidence ----------------------------------------------------------------------


def _sign_off(client):
    url = "/actions/MAP-001/sign-off"
    data = {
        "csrf_token": csrf_token(client, url),
        "version": "2",
        "decision": "close",
        "reason": "Audit report seen at the board.",
    }
    return client.post(url, data=data)


def test_closing_without_evidence_is_refused_with_a_clear_error(client, story):
    _as(client, story, "chair")

    response = _sign_off(client)

    page = _text(response)
    assert response.status_code == 400
    assert "This action has no evidence: add at least one evidence item" in page
    assert _count(ActionUpdate, ActionUpdate.action_id == story["action"].id) == 2


def test_withdrawn_evidence_does_not_count_towards_closing(client, story):
    _as(client, story, "lead")
    _upload(client, "audit.pdf", PDF)
    item_id = db.session.execute(select(Evidence.id)).scalar_one()
    url = f"/evidence/{item_id}/withdraw"
    client.post(url, data={"csrf_token": csrf_token(client, url), "reason": "Wrong file"})
    chair = _switch(client, story, "chair")
    assert _sign_off(chair).status_code == 400


def test_closing_with_evidence_is_allowed(client, story):
    _as(client, story, "chair")  # a chair may add evidence too
    assert _upload(client, "audit.pdf", PDF).status_code == 302
    # The chair reads the evidence on the sign-off page.
    assert "January case file audit" in _text(client.get("/actions/MAP-001/sign-off"))

    response = _sign_off(client)

    assert response.status_code == 302
    latest = db.session.execute(
        select(ActionUpdate.lifecycle).order_by(ActionUpdate.id.desc()).limit(1)
    ).scalar_one()
    assert latest == "closed_evidenced"
