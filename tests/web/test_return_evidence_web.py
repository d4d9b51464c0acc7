"""Evidence in the fortnightly return (issue 17.1): each entry takes a file or a link beside its
summary, with the evidence page's checks, scan and storage. Evidence that fails a check refuses
that entry with the reason (GOV.UK error summary) and keeps every other entry and the draft;
nothing is half-written (no row, and no file left on disk)."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from tests.conftest import sign_in
from tests.evidence_support import (
    PDF,
    WINDOWS_PROGRAM,
    clamd_socket,  # noqa: F401 - the fixture
    infected_pdf,
)
from tests.web.test_returns_web import HEAD, PASSWORD, RETURN, _form, _text, _updates, north
from tracker.extensions import db
from tracker.models import Action, AuditEvent, Evidence, LocalityReturn, ReturnDraft

__all__ = ["north"]  # the fixture

ATTACH = {
    "evidence_title": "North dip sample, January",
    "evidence_type": "audit",
    "evidence_date": "29/1/2016",
}
COMPLETE = {
    "lifecycle": "complete_awaiting_signoff",
    "reason": "Template in use in every transfer since January.",
    "evidence": "Dip sample of 20 transfers.",
}


@pytest.fixture
def store(clean_db, tmp_path, monkeypatch):
    monkeypatch.setitem(clean_db.config, "EVIDENCE_DIR", str(tmp_path / "evidence"))
    monkeypatch.setitem(clean_db.config, "CLAMD_SOCKET", None)
    return tmp_path / "evidence"


def _post(client, data: dict, files: dict[int, tuple[bytes, str]] | None = None):
    for index, (content, name) in (files or {}).items():
        data[f"entries-{index}-evidence_file"] = (io.BytesIO(content), name)
    return client.post(RETURN, data=data, content_type="multipart/form-data")


def _evidence() -> list[tuple[str, str, str]]:
    return [
        tuple(r)
        for r in db.session.execute(
            select(Action.ref, Evidence.kind, Evidence.title)
            .join(Action, Action.id == Evidence.action_id)
            .order_by(Action.ref)
        ).all()
    ]


def _files(store) -> list:
    return [p for p in store.rglob("*") if p.is_file()] if store.exists() else []


def _submitted() -> bool:
    status = db.session.execute(select(LocalityReturn.status)).scalar_one_or_none()
    return status == "submitted"


def test_each_entry_offers_a_file_and_a_link(client, north, store):
    sign_in(client, HEAD, PASSWORD)
    page = _text(client.get(RETURN))
    assert 'enctype="multipart/form-data"' in page
    for i in range(3):
        assert f'name="entries-{i}-evidence_file" type="file"' in page
        assert f'name="entries-{i}-evidence_url"' in page
    assert "Attach evidence for N-01 (a file or a link)" in page


def test_a_return_marks_an_action_complete_with_its_pdf_in_one_step(client, north, store):
    sign_in(client, HEAD, PASSWORD)
    data = _form(client, N_02=COMPLETE | ATTACH)

    response = _post(client, data, files={1: (PDF, "dip-sample.pdf")})

    assert response.status_code == 302, _text(response)[:3000]
    assert _submitted() and _updates() == 3 + 5  # 5 initial rows (the builders') and 3 new
    assert _evidence() == [("N-02", "file", "North dip sample, January")]
    assert len(_files(store)) == 1


def test_a_link_in_a_return_is_added_with_it(client, north, store):
    sign_in(client, HEAD, PASSWORD)
    link = ATTACH | {"evidence_url": "https://intranet.example/north/dip.pdf"}

    response = _post(client, _form(client, N_01=link))

    assert response.status_code == 302
    assert _evidence() == [("N-01", "link", "North dip sample, January")]


@pytest.mark.parametrize(
    ("files", "fields", "field", "message"),
    [
        ({1: (WINDOWS_PROGRAM, "dip.pdf")}, {}, "evidence_file", "is a program, not a document"),
        ({1: (b"notes", "dip.txt")}, {}, "evidence_file", "The selected file must be a PDF"),
        ({1: (PDF, "dip.pdf")}, {"evidence_title": ""}, "evidence_title", "Enter a title"),
        (
            {1: (PDF, "dip.pdf")},
            {"evidence_url": "https://intranet.example/a"},
            "evidence_url",
            "Upload a file or give a link, not both",
        ),
        ({}, {"evidence_url": "http://intranet.example/a"}, "evidence_url", "https://"),
    ],
)
def test_evidence_failing_a_check_refuses_its_entry_and_the_submission_writes_nothing(
    client, north, store, files, fields, field, message
):
    sign_in(client, HEAD, PASSWORD)
    data = _form(
        client,
        N_01={"summary": "Typed for N-01, kept."},
        N_02=COMPLETE | ATTACH | fields,
    )
    before = _updates()

    response = _post(client, data, files=files)

    page = _text(response)
    assert response.status_code == 400
    assert "govuk-error-summary" in page
    assert f'href="#entries-1-{field}"' in page
    assert "N-02: " + message in page or message in page.split("N-02: ", 1)[1]
    assert "Typed for N-01, kept.</textarea>" in page  # every other entry is kept
    assert "Dip sample of 20 transfers.</textarea>" in page
    assert not _submitted() and _updates() == before
    assert _evidence() == [] and _files(store) == []


def test_a_refused_file_in_a_draft_refuses_only_its_evidence_and_saves_the_rest(
    client, north, store
):
    sign_in(client, HEAD, PASSWORD)
    data = _form(
        client,
        button="save",
        N_01={"summary": "Draft text for N-01."} | ATTACH,
        N_02={"summary": "Draft text for N-02."} | ATTACH,
    )

    response = _post(client, data, files={0: (PDF, "n01.pdf"), 1: (WINDOWS_PROGRAM, "n02.pdf")})

    page = _text(response)
    assert response.status_code == 400
    assert 'href="#entries-1-evidence_file"' in page
    assert "is a program, not a document" in page
    assert "Draft saved, except the evidence shown below" in page
    drafts = db.session.execute(select(func.count(ReturnDraft.id))).scalar_one()
    assert drafts == 3  # the whole draft is kept
    assert _evidence() == [("N-01", "file", "North dip sample, January")]
    assert len(_files(store)) == 1  # N-01's PDF only
    refused = db.session.execute(
        select(func.count()).where(AuditEvent.kind == "evidence_refused")
    ).scalar_one()
    assert refused == 1


def test_a_submission_refused_by_the_rules_leaves_no_evidence_and_no_file(client, north, store):
    sign_in(client, HEAD, PASSWORD)
    data = _form(client, N_01={"summary": ""}, N_02=COMPLETE | ATTACH)

    response = _post(client, data, files={1: (PDF, "dip.pdf")})

    assert response.status_code == 400
    assert 'href="#entries-0-summary"' in _text(response)
    assert not _submitted() and _evidence() == [] and _files(store) == []


def test_an_infected_file_in_a_return_is_refused_by_a_real_clamd_and_nothing_is_written(
    client,
    north,
    store,
    clamd_socket,  # noqa: F811
):
    client.application.config["CLAMD_SOCKET"] = clamd_socket  # the store fixture puts it back
    sign_in(client, HEAD, PASSWORD)
    before = _updates()

    response = _post(
        client,
        _form(client, N_02=COMPLETE | ATTACH),
        files={1: (infected_pdf(), "dip.pdf")},
    )

    page = _text(response)
    assert response.status_code == 400
    assert 'href="#entries-1-evidence_file"' in page
    assert "N-02: The selected file contains a virus, so it was not added" in page
    assert not _submitted() and _updates() == before
    assert _evidence() == [] and _files(store) == []
    infected = db.session.execute(
        select(func.count()).where(AuditEvent.kind == "evidence_infected")
    ).scalar_one()
    assert infected == 1
