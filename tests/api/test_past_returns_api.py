"""GET /api/v1/returns, /api/v1/localities/{locality}/returns and
/api/v1/localities/{locality}/returns/{n}/as-submitted: past returns as the pages show them."""

from __future__ import annotations

import pytest

from tests.conftest import sign_in
from tests.web.test_past_returns_web import (
    DEPUTY,
    HEAD,
    LEAD,
    PASSWORD,
    SOUTH_HEAD,
    VIEWER,
    build_north,
)

SUBMITTED = "/api/v1/localities/north/returns/2/as-submitted"


@pytest.fixture
def north(clean_db):
    return build_north()


def _client(app, email):
    client = app.test_client()
    sign_in(client, email, PASSWORD)
    return client


def test_a_return_as_submitted_gives_each_entry_as_sent_and_its_amendments(clean_db, north):
    body = _client(clean_db, HEAD).get(SUBMITTED).get_json()

    assert (body["locality"], body["cycle"]) == ("north", 2)
    assert body["submitted_at"] == "2016-01-29T10:00:00Z"
    assert body["amended_at"] == "2016-01-29T11:30:00Z" and body["late"] is False
    lines = {a["ref"]: a for a in body["actions"]}
    assert set(lines) == {"N-01", "N-02"}
    assert lines["N-01"]["submitted"]["summary"] == "N-01 as sent on 29 January."
    assert lines["N-01"]["submitted"]["rag"] == "green"
    assert (lines["N-01"]["amended"], lines["N-01"]["amendments"]) == (False, [])
    n02 = lines["N-02"]
    assert n02["amended"] and n02["submitted"]["summary"] == "N-02 as sent on 29 January."
    [amended] = n02["amendments"]
    assert (amended["summary"], amended["rag"], amended["reason"]) == (
        "N-02 amended: red now.",
        "red",
        "Audit slipped.",
    )
    assert amended["recorded_at"] == "2016-01-29T11:30:00Z" and amended["author"]
    assert "typed on 5 February" not in str(body)  # cycle 3's entry: never


def test_the_locality_list_gives_cycle_due_submitted_amended_and_late(clean_db, north):
    body = _client(clean_db, DEPUTY).get("/api/v1/localities/north/returns").get_json()

    assert [r["cycle"] for r in body["items"]] == [3, 2, 1] and body["total"] == 3
    two = body["items"][1]
    assert two["due_at"] == "2016-01-29T12:00:00Z"
    assert (two["status"], two["submitted_at"], two["late"]) == (
        "submitted",
        "2016-01-29T10:00:00Z",
        False,
    )
    assert two["amended_at"] == "2016-01-29T11:30:00Z" and two["amended_by"]
    one = body["items"][2]
    assert (one["status"], one["submitted_at"], one["overdue"]) == ("not_started", None, True)


def test_the_board_lists_every_locality_s_returns(clean_db, north):
    body = _client(clean_db, VIEWER).get("/api/v1/returns").get_json()

    assert {(r["locality"], r["cycle"]) for r in body["items"]} >= {("north", 2), ("south", 2)}


@pytest.mark.parametrize(
    ("email", "status"),
    [(HEAD, 200), (DEPUTY, 200), (VIEWER, 200), (SOUTH_HEAD, 403), (LEAD, 403)],
)
def test_a_head_of_another_locality_is_refused(clean_db, north, email, status):
    client = _client(clean_db, email)

    for url in ("/api/v1/localities/north/returns", SUBMITTED):
        response = client.get(url)
        assert response.status_code == status, url
        if status == 403:
            assert response.mimetype == "application/problem+json"


@pytest.mark.parametrize(("email", "status"), [(VIEWER, 200), (HEAD, 403), (LEAD, 403)])
def test_the_list_across_localities_is_the_boards(clean_db, north, email, status):
    assert _client(clean_db, email).get("/api/v1/returns").status_code == status


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/localities/north/returns/1/as-submitted",  # never submitted
        "/api/v1/localities/north/returns/99/as-submitted",  # no such cycle
        "/api/v1/localities/nowhere/returns/2/as-submitted",
        "/api/v1/localities/nowhere/returns",
    ],
)
def test_what_is_not_there_is_a_404_problem(clean_db, north, url):
    response = _client(clean_db, VIEWER).get(url)

    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"


def test_the_seeded_north_cycle_2_return_is_the_29_january_one(role_client):
    body = role_client("locality_head").get(SUBMITTED).get_json()

    assert body["submitted_at"].startswith("2016-01-29")
    assert body["actions"]
    assert all(a["submitted"]["recorded_at"] <= body["submitted_at"] for a in body["actions"])
