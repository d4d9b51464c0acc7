"""GET /api/v1/actions/{ref}/date-requests on the seed, and its place in the OpenAPI document."""

from __future__ import annotations

from tests.api.test_openapi_workflow import check


def test_an_action_s_requests_are_listed_with_the_decision(role_client):
    client = role_client("viewer")
    body = client.get("/api/v1/actions/MAP-169/date-requests").get_json()
    [request] = body["items"]
    check(request, "DateRequest")
    assert (request["old_date"], request["new_date"], request["status"]) == (
        "2016-02-12",
        "2016-04-29",
        "approved",
    )
    assert request["decided_by"] and request["decision_note"].startswith("Agreed at Getting")


def test_the_action_json_carries_its_baseline_and_its_replacement(role_client):
    client = role_client("viewer")
    moved = client.get("/api/v1/actions/MAP-169").get_json()
    assert (moved["baseline_target_date"], moved["target_date"]) == ("2016-02-12", "2016-04-29")
    assert moved["superseded_by"] is None
    assert client.get("/api/v1/actions/MAP-030").get_json()["baseline_target_date"] is None


def test_an_action_without_requests_has_none_and_an_unknown_one_is_a_404(role_client):
    client = role_client("viewer")
    assert client.get("/api/v1/actions/MAP-030/date-requests").get_json() == {"items": []}
    missing = client.get("/api/v1/actions/MAP-999/date-requests")
    assert missing.status_code == 404 and missing.mimetype == "application/problem+json"


def test_the_document_describes_the_date_requests_path(role_client):
    document = role_client("viewer").get("/api/openapi.json").get_json()
    operation = document["paths"]["/actions/{ref}/date-requests"]["get"]
    assert set(operation["responses"]) == {"200", "401", "403", "404"}
    assert "baseline_target_date" in document["components"]["schemas"]["Action"]["properties"]
