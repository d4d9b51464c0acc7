from collections import Counter

import jsonschema
import pytest

from tests.conftest import ROLE_ACCOUNTS
from tracker.clock import now_utc
from tracker.extensions import db
from tracker.services.access.auth import create_token, revoke_tokens


def _all_actions(client, **params):
    items, page = [], 1
    while True:
        body = client.get(
            "/api/v1/actions", query_string={**params, "page": page, "per_page": 200}
        ).get_json()
        items += body["items"]
        if len(items) >= body["total"]:
            return items, body["total"]
        page += 1


def test_twenty_recommendations_thirteen_trust_one_council_six_joint(role_client):
    body = role_client("viewer").get("/api/v1/recommendations").get_json()
    items = body["items"]
    assert len(items) == 20
    assert Counter(i["lead_body"] for i in items) == {"trust": 13, "council": 1, "joint": 6}
    assert set(items[0]) == {
        "ref",
        "title",
        "text",
        "judgement_area",
        "lead_body",
        "partners",
        "action_count",
    }
    assert sum(i["action_count"] for i in items) == 183 + 4 * 38


def test_the_main_plan_has_183_actions_151_owned_in_full_or_part_by_the_trust(role_client):
    client = role_client("viewer")
    items, total = _all_actions(client, plan="main")
    assert total == 183 == len(items)
    trust_owned = [
        i for i in items if i["lead_organisation"] == "trust" or "trust" in i["partners"]
    ]
    assert len(trust_owned) == 151


@pytest.mark.parametrize("plan", ["north", "south", "east", "central"])
def test_each_locality_plan_has_38_actions(role_client, plan):
    body = role_client("chair").get("/api/v1/actions", query_string={"plan": plan}).get_json()
    assert body["total"] == 38


def test_an_action_item_has_the_documented_shape(role_client):
    body = (
        role_client("viewer")
        .get("/api/v1/actions", query_string={"plan": "main", "per_page": 5})
        .get_json()
    )
    item = body["items"][0]
    assert set(item) == {
        "ref",
        "plan",
        "recommendation",
        "title",
        "lead",
        "lead_organisation",
        "partners",
        "start_date",
        "target_date",
        "lifecycle",
        "rag",
        "impact",
        "overdue",
        "awaiting_past_target",
        "awaiting_sign_off_since",
        "working_days_awaiting_sign_off",
        "depends_on",
        "version",
        "updated_at",
        "baseline_target_date",
        "superseded_by",
    }
    assert set(item["lead"]) == {"name", "email"}
    assert body["page"] == 1 and body["per_page"] == 5 and len(body["items"]) == 5


def test_filters_combine_and_rag_is_null_when_closed(role_client):
    client = role_client("viewer")
    closed, _ = _all_actions(client, lifecycle="closed_evidenced")
    assert closed and all(i["rag"] is None for i in closed)
    red_trust, _ = _all_actions(client, rag="red", lead_organisation="trust", plan="main")
    assert red_trust and all(
        i["rag"] == "red" and i["lead_organisation"] == "trust" for i in red_trust
    )
    overdue, _ = _all_actions(client, overdue="true")
    assert overdue and all(i["overdue"] for i in overdue)
    r3, _ = _all_actions(client, recommendation="R3")
    assert r3 and {i["recommendation"] for i in r3} == {"R3"}


def test_one_action_with_history_newest_first(role_client):
    body = role_client("viewer").get("/api/v1/actions/MAP-001").get_json()
    versions = [h["version"] for h in body["history"]]
    assert versions == sorted(versions, reverse=True) and versions[-1] == 1
    assert body["version"] == versions[0]


