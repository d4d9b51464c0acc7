"""Odd input never makes a 500, and both databases answer it the same way.

Every GET route is asked with path values and query parameters that people and scripts send by
mistake or on purpose: a NUL byte, a number beyond any INTEGER, a lone surrogate, text where a
number belongs, an empty value, a very long value. Each answer is a clear 4xx or a page (200 or
a redirect), never a server error. The seeded plan is only read.
"""

from __future__ import annotations

import re

import pytest

# The PDFs these requests ask for are not drawn: drawing is tested in the pack and report tests.
pytestmark = pytest.mark.usefixtures("pdf_drawing_stubbed")

ODD = [
    "x",
    "0",
    "-1",
    "99999999999999999999",
    "2147483648",
    "%00",
    "a%00b",
    "%ED%A0%80",  # a lone surrogate, UTF-8 encoded
    "%FF",
    "",
    "9" * 300,
    "..%2F..%2Fetc%2Fpasswd",
    "2016-02-30",
    "5%2F2%2F2016",
]
# The filter sweep asks each name with the values that differ between the databases.
ODD_FILTERS = ["x", "99999999999999999999", "a%00b", "%ED%A0%80", ""]
QUERY_NAMES = [
    "plan",
    "recommendation",
    "lead",
    "lead_organisation",
    "involving",
    "rag",
    "lifecycle",
    "overdue",
    "due_within",
    "no_update",
    "as_at",
    "sort",
    "dir",
    "page",
    "per_page",
    "a",
    "b",
    "status",
    "cycle",
]
# /healthz answers 503 by design when no scheduler beats (tests/web/test_health_and_logs.py).
SKIP = {"static", "assets.govuk_assets", "assets.govuk_dist", "auth.sign_out", "health.healthz"}


def _get_routes(app):
    for rule in app.url_map.iter_rules():
        if "GET" in rule.methods and rule.endpoint not in SKIP:
            yield rule


def _fill(rule, value: str) -> str:
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", value or "x", rule.rule)


@pytest.mark.parametrize("role", ["locality_head", "chair"])
def test_no_get_route_answers_odd_path_values_with_a_server_error(seeded_app, role_client, role):
    client = role_client(role)
    failures = []
    for rule in _get_routes(seeded_app):
        # Each distinct address once: a route without values in its path is asked once, not
        # once for each odd value (half of the routes; the sweep took twice as long).
        for url in dict.fromkeys(_fill(rule, value) for value in ODD):
            response = client.get(url)
            if response.status_code >= 500:
                failures.append((url, response.status_code))
            response.close()
    assert failures == [], "\n".join(f"{code} {url}" for url, code in failures)


@pytest.mark.parametrize("role", ["locality_head"])
def test_no_list_answers_odd_filters_with_a_server_error(seeded_app, role_client, role):
    client = role_client(role)
    pages = [
        "/",
        "/overview",
        "/actions",
        "/plans/main",
        "/plans/north",
        "/api/v1/actions",
        "/api/v1/recommendations",
        "/returns",
        "/sefs",
        "/sefs/north/2016-02/compare",
    ]
    failures = []
    for page in pages:
        for name in QUERY_NAMES:
            for value in ODD_FILTERS:
                url = f"{page}?{name}={value}"
                response = client.get(url)
                if response.status_code >= 500:
                    failures.append((url, response.status_code))
                response.close()
    assert failures == [], "\n".join(f"{code} {url}" for url, code in failures)
