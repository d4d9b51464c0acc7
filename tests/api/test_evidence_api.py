"""Evidence through the API (issue 13.4): list, add a file (multipart) or a link (JSON), download;
problem+json for every refusal, and closing with evidence needs an item."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from tests.api.test_update_api import assert_problem, events
from tests.builders import add_update, make_sef_version
from tests.evidence_support import (
    PDF,
    PNG,
    WINDOWS_PROGRAM,
    clamd_socket,  # noqa: F401 - the fixture
    infected_pdf,
)
from tests.web.test_evidence_web import multipart
from tracker.extensions import db
from tracker.models import Action, Evidence, User
from tracker.services.access.auth import actor_of
from tracker.services.plan import evidence as evidence_service

FIELDS = {"title": "Case file audit", "evidence_type": "audit", "evidence_date": "2016-01-27"}


@pytest.fixture
def store(api_app, tmp_path, monkeypatch):
    monkeypatch.setitem(api_app.config, "EVIDENCE_DIR", str(tmp_path / "evidence"))
    monkeypatch.setitem(api_app.config, "CLAMD_SOCKET", None)
    return tmp_path / "evidence"


def _post_file(client, ref: str, name: str, content: bytes, **fields):
    body, content_type = multipart(FIELDS | fields, name, content)
    return client.post(f"/api/v1/actions/{ref}/evidence", data=body, content_type=content_type)


def _count(world) -> int:
    with world.app.app_context():
        count = db.session.execute(select(func.count(Evidence.id))).scalar_one()
        db.session.remove()
    return count


def test_a_lead_adds_a_file_and_a_link_and_lists_them(world, store):
    client = world.client("north_head")

    added = _post_file(client, "N-01", "audit.pdf", PDF)

    assert added.status_code == 201, added.get_json()
    body = added.get_json()
    assert added.headers["Location"] == "/api/v1/actions/N-01/evidence"
    assert (body["action"], body["kind"], body["title"], body["evidence_type"]) == (
        "N-01",
        "file",
        "Case file audit",
        "audit",
    )
    assert body["file"]["size_bytes"] == len(PDF) and body["withdrawn"] is None
    digest = hashlib.sha256(PDF).hexdigest()
    assert (store / digest[:2] / digest).read_bytes() == PDF

    link = client.post(
        "/api/v1/actions/N-01/evidence",
        json=FIELDS | {"url": "https://intranet.example/minutes.pdf", "evidence_type": "minutes"},
    )
    assert link.status_code == 201 and link.get_json()["url"].startswith("https://")

    listed = world.client("viewer").get("/api/v1/actions/N-01/evidence").get_json()
    assert listed["total"] == 2
    assert [i["kind"] for i in listed["items"]] == ["link", "file"]  # newest first

    download = world.client("viewer").get(body["file"]["download"])
    assert download.status_code == 200 and download.data == PDF
    download.close()


@pytest.mark.parametrize(
    ("name", "content", "status", "said"),
    [
        ("report.pdf", WINDOWS_PROGRAM, 415, "is a program"),
        ("report.pdf", PNG, 415, "its content is a PNG image"),
        ("notes.txt", b"text", 415, "must be a PDF"),
        ("empty.pdf", b"", 422, "is empty"),
    ],
)
def test_a_refused_file_is_a_problem_and_nothing_is_stored(
    world, store, name, content, status, said
):
    response = _post_file(world.client("north_head"), "N-01", name, content)

    body = assert_problem(response, status)
    assert said in body["detail"] and body["invalid_params"][0]["name"] == "file"
    assert _count(world) == 0 and not store.exists()
    assert len(events(world, "evidence_refused")) == 1


def test_a_file_over_the_limit_is_413(world, store, monkeypatch):
    monkeypatch.setitem(world.app.config, "EVIDENCE_MAX_BYTES", 1024)
    client = world.client("north_head")

    near = _post_file(client, "N-01", "big.pdf", PDF + b"0" * 2000)
    far = _post_file(client, "N-01", "huge.pdf", PDF + b"0" * 200_000)

    assert "smaller than 1 KB" in assert_problem(near, 413)["detail"]
    assert "smaller than 1 KB" in assert_problem(far, 413)["detail"]
    assert _count(world) == 0 and len(events(world, "evidence_refused")) == 2


def test_the_eicar_file_is_refused_through_the_api_too(world, store, clamd_socket):  # noqa: F811
    world.app.config["CLAMD_SOCKET"] = clamd_socket
    response = _post_file(world.client("north_head"), "N-01", "report.pdf", infected_pdf())

    assert "contains a virus" in assert_problem(response, 422)["detail"]
    assert _count(world) == 0 and len(events(world, "evidence_infected")) == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (FIELDS | {"url": "http://intranet.example/a.pdf"}, "url"),
        (
            FIELDS | {"url": "https://intranet.example/a", "evidence_type": "gossip"},
            "evidence_type",
        ),
        (
            FIELDS | {"url": "https://intranet.example/a", "evidence_date": "2016-13-01"},
            "evidence_date",
        ),
        (
            FIELDS | {"url": "https://intranet.example/a", "evidence_date": "2016-03-01"},
            "evidence_date",
        ),
        (FIELDS | {"url": "https://intranet.example/a", "title": "  "}, "title"),
        (FIELDS | {"url": "https://intranet.example/a", "colour": "red"}, "colour"),
        ({"url": "https://intranet.example/a"}, "title"),
    ],
)
def test_a_link_that_is_not_valid_is_422(world, store, body, field):
    response = world.client("north_head").post("/api/v1/actions/N-01/evidence", json=body)

    problem = assert_problem(response, 422)
    assert field in {p["name"] for p in problem["invalid_params"]}
    assert _count(world) == 0


def test_neither_json_nor_multipart_is_415(world, store):
    response = world.client("north_head").post(
        "/api/v1/actions/N-01/evidence", data="title=x", content_type="text/plain"
    )
    assert_problem(response, 415)


@pytest.mark.parametrize("who", ["viewer", "south_head", "other_lead", "performance_officer"])
def test_people_who_may_not_update_the_action_get_403(world, store, who):
    response = _post_file(world.client(who), "N-01", "audit.pdf", PDF)
    assert_problem(response, 403)
    assert _count(world) == 0


def test_an_unknown_action_is_404_and_anonymous_is_401(world, store):
    assert_problem(world.client("north_head").get("/api/v1/actions/X-99/evidence"), 404)
    assert_problem(_post_file(world.client("north_head"), "X-99", "a.pdf", PDF), 404)
    assert_problem(world.client().get("/api/v1/actions/N-01/evidence"), 401)
    assert_problem(world.client().get("/api/v1/evidence/1/file"), 401)


def test_a_download_of_a_draft_sefs_evidence_by_another_locality_is_404_and_audited(world, store):
    from datetime import UTC, datetime

    with world.app.app_context():
        make_sef_version(locality="north", month="2016-02", status="draft")
        head = db.session.execute(
            select(User).where(User.email == world.emails["north_head"])
        ).scalar_one()
        item_id = evidence_service.add_file(
            evidence_service.sef_subject("north", "2016-02"),
            filename="oversight.pdf",
            data=PDF,
            title="Oversight audit",
            evidence_type="audit",
            evidence_date=date(2016, 2, 1),
            actor=actor_of(head),
            now=datetime(2016, 2, 5, 10, tzinfo=UTC),
            today=date(2016, 2, 5),
            store=store,
            max_bytes=1024 * 1024,
        )
        db.session.remove()

    response = world.client("south_head").get(f"/api/v1/evidence/{item_id}/file")

    assert_problem(response, 404)
    refused = events(world, "evidence_download_refused")
    assert [(e.target, e.detail) for e in refused] == [
        ("SEF north 2016-02", {"evidence_id": item_id})
    ]
    mine = world.client("north_head").get(f"/api/v1/evidence/{item_id}/file")
    assert mine.status_code == 200
    mine.close()


def _awaiting(world, ref: str) -> None:
    """The action complete, awaiting sign-off, and led by a chair (updating follows leading;
    closing follows being a chair)."""
    with world.app.app_context():
        action = db.session.execute(select(Action).where(Action.ref == ref)).scalar_one()
        action.lead_user_id = db.session.execute(
            select(User.id).where(User.email == world.emails["chair"])
        ).scalar_one()
        add_update(
            action,
            recorded_at=datetime(2016, 2, 1, 10, tzinfo=UTC),
            lifecycle="complete_awaiting_signoff",
            summary="Complete.",
        )
        db.session.commit()
        db.session.remove()


def _close(world):
    return world.client("chair").post(
        "/api/v1/actions/M-01/updates",
        json={
            "version": 2,
            "summary": "Signed off.",
            "lifecycle": "closed_evidenced",
            "rag": None,
            "impact": "emerging",
            "reason": "Audit seen",
        },
    )


def test_closing_without_evidence_is_422_and_with_evidence_201(world, store):
    _awaiting(world, "M-01")

    refused = assert_problem(_close(world), 422)
    assert "no evidence" in refused["detail"]

    added = world.client("chair").post(
        "/api/v1/actions/M-01/evidence",
        json=FIELDS | {"url": "https://intranet.example/audit.pdf"},
    )
    assert added.status_code == 201
    assert _close(world).status_code == 201
