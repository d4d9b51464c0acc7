"""The OpenAPI document describes the update, cycle and return endpoints, and what they really
send validates against it."""

from __future__ import annotations

import jsonschema
import pytest

from tests.demo_codes import demo_openapi_document

DOC = demo_openapi_document()  # the seeded demo's document, as served
VALID = {
    "version": 1,
    "summary": "Exception list checked every morning.",
    "lifecycle": "in_progress",
    "rag": "amber",
    "impact": "emerging",
    "reason": "Two team managers are off sick.",
}


def check(instance, schema_name: str) -> None:
    """Validate against a component schema, resolving its $refs within the document."""
    jsonschema.validate(
        instance,
        {"$ref": f"#/components/schemas/{schema_name}", "components": DOC["components"]},
    )


def test_the_document_lists_the_new_paths_with_their_responses(role_client):
    served = role_client("viewer").get("/api/openapi.json").get_json()
    assert served == DOC
    post = DOC["paths"]["/actions/{ref}/updates"]["post"]
    assert post["requestBody"]["required"] is True
    assert post["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/UpdateRequest"
    }
    assert set(post["responses"]) == {"201", "400", "401", "403", "404", "409", "415", "422"}
    assert "Location" in post["responses"]["201"]["headers"]
    assert set(DOC["paths"]["/cycles/current"]["get"]["responses"]) == {"200", "401", "404"}
    returns = DOC["paths"]["/localities/{locality}/returns/{cycle_number}"]["get"]
    assert {p["name"] for p in returns["parameters"]} == {"locality", "cycle_number"}
    assert set(returns["responses"]) == {"200", "401", "404"}


def test_every_schema_reference_resolves():
    def refs(node):
        if isinstance(node, dict):
            if "$ref" in node:
                yield node["$ref"]
            for value in node.values():
                yield from refs(value)
        elif isinstance(node, list):
            for value in node:
                yield from refs(value)

    names = {ref.removeprefix("#/components/schemas/") for ref in refs(DOC)}
    assert names <= set(DOC["components"]["schemas"])


@pytest.mark.parametrize(
    ("body", "valid"),
    [
        (VALID, True),
        (VALID | {"rag": None, "lifecycle": "closed_evidenced"}, True),
        (VALID | {"confirm_unchanged": True, "evidence": ""}, True),
        ({k: v for k, v in VALID.items() if k != "version"}, False),
        (VALID | {"rag": "purple"}, False),
        (VALID | {"colour": "red"}, False),
        (VALID | {"version": 0}, False),
        (VALID | {"summary": "x" * 4001}, False),
    ],
)
def test_the_request_schema_says_what_the_endpoint_accepts(body, valid):
    if valid:
        check(body, "UpdateRequest")
    else:
        with pytest.raises(jsonschema.ValidationError):
            check(body, "UpdateRequest")


def test_the_write_responses_validate_against_the_document(world):
    client = world.client("north_head")
    url = "/api/v1/actions/N-01/updates"

    created = client.post(url, json=VALID)
    assert created.status_code == 201
    check(created.get_json(), "ActionWithHistory")

    stale = client.post(url, json=VALID | {"summary": "Sent again."})
    assert stale.status_code == 409
    check(stale.get_json(), "ConflictProblem")
    assert stale.get_json()["changes"]

    invalid = client.post(url, json={"version": 2})
    assert invalid.status_code == 422
    check(invalid.get_json(), "ValidationProblem")

    for response in (
        world.client("north_head").post("/api/v1/actions/S-01/updates", json=VALID),
        world.client("admin").post("/api/v1/actions/NOPE/updates", json=VALID),
    ):
        assert response.status_code in (403, 404)
        check(response.get_json(), "Problem")


def test_the_read_responses_validate_against_the_document(role_client):
    client = role_client("viewer")
    for cycle in client.get("/api/v1/cycles").get_json()["items"]:
        check(cycle, "Cycle")
    check(client.get("/api/v1/cycles/current").get_json(), "Cycle")
    for path in ("/api/v1/localities/north/returns/3", "/api/v1/localities/south/returns/3"):
        check(client.get(path).get_json(), "LocalityReturn")
    check(client.get("/api/v1/actions/MAP-001").get_json(), "ActionWithHistory")
