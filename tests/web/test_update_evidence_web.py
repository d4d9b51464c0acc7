"""Evidence where the work is done (issue 17.1): the action update form takes an evidence file
or link beside the summary, with the evidence page's checks, scan and storage. Marking an
action complete and attaching its proof is one step; a refused item or a refused update writes
nothing (no row, no file on disk)."""

from __future__ import annotations

import hashlib
import html as htmllib
import io
from datetime import UTC, datetime

import pytest
from flask import g
from sqlalchemy import func, select

from tests.builders import add_update, make_action, make_cycles, make_user
from tests.conftest import csrf_token, sign_in
from tests.evidence_support import (
    PDF,
    WINDOWS_PROGRAM,
    clamd_socket,  # noqa: F401 - the fixture
    infected_pdf,
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
        "chair": make_user(role="chair"),
    }
    action = make_action(ref="MAP-001", lead=people["lead"], rag="green")
    done = make_action(ref="MAP-002", lead=people["lead"], rag="amber")
    add_update(
        done,
        recorded_at=datetime(2016, 2, 1, 10, tzinfo=UTC),
        lifecycle="complete_awaiting_signoff",
        rag="amber",
        summary="Done: audit complete.",
        reason="Audit done",
        author=people["lead"],
    ).evidence = "Audit report."
    db.session.commit()
    return {"people": people, "action": action}


def _as(client, story, who):
    sign_in(client, story["people"][who].email, PASSWORD)
    return client


def _text(response) -> str:
    return htmllib.unescape(response.get_data(as_text=True))


def _complete(client, **fields) -> dict:
    """Marking MAP-001 complete, with a description of the evidence."""
    data = {
        "csrf_token": csrf_token(client, "/accessibility"),
        "version": "1",
        "summary": "Audit of strategy meetings done; findings to the March board.",
        "rag": "green",
        "lifecycle": "complete_awaiting_signoff",
        "impact": "emerging",
        "reason": "All strategy meetings now recorded.",
        "evidence": "January audit of strategy meetings.",
        "evidence_title": "January audit of strategy meetings",
        "evidence_type": "audit",
        "evidence_date": "27/1/2016",
        "evidence_url": "",
    }
    return data | fields


def _post(client, data, *, file: tuple[bytes, str] | None = None):
    if file is not None:
        content, name = file
        data = data | {"evidence_file": (io.BytesIO(content), name)}
    return client.post("/actions/MAP-001/update", data=data, content_type="multipart/form-data")


def _count(model, *where) -> int:
    return db.session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


def _updates() -> int:
    return _count(ActionUpdate, ActionUpdate.action_id == _id("MAP-001"))


def _id(ref: str) -> int:
    from tracker.models import Action

    return db.session.execute(select(Action.id).where(Action.ref == ref)).scalar_one()


def _files(store) -> list:
    return [p for p in store.rglob("*") if p.is_file()] if store.exists() else []


def test_the_update_form_offers_a_file_and_a_link_beside_the_summary(client, story):
    page = _text(_as(client, story, "lead").get("/actions/MAP-001/update"))
    assert 'enctype="multipart/form-data"' in page
    assert 'name="evidence_file"' in page and 'type="file"' in page
    assert 'name="evidence_url"' in page
    assert "Attach evidence (optional)" in page
    assert "A description, not proof" in page


def test_marking_complete_with_a_pdf_is_one_step_and_the_chair_can_then_sign_off(
    client, story, store
):
    _as(client, story, "lead")

    response = _post(client, _complete(client), file=(PDF, "strategy-audit.pdf"))

    assert response.status_code == 302, _text(response)[:2000]
    [item] = db.session.execute(select(Evidence)).scalars()
    assert (item.kind, item.filename, item.title) == (
        "file",
        "strategy-audit.pdf",
        "January audit of strategy meetings",
    )
    assert item.action_id == _id("MAP-001")
    assert (store / item.sha256[:2] / item.sha256).read_bytes() == PDF
    assert item.sha256 == hashlib.sha256(PDF).hexdigest()
    assert _updates() == 2
    kinds = set(db.session.execute(select(AuditEvent.kind)).scalars())
    assert {"evidence_added", "action_updated"} <= kinds

    # The chair signs it off: the evidence item is there.
    g.pop("_login_user", None)
    g.pop("csrf_token", None)
    chair = _as(client.application.test_client(), story, "chair")
    signed = chair.post(
        "/actions/MAP-001/sign-off",
        data={
            "csrf_token": csrf_token(chair, "/accessibility"),
            "version": "2",
            "decision": "close",
            "reason": "Audit seen.",
        },
    )
    assert signed.status_code == 302, _text(signed)[:2000]
    assert _updates() == 3


