"""GET /api/v1/dashboard: the chair's counts and chart figures as JSON, in the documented shape,
each count the total of the API list with the same filters."""

from __future__ import annotations

import jsonschema
import pytest

from tracker.api.openapi import openapi_document

DOC = openapi_document()


def check(instance, schema_name: str) -> None:
    jsonschema.validate(
        instance,
        {"$ref": f"#/components/schemas/{schema_name}", "components": DOC["components"]},
    )


@pytest.mark.parametrize("query", [{}, {"plan": "north"}, {"plan": "main", "recommendation": "r3"}])
def test_the_dashboard_has_the_documented_shape(role_client, query):
    response = role_client("viewer").get("/api/v1/dashboard", query_string=query)
    assert response.status_code == 200
    body = response.get_json()
    check(body, "Dashboard")
    assert body["today"] == "2016-02-05" and body["cycle"] == 3


def test_a_document_that_differs_from_the_schema_is_refused():
    with pytest.raises(jsonschema.ValidationError):
        check({"today": "2016-02-05"}, "Dashboard")


# The API list that each count is the total of.
LISTS = {
    "overdue": ("/api/v1/actions/overdue", {}),
    "watermelons": ("/api/v1/actions/overdue", {"rag": "green"}),
    "red": ("/api/v1/actions", {"rag": "red"}),
    "amber": ("/api/v1/actions", {"rag": "amber"}),
    "green": ("/api/v1/actions", {"rag": "green"}),
    "no_update": ("/api/v1/actions", {"no_update": "true"}),
    "blocked": ("/api/v1/actions", {"blocked": "true"}),
    "date_clash": ("/api/v1/actions", {"date_clash": "true"}),
    "awaiting_sign_off": ("/api/v1/actions", {"lifecycle": "complete_awaiting_signoff"}),
}


@pytest.mark.parametrize("scope", [{}, {"plan": "main"}, {"lead_organisation": "trust"}])
def test_each_count_is_the_total_of_the_api_list_with_the_same_filters(role_client, scope):
    client = role_client("chair")
    counts = client.get("/api/v1/dashboard", query_string=scope).get_json()["counts"]
    for key, (url, args) in LISTS.items():
        total = client.get(url, query_string={**scope, **args, "per_page": 1}).get_json()["total"]
        assert counts[key] == total, key
    assert counts["overdue"] > 0 and counts["blocked"] > 0


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ({"rag": "red"}, "rag"),
        ({"plan": "west"}, "plan"),
        ({"lead": "-1"}, "lead"),
        ({"lead": "2147483648"}, "lead"),
        ({"event": "0"}, "event"),
        ({"event": "first"}, "event"),
        ({"as_at": "2016-01-20"}, "as_at"),
    ],
)
def test_a_filter_the_dashboard_does_not_understand_is_a_400_problem_naming_it(
    role_client, query, parameter
):
    response = role_client("viewer").get("/api/v1/dashboard", query_string=query)
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["invalid_params"][0]["name"] == parameter


@pytest.mark.parametrize("role", ["locality_head", "action_lead", "performance_officer"])
def test_only_chairs_viewers_and_admins_may_read_the_dashboard(role_client, role):
    response = role_client(role).get("/api/v1/dashboard")
    assert response.status_code == 403


def test_the_blocked_list_is_refused_as_at_a_past_date_with_a_problem(role_client):
    response = role_client("viewer").get(
        "/api/v1/actions", query_string={"blocked": "true", "as_at": "2016-01-20"}
    )
    assert response.status_code == 400
    assert response.get_json()["invalid_params"][0]["name"] == "blocked"