def test_as_at_returns_the_state_recorded_by_then(role_client):
    client = role_client("viewer")
    now_items, _ = _all_actions(client)
    then_items, _ = _all_actions(client, as_at="2016-01-20")
    then = {i["ref"]: i for i in then_items}
    changed_since = [
        i for i in now_items if i["ref"] in then and i["version"] != then[i["ref"]]["version"]
    ]
    assert changed_since, "the seed story changes some actions after 20 January"
    for item in then_items:
        assert item["updated_at"] <= "2016-01-21T00:00:00Z"
    detail = client.get("/api/v1/actions/MAP-001", query_string={"as_at": "2016-01-20"}).get_json()
    assert all(h["recorded_at"] <= "2016-01-21T00:00:00Z" for h in detail["history"])


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ({"rag": "purple"}, "rag"),
        ({"lifecycle": "finished"}, "lifecycle"),
        ({"plan": "west"}, "plan"),
        ({"overdue": "perhaps"}, "overdue"),
        ({"page": "0"}, "page"),
        ({"per_page": "1000"}, "per_page"),
        ({"page": "two"}, "page"),
        ({"as_at": "20/01/2016"}, "as_at"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_filters_give_400_problem_json_naming_the_parameter(role_client, query, parameter):
    response = role_client("viewer").get("/api/v1/actions", query_string=query)
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["status"] == 400 and body["invalid_params"][0]["name"] == parameter


def test_an_unknown_ref_gives_404_problem_json(role_client):
    response = role_client("viewer").get("/api/v1/actions/NOPE-1")
    assert response.status_code == 404 and response.mimetype == "application/problem+json"


def test_anonymous_api_calls_get_401_problem_json(seeded_client):
    response = seeded_client.get("/api/v1/actions")
    assert response.status_code == 401 and response.mimetype == "application/problem+json"


def test_bearer_tokens_work_until_revoked(seeded_app):
    with seeded_app.app_context():
        token = create_token(ROLE_ACCOUNTS["viewer"], now=now_utc(), label="test")
        db.session.remove()
    client = seeded_app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/recommendations", headers=headers).status_code == 200
    assert (
        client.get(
            "/api/v1/recommendations", headers={"Authorization": "Bearer trk_wrong"}
        ).status_code
        == 401
    )
    with seeded_app.app_context():
        assert revoke_tokens(ROLE_ACCOUNTS["viewer"], now=now_utc()) >= 1
        db.session.remove()
    assert client.get("/api/v1/recommendations", headers=headers).status_code == 401


def test_openapi_document_describes_the_api(role_client):
    doc = role_client("viewer").get("/api/openapi.json").get_json()
    assert doc["openapi"].startswith("3.1")
    assert {"/recommendations", "/actions", "/actions/{ref}"} <= set(doc["paths"])
    params = {p["name"] for p in doc["paths"]["/actions"]["get"]["parameters"]}
    assert {
        "plan",
        "recommendation",
        "lead_organisation",
        "rag",
        "lifecycle",
        "overdue",
        "lead",
        "involving",
        "due_within",
        "no_update",
        "page",
        "per_page",
        "as_at",
    } <= params


def test_the_api_items_validate_against_the_openapi_schema(role_client):
    client = role_client("viewer")
    doc = client.get("/api/openapi.json").get_json()
    # The Action with the components its plan code refers to (#/components/schemas/PlanCode).
    schema = {**doc["components"]["schemas"]["Action"], "components": doc["components"]}
    item = client.get("/api/v1/actions", query_string={"per_page": 20}).get_json()["items"]
    for action in item:
        jsonschema.validate(action, schema)


def test_an_expired_bearer_token_gets_401_saying_it_has_expired(seeded_app):
    """Made on 1 March 2015 to last to 1 May 2015: on 5 February 2016 it no longer signs in."""
    from datetime import UTC, date, datetime

    with seeded_app.app_context():
        made = datetime(2015, 3, 1, 9, 0, tzinfo=UTC)
        token = create_token(
            ROLE_ACCOUNTS["viewer"], now=made, label="old", expires_on=date(2015, 5, 1)
        )
        live = create_token(ROLE_ACCOUNTS["viewer"], now=now_utc(), label="new")
        db.session.remove()
    client = seeded_app.test_client()
    response = client.get("/api/v1/recommendations", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401 and response.mimetype == "application/problem+json"
    assert "has expired" in response.json["detail"] and "1 May 2015" in response.json["detail"]
    fresh = client.get("/api/v1/recommendations", headers={"Authorization": f"Bearer {live}"})
    assert fresh.status_code == 200
