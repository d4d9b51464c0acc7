"""Pages and API calls run a fixed number of SQL statements, whatever the data size."""

import pytest


def _count(role_client, seeded_app, count_queries, url):
    client = role_client("viewer")
    client.get(url)  # warm up: the session's user is loaded the same way every time
    with count_queries(seeded_app) as counter:
        response = client.get(url)
    assert response.status_code == 200, url
    return counter.count


@pytest.mark.parametrize(
    ("small", "large"),
    [
        ("/plans/north", "/plans/main"),  # 38 rows against 183
        ("/plans/main?rag=red", "/plans/main"),
        ("/api/v1/actions?plan=north&per_page=200", "/api/v1/actions?per_page=200"),
        ("/recommendations/R18", "/recommendations/R3"),
        ("/actions/MAP-030", "/actions/MAP-001"),  # short history against a long one
        ("/api/v1/actions/MAP-030", "/api/v1/actions/MAP-001"),
    ],
)
def test_bigger_pages_run_no_more_queries(role_client, seeded_app, count_queries, small, large):
    assert _count(role_client, seeded_app, count_queries, small) == _count(
        role_client, seeded_app, count_queries, large
    )


@pytest.mark.parametrize(
    ("url", "most"),
    [
        ("/", 6),
        ("/plans/main", 8),
        ("/actions/MAP-001", 9),
        ("/api/v1/actions", 6),
        ("/sefs", 4),
        ("/sefs/south/2016-02", 4),
        ("/sefs/south/2016-02/compare", 4),
    ],
)
def test_pages_stay_within_a_small_query_budget(role_client, seeded_app, count_queries, url, most):
    assert _count(role_client, seeded_app, count_queries, url) <= most
