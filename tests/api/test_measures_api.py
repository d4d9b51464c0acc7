"""GET /api/v1/measures and the quarterly report's files (issue 11), on the illustrative seed."""

from __future__ import annotations

import pytest

from tests.appendix_a import APPENDIX_A

ITEM_KEYS = {
    "code",
    "title",
    "area",
    "kind",
    "polarity",
    "unit",
    "target",
    "tolerance",
    "value",
    "numerator",
    "denominator",
    "status",
}
STATUSES = {"ON TARGET", "IN TOLERANCE", "OFF TARGET", "NO TARGET SET"}


@pytest.fixture(scope="module")
def q3(seeded_app):
    from tests.conftest import ROLE_ACCOUNTS, sign_in

    client = seeded_app.test_client()
    sign_in(client, ROLE_ACCOUNTS["viewer"])
    response = client.get("/api/v1/measures?quarter=2015-Q3")
    assert response.status_code == 200
    return {item["code"]: item for item in response.get_json()["items"]}


@pytest.mark.parametrize(("code", "status"), sorted(APPENDIX_A.items()))
def test_the_api_gives_appendix_a_for_quarter_3_2015_16(q3, code, status):
    assert q3[code]["status"] == status


def test_the_register_holds_22_key_and_38_operational_measures_each_with_a_status(q3):
    kinds = [item["kind"] for item in q3.values()]
    assert (kinds.count("key"), kinds.count("operational")) == (22, 38)
    assert all(set(item) == ITEM_KEYS for item in q3.values())
    assert {item["status"] for item in q3.values()} <= STATUSES


def test_section_7_6_holds_for_a3(q3, role_client):
    """81% in quarter 2, 87% in quarter 3 and 97% in December."""
    assert q3["A3"]["value"] == 87 and (q3["A3"]["numerator"], q3["A3"]["denominator"]) == (87, 100)
    client = role_client("viewer")
    q2 = client.get("/api/v1/measures?quarter=2015-Q2").get_json()["items"]
    assert next(i for i in q2 if i["code"] == "A3")["value"] == 81
    december = client.get("/api/v1/measures?period=2015-12").get_json()
    a3 = next(i for i in december["items"] if i["code"] == "A3")
    assert round(a3["value"]) == 97 and a3["status"] == "ON TARGET"
    assert december["period"] == "2015-12" and december["label"] == "December 2015"


def test_a_month_gives_no_value_for_a_quarterly_measure_outside_its_quarter_end(role_client):
    items = role_client("viewer").get("/api/v1/measures?period=2015-11").get_json()["items"]
    d17a = next(i for i in items if i["code"] == "D17a")
    assert d17a["value"] is None and d17a["status"] is None
    d19 = next(i for i in items if i["code"] == "D19")
    assert d19["status"] == "NO TARGET SET"


def test_kind_filters_the_list_and_no_period_means_the_last_full_quarter(role_client):
    client = role_client("viewer")
    body = client.get("/api/v1/measures?kind=operational").get_json()
    assert body["quarter"] == "2015-Q3"  # today in the suite is 5 February 2016
    assert {i["kind"] for i in body["items"]} == {"operational"} and len(body["items"]) == 38


@pytest.mark.parametrize(
    ("query", "parameter", "message"),
    [
        ("period=2016-03", "period", "in the future"),
        ("quarter=2016-Q1", "quarter", "in the future"),
        ("period=2015-13", "period", "YYYY-MM"),
        ("quarter=2015-Q5", "quarter", "financial-year quarter"),
        ("quarter=2015-Q3&period=2015-12", "period", "not both"),
        ("kind=weekly", "kind", "key or operational"),
        ("colour=red", "colour", "not a filter"),
        ("period=2015-12%00", "period", "not text (a NUL byte"),  # refused at the edge
    ],
)
def test_a_bad_period_or_filter_is_a_400_problem(role_client, query, parameter, message):
    response = role_client("viewer").get(f"/api/v1/measures?{query}")
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert message in body["detail"] and body["invalid_params"][0]["name"] == parameter


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/api/v1/reports/quarterly/2016-Q1.pdf", 400),  # not begun
        ("/api/v1/reports/quarterly/2015-Q9.docx", 400),
        ("/api/v1/reports/quarterly/2015-Q3.xlsx", 404),
    ],
)
def test_a_report_for_a_bad_or_future_quarter_is_refused(role_client, url, status):
    assert role_client("viewer").get(url).status_code == status


def test_the_measures_list_matches_its_openapi_schema(role_client):
    import jsonschema

    client = role_client("viewer")
    doc = client.get("/api/openapi.json").get_json()
    schema = doc["paths"]["/measures"]["get"]["responses"]["200"]["content"]["application/json"][
        "schema"
    ]
    for query in ("quarter=2015-Q3", "period=2015-11"):
        jsonschema.validate(client.get(f"/api/v1/measures?{query}").get_json(), schema)
    assert "/reports/quarterly/{quarter}.{fmt}" in doc["paths"]