def test_a_link_can_be_attached_instead_of_a_file(client, story, store):
    _as(client, story, "lead")

    response = _post(
        client, _complete(client, evidence_url="https://intranet.example/audits/jan.pdf")
    )

    assert response.status_code == 302
    [item] = db.session.execute(select(Evidence)).scalars()
    assert (item.kind, item.url) == ("link", "https://intranet.example/audits/jan.pdf")
    assert _files(store) == []


def test_an_update_without_evidence_fields_adds_no_item(client, story):
    _as(client, story, "lead")
    data = _complete(client, evidence_title="", evidence_type="", evidence_date="")
    assert _post(client, data).status_code == 302
    assert _count(Evidence) == 0


@pytest.mark.parametrize(
    ("file", "fields", "field", "message"),
    [
        ((WINDOWS_PROGRAM, "audit.pdf"), {}, "evidence_file", "is a program, not a document"),
        ((b"plain text", "audit.txt"), {}, "evidence_file", "The selected file must be a PDF"),
        ((PDF, "audit.pdf"), {"evidence_title": ""}, "evidence_title", "Enter a title"),
        ((PDF, "audit.pdf"), {"evidence_type": ""}, "evidence_type", "Choose the type"),
        (
            (PDF, "audit.pdf"),
            {"evidence_url": "https://intranet.example/a"},
            "evidence_url",
            "Upload a file or give a link, not both",
        ),
        (None, {"evidence_url": "http://intranet.example/a"}, "evidence_url", "https://"),
        (None, {}, "evidence_file", "Choose a file to upload, or give a link"),
    ],
)
def test_evidence_that_fails_a_check_refuses_the_update_and_writes_nothing(
    client, story, store, file, fields, field, message
):
    _as(client, story, "lead")

    response = _post(client, _complete(client, **fields), file=file)

    page = _text(response)
    assert response.status_code == 400
    assert "govuk-error-summary" in page and f'href="#{field}"' in page
    assert message in page
    assert "Audit of strategy meetings done; findings to the March board.</textarea>" in page
    assert _updates() == 1
    assert _count(Evidence) == 0
    assert _files(store) == []


def test_an_update_the_rules_refuse_leaves_no_evidence_and_no_file(client, story, store):
    _as(client, story, "lead")

    response = _post(client, _complete(client, reason=""), file=(PDF, "audit.pdf"))

    assert response.status_code == 400
    assert 'href="#reason"' in _text(response)
    assert _updates() == 1
    assert _count(Evidence) == 0
    assert _files(store) == []


def test_a_stale_update_leaves_no_evidence_and_no_file(client, story, store):
    _as(client, story, "lead")
    add_update(
        story["action"],
        recorded_at=datetime(2016, 2, 2, 10, tzinfo=UTC),
        summary="Someone else's update.",
        author=story["people"]["lead"],
    )
    db.session.commit()

    response = _post(client, _complete(client), file=(PDF, "audit.pdf"))

    assert response.status_code == 409
    assert _count(Evidence) == 0
    assert _files(store) == []


def test_an_infected_file_is_refused_by_a_real_clamd_and_nothing_is_written(
    client,
    story,
    store,
    clamd_socket,  # noqa: F811
):
    client.application.config["CLAMD_SOCKET"] = clamd_socket  # the store fixture puts it back
    _as(client, story, "lead")

    response = _post(client, _complete(client), file=(infected_pdf(), "audit.pdf"))

    assert response.status_code == 400
    assert "The selected file contains a virus, so it was not added" in _text(response)
    assert _updates() == 1 and _count(Evidence) == 0 and _files(store) == []
    assert _count(AuditEvent, AuditEvent.kind == "evidence_infected") == 1
    # A clean file passes the same scan, in the same step.
    assert _post(client, _complete(client), file=(PDF, "audit.pdf")).status_code == 302
    assert _count(Evidence) == 1
