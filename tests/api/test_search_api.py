"""GET /api/v1/search: the search page's results as JSON, paged like the other lists."""

from __future__ import annotations

import pytest

from tests.conftest import ROLE_ACCOUNTS


@pytest.mark.parametrize("role", list(ROLE_ACCOUNTS))
def test_every_role_searches_the_plan(role_client, role):
    response = role_client(role).get("/api/v1/search?q=safeguarding")
    assert response.status_code == 200
    body = response.get_json()
    assert body["total"] == 3 and body["page"] == 1 and body["per_page"] == 20
    assert body["counts"] == {"action": 2, "update": 1}
    first = body["items"][0]
    assert first["kind"] == "action" and first["url"] == "/actions/MAP-094"
    assert {"text": "safeguarding", "match": True} in first["snippet_parts"]
    assert "safeguarding" in first["snippet"]


def test_kind_and_paging_choose_the_page(role_client):
    client = role_client("viewer")
    body = client.get("/api/v1/search?q=social&kind=update&per_page=5&page=2").get_json()
    assert body["page"] == 2 and body["per_page"] == 5 and len(body["items"]) == 5
    assert {i["kind"] for i in body["items"]} == {"update"}
    assert body["total"] == body["counts"]["update"]
    assert all(i["url"].endswith("#history") for i in body["items"])


@pytest.mark.parametrize(
    ("url", "parameter"),
    [
        ("/api/v1/search", "q"),
        ("/api/v1/search?q=", "q"),
        ("/api/v1/search?q=" + "a" * 10_000, "q"),
        ("/api/v1/search?q=x&kind=meeting", "kind"),
        ("/api/v1/search?q=x&page=0", "page"),
        ("/api/v1/search?q=x&per_page=201", "per_page"),
        ("/api/v1/search?q=x&sort=rank", "sort"),
    ],
)
def test_bad_parameters_are_problems(role_client, url, parameter):
    response = role_client("viewer").get(url)
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["invalid_params"][0]["name"] == parameter


@pytest.mark.parametrize("q", ["!!!", "*", '"', "NEAR(a b)", "-x", "a:b", "%"])
def test_punctuation_and_search_syntax_find_nothing_or_words_without_error(role_client, q):
    response = role_client("viewer").get("/api/v1/search", query_string={"q": q})
    assert response.status_code == 200


def test_signed_out_is_a_401_problem(seeded_client):
    response = seeded_client.get("/api/v1/search?q=safeguarding")
    assert response.status_code == 401 and response.mimetype == "application/problem+json"


def test_search_is_in_the_openapi_document(role_client):
    document = role_client("viewer").get("/api/openapi.json").get_json()
    operation = document["paths"]["/search"]["get"]
    names = [p["name"] for p in operation["parameters"]]
    assert names == ["q", "kind", "page", "per_page"]
    assert "SearchResult" in document["components"]["schemas"]
