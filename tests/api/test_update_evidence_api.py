"""POST /api/v1/actions/{ref}/updates with evidence (issue 17.1): links as `evidence_items` in
the JSON, or multipart with the update's JSON as `update` and a file as `evidence_file`. The
evidence page's checks apply; a refused item or update writes nothing (no row, no file)."""

from __future__ import annotations

import io
import json

import pytest
from sqlalchemy import func, select

from tests.api.test_update_api import assert_problem, update, url
from tests.evidence_support import PDF, WINDOWS_PROGRAM
from tracker.extensions import db
from tracker.models import Evidence

LINK = {
    "title": "January audit",
    "evidence_type": "audit",
    "evidence_date": "2016-01-27",
    "url": "https://intranet.example/audits/jan.pdf",
}
COMPLETE = {
    "lifecycle": "complete_awaiting_signoff",
    "reason": "All strategy meetings now recorded.",
    "evidence": "January audit of strategy meetings.",
}


@pytest.fixture
def store(api_app, tmp_path, monkeypatch):
    monkeypatch.setitem(api_app.config, "EVIDENCE_DIR", str(tmp_path / "evidence"))
    monkeypatch.setitem(api_app.config, "CLAMD_SOCKET", None)
    return tmp_path / "evidence"


def _items(world) -> list[tuple[str, str]]:
    with world.app.app_context():
        rows = db.session.execute(select(Evidence.kind, Evidence.title)).all()
        db.session.remove()
    return [tuple(r) for r in rows]


def _files(store) -> list:
    return [p for p in store.rglob("*") if p.is_file()] if store.exists() else []


def _multipart(client, body: dict, *, file: tuple[bytes, str] | None, **fields):
    data = {"update": json.dumps(body), **fields}
    if file is not None:
        data["evidence_file"] = (io.BytesIO(file[0]), file[1])
    return client.post(url("N-01"), data=data, content_type="multipart/form-data")


def test_an_update_marking_complete_carries_its_link(world, store):
    response = world.client("north_head").post(
        url("N-01"), json=update(**COMPLETE, evidence_items=[LINK])
    )

    assert response.status_code == 201, response.get_json()
    assert response.get_json()["lifecycle"] == "complete_awaiting_signoff"
    assert _items(world) == [("link", "January audit")]


def test_an_update_marking_complete_carries_its_file_as_multipart(world, store):
    response = _multipart(
        world.client("north_head"),
        update(**COMPLETE),
        file=(PDF, "audit.pdf"),
        evidence_title="January audit",
        evidence_type="audit",
        evidence_date="2016-01-27",
    )

    assert response.status_code == 201, response.get_json()
    assert _items(world) == [("file", "January audit")]
    assert len(_files(store)) == 1


@pytest.mark.parametrize(
    ("items", "name"),
    [
        ([LINK | {"url": "http://intranet.example/a"}], "evidence_url"),
        ([LINK | {"title": ""}], "evidence_title"),
        ([LINK | {"evidence_date": "27/1/2016"}], "evidence_items[0].evidence_date"),
        ([LINK | {"colour": "red"}], "evidence_items[0].colour"),
        (["https://intranet.example/a"], "evidence_items[0]"),
        ("https://intranet.example/a", "evidence_items"),
        ([LINK] * 6, "evidence_items"),
    ],
)
def test_a_bad_link_is_422_and_nothing_is_written(world, store, items, name):
    response = world.client("north_head").post(
        url("N-01"), json=update(**COMPLETE, evidence_items=items)
    )

    body = assert_problem(response, 422)
    assert name in [p["name"] for p in body["invalid_params"]]
    assert world.history_count("N-01") == 1 and _items(world) == []


def test_a_refused_file_is_422_and_nothing_is_written(world, store):
    response = _multipart(
        world.client("north_head"),
        update(**COMPLETE),
        file=(WINDOWS_PROGRAM, "audit.pdf"),
        evidence_title="January audit",
        evidence_type="audit",
        evidence_date="2016-01-27",
    )

    body = assert_problem(response, 422)
    assert "evidence_file" in [p["name"] for p in body["invalid_params"]]
    assert "is a program" in body["detail"]
    assert world.history_count("N-01") == 1 and _items(world) == [] and _files(store) == []


def test_an_update_the_rules_refuse_leaves_no_file(world, store):
    response = _multipart(
        world.client("north_head"),
        update(**(COMPLETE | {"reason": ""})),
        file=(PDF, "audit.pdf"),
        evidence_title="January audit",
        evidence_type="audit",
        evidence_date="2016-01-27",
    )

    body = assert_problem(response, 422)
    assert "reason" in [p["name"] for p in body["invalid_params"]]
    assert world.history_count("N-01") == 1 and _items(world) == [] and _files(store) == []


def test_multipart_without_the_update_field_is_422(world, store):
    response = world.client("north_head").post(
        url("N-01"), data={"summary": "x"}, content_type="multipart/form-data"
    )
    body = assert_problem(response, 422)
    assert "update" in [p["name"] for p in body["invalid_params"]]


def test_an_evidence_count_is_not_sent_back_for_a_refused_person(world, store):
    """Who may update is settled first: a viewer's link is never checked or written."""
    response = world.client("viewer").post(url("N-01"), json=update(evidence_items=[LINK]))
    assert response.status_code == 403
    with world.app.app_context():
        assert db.session.execute(select(func.count(Evidence.id))).scalar_one() == 0
        db.session.remove()
