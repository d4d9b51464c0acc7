"""Issue 10.6: the OpenAPI document and the app's routes describe the same API. An endpoint added
without its entry (or an entry left behind by a removed endpoint) fails here; schemathesis
(`test_schemathesis.py`) then tests every entry against the live app."""

from __future__ import annotations

import re

from tests.demo_codes import demo_openapi_document
from tracker.api.openapi import openapi_document

BASE = "/api/v1"
# The document itself is served beside the API, not inside it.
NOT_DESCRIBED = {("GET", "/api/openapi.json")}
METHODS = {"GET", "POST", "PUT", "PATCH", "DELETE"}


def _routes(app) -> set[tuple[str, str]]:
    """(method, path in the document's form) for every API route: `<int:n>` becomes `{n}`."""
    found = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/"):
            continue
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
        for method in rule.methods & METHODS:
            found.add((method, path))
    return found


def _documented() -> set[tuple[str, str]]:
    return {
        (method.upper(), BASE + path)
        for path, item in openapi_document()["paths"].items()
        for method in item
        if method.upper() in METHODS
    }


def test_every_api_route_is_in_the_document(app):
    missing = _routes(app) - NOT_DESCRIBED - _documented()
    assert missing == set(), f"API routes the OpenAPI document does not describe: {missing}"


def test_everything_the_document_describes_is_a_route(app):
    extra = _documented() - _routes(app)
    assert extra == set(), f"OpenAPI entries with no route behind them: {extra}"


def test_every_operation_has_an_id_a_summary_and_its_error_answers():
    for path, item in openapi_document()["paths"].items():
        for method, operation in item.items():
            where = f"{method.upper()} {path}"
            assert operation.get("operationId"), where
            assert operation.get("summary"), where
            assert "401" in operation["responses"], f"{where}: no 401 (not signed in)"
            statuses = set(operation["responses"])
            assert any(s.startswith("2") for s in statuses), f"{where}: no success answer"
            if operation.get("parameters") or operation.get("requestBody"):
                assert statuses & {"400", "404", "422"}, f"{where}: no answer to bad input"


def test_every_list_is_paged():
    """Every list answers a page: its items, the total, the page and per_page. Only the CSV
    export, a file that streams every row the filters choose, is whole."""
    whole = {"/exports/plan.csv"}
    for path, item in openapi_document()["paths"].items():
        get = item.get("get")
        if get is None or "{" in path.rsplit("/", 1)[-1] or path in whole:
            continue
        schema = get["responses"]["200"]["content"]
        body = next(iter(schema.values()))["schema"]
        names = {p["name"] for p in get.get("parameters", [])}
        if "items" in body.get("properties", {}):
            assert {"page", "per_page"} <= names, f"GET {path} lists items without paging"
            assert {"total", "page", "per_page"} <= set(body["required"]), f"GET {path}"


def test_the_served_document_is_the_one_the_tests_use(role_client):
    response = role_client("viewer").get("/api/openapi.json")
    assert response.status_code == 200
    assert response.get_json() == demo_openapi_document()  # its codes: the database's


def _paged_operations() -> list[tuple[str, dict]]:
    return [
        (path, item["get"])
        for path, item in openapi_document()["paths"].items()
        if "get" in item and any(p.get("name") == "page" for p in item["get"].get("parameters", []))
    ]


def test_every_paged_operation_takes_and_answers_the_one_paging_shape():
    """Issue 21.5: paging is described once (openapi_lists.paging and paged), and every paged
    list uses it: the same page and per_page (its own default only), the same envelope."""
    from tracker.api.openapi_lists import paged, paging

    envelope = paged("#/components/schemas/Any")
    operations = _paged_operations()
    assert len(operations) >= 12
    for path, get in operations:
        params = {p["name"]: p for p in get["parameters"] if "name" in p}
        default = params["per_page"]["schema"]["default"]
        assert [params["page"], params["per_page"]] == paging(default), path
        body = get["responses"]["200"]["content"]["application/json"]["schema"]
        for name in ("total", "page", "per_page"):
            assert body["properties"][name] == envelope["properties"][name], (path, name)
        assert body["properties"]["items"]["type"] == "array", path


def test_each_list_answers_the_page_size_its_entry_says(role_client):
    """The live lists page as documented: page 1 and the documented per_page when not asked."""
    client = role_client("admin")
    checked = 0
    for path, get in _paged_operations():
        if "{" in path or any(p.get("required") for p in get["parameters"]):
            continue
        default = next(p for p in get["parameters"] if p.get("name") == "per_page")
        body = client.get(BASE + path).get_json()
        schema = get["responses"]["200"]["content"]["application/json"]["schema"]
        assert set(schema["required"]) <= set(body), path
        assert (body["page"], body["per_page"]) == (1, default["schema"]["default"]), path
        checked += 1
    assert checked >= 8
