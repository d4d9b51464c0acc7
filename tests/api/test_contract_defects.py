"""Issue 12.5: the schema mismatches schemathesis found, each pinned by a test of its own
(schemathesis in `test_schemathesis.py` finds them again if they come back)."""

from __future__ import annotations

import pytest

from tracker.api.openapi import openapi_document


@pytest.fixture
def admin(role_client):
    return role_client("admin")


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/actions?as_at=",
        "/api/v1/actions/overdue?as_at=",
        "/api/v1/actions/MAP-001?as_at=",
        "/api/v1/recommendations?as_at=",
        "/api/v1/exports/plan.csv?as_at=",
        "/api/v1/outbox?status=",
        "/api/v1/actions?plan=",
        "/api/v1/actions?page=",
    ],
)
def test_an_empty_query_value_is_refused_not_read_as_absent(admin, url):
    response = admin.get(url)

    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    name = url.split("?")[1].rstrip("=")
    assert response.get_json()["invalid_params"][0]["name"] == name


def test_the_document_says_how_far_pages_go_and_the_api_keeps_to_it(admin):
    for path, item in openapi_document()["paths"].items():
        for parameter in item.get("get", {}).get("parameters", []):
            if parameter["name"] == "page":
                assert parameter["schema"]["maximum"] == 100_000, path
    assert admin.get("/api/v1/actions?page=100000").status_code == 200
    assert admin.get("/api/v1/actions?page=100001").status_code == 400


@pytest.mark.parametrize(
    ("method", "url", "allow"),
    [
        ("PUT", "/api/v1/actions", {"GET", "HEAD", "OPTIONS"}),
        ("DELETE", "/api/v1/cycles", {"GET", "HEAD", "OPTIONS"}),
        ("TRACE", "/api/v1/actions/MAP-001", {"GET", "HEAD", "OPTIONS"}),
        ("GET", "/api/v1/actions/MAP-001/updates", {"POST", "OPTIONS"}),
        ("PATCH", "/overview", {"GET", "HEAD", "OPTIONS"}),
    ],
)
def test_a_method_not_allowed_is_a_405_that_says_which_are(admin, method, url, allow):
    response = admin.open(url, method=method)

    assert response.status_code == 405
    assert set(response.headers["Allow"].replace(" ", "").split(",")) == allow
    if url.startswith("/api/"):
        assert response.mimetype == "application/problem+json"


def test_an_address_the_api_does_not_have_is_a_404_problem(admin):
    response = admin.post("/api/v1/nothing-here", json={})

    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
