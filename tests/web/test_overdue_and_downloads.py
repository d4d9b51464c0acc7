"""The overdue list across all plans, and the CSV download link on every list of actions.
Read-only: these tests only read the shared seeded database."""

from __future__ import annotations

import csv
import html as htmllib
import io
import re

import jsonschema
import pytest

from tests.web.test_action_lists import rows, total


def days(html: str) -> list[int]:
    return [int(n) for n in re.findall(r">(\d+) days? overdue<", html)]


def download_link(html: str) -> tuple[str, str] | None:
    found = re.search(
        r'<a class="govuk-link" id="download-csv" href="([^"]+)" download>([^<]+)', html
    )
    return (htmllib.unescape(found.group(1)), found.group(2)) if found else None


def csv_refs(response) -> list[str]:
    assert response.status_code == 200 and response.mimetype == "text/csv"
    _header, *lines = csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"), newline=""))
    return [line[0] for line in lines]


def test_the_overdue_list_holds_the_seeds_6_overdue_actions_most_days_overdue_first(
    role_client,
):
    html = role_client("chair").get("/actions/overdue").get_data(as_text=True)
    assert '<h1 class="govuk-heading-l">Overdue actions</h1>' in html
    # Open work past its target date: the 8 complete and awaiting sign-off are not overdue.
    assert total(html) == 6 and len(rows(html)) == 6
    shown = days(html)
    assert len(shown) == 6 and shown == sorted(shown, reverse=True) and shown[-1] >= 1
    assert 'aria-current="page">Overdue in all plans<' in html


def test_the_overdue_list_keeps_its_other_filters_and_ignores_a_sort_or_overdue_asked_for(
    role_client,
):
    client = role_client("viewer")
    main = client.get("/actions/overdue?plan=main").get_data(as_text=True)
    same = client.get("/actions/overdue?plan=main&overdue=false&sort=-ref").get_data(as_text=True)
    assert rows(main) == rows(same) and total(main) > 0
    assert days(main) == sorted(days(main), reverse=True)


def test_days_overdue_are_counted_from_the_as_at_day(role_client):
    html = role_client("viewer").get("/actions/overdue?as_at=20/1/2016").get_data(as_text=True)
    now = role_client("viewer").get("/actions/overdue").get_data(as_text=True)
    assert 0 < total(html) < total(now)
    assert max(days(html)) < max(days(now))


@pytest.mark.parametrize(
    "url",
    [
        "/plans/main",
        "/plans/main?rag=red",
        "/plans/north?as_at=20/1/2016&sort=-target_date",
        "/actions?involving=trust&no_update=true",
        "/actions?plan=south&lifecycle=in_progress&sort=lead",
        "/actions?lead_organisation=trust&due_within=12",
        "/actions",  # 335 actions over four pages: the file holds them all
        "/actions?page=2&overdue=false&sort=-lead_organisation",
        "/actions/overdue",
        "/actions/overdue?plan=main&as_at=2016-01-25",
    ],
)
def test_the_download_link_carries_the_filters_and_returns_exactly_the_rows_the_page_counts(
    role_client, url
):
    client = role_client("viewer")
    html = client.get(url).get_data(as_text=True)
    href, words = download_link(html)
    n = total(html)
    assert words == (
        "Download this action as CSV (spreadsheet)"
        if n == 1
        else f"Download these {n} actions as CSV (spreadsheet)"
    )
    assert href.startswith("/api/v1/exports/plan.csv") and "page=" not in href
    refs = csv_refs(client.get(href))
    assert len(refs) == n
    page = int(re.search(r"page=(\d+)", url).group(1)) if "page=" in url else 1
    assert refs[(page - 1) * 100 : page * 100] == rows(html)  # the page's rows, in its order


@pytest.mark.parametrize(
    "url",
    ["/plans/north?as_at=20/1/2016&sort=-target_date", "/actions?rag=red", "/actions/overdue"],
)
def test_the_workbook_links_carry_the_same_filters_and_as_at_as_the_csv_link(role_client, url):
    client = role_client("viewer")
    html = client.get(url).get_data(as_text=True)
    csv_href, _ = download_link(html)
    links = dict(re.findall(r'id="(download-xlsx[a-z-]*)" href="([^"]+)" download>', html))
    xlsx = htmllib.unescape(links["download-xlsx"])
    history = htmllib.unescape(links["download-xlsx-history"])
    assert xlsx == csv_href.replace("/plan.csv", "/plan.xlsx")
    assert history.startswith(xlsx) and history.endswith("history=true")
    response = client.get(history)
    assert response.status_code == 200 and response.headers["X-Total-Count"] == str(total(html))


def test_the_link_leaves_behind_values_that_are_not_filters(role_client):
    html = (
        role_client("viewer").get("/actions?rag=red&utm_source=mail&page=1").get_data(as_text=True)
    )
    href, _ = download_link(html)
    assert "rag=red" in href and "utm_source" not in href and "page" not in href


def test_the_link_keeps_an_as_at_date_typed_as_people_write_it_in_the_api_s_form(role_client):
    html = role_client("viewer").get("/plans/east?as_at=20 Jan 2016").get_data(as_text=True)
    href, _ = download_link(html)
    assert "as_at=2016-01-20" in href and "plan=east" in href


@pytest.mark.parametrize("role", ["locality_head", "action_lead"])
def test_people_who_may_not_export_see_no_download_link(role_client, role):
    for url in ("/plans/main", "/actions", "/actions/overdue"):
        html = role_client(role).get(url).get_data(as_text=True)
        assert total(html) > 0 and download_link(html) is None


def test_an_empty_list_offers_nothing_to_download(role_client):
    html = role_client("viewer").get("/plans/north?rag=red").get_data(as_text=True)
    assert total(html) == 0 and download_link(html) is None


def test_the_api_overdue_list_is_paged_by_100_and_sorted_by_days_overdue(role_client):
    client = role_client("viewer")
    body = client.get("/api/v1/actions/overdue").get_json()
    assert body["total"] == 6 and body["per_page"] == 100 and len(body["items"]) == 6
    shown = [item["days_overdue"] for item in body["items"]]
    assert shown == sorted(shown, reverse=True) and min(shown) >= 1
    assert all(item["overdue"] for item in body["items"])
    second = client.get("/api/v1/actions/overdue?per_page=2&page=2").get_json()
    assert [i["ref"] for i in second["items"]] == [i["ref"] for i in body["items"][2:4]]
    assert second["total"] == 6
    html = client.get("/actions/overdue").get_data(as_text=True)
    assert [i["ref"] for i in body["items"]] == rows(html)


def test_api_overdue_items_validate_against_the_openapi_document(role_client):
    client = role_client("viewer")
    doc = client.get("/api/openapi.json").get_json()
    assert {"/actions/overdue", "/exports/plan.csv"} <= set(doc["paths"])
    params = {p["name"] for p in doc["paths"]["/exports/plan.csv"]["get"]["parameters"]}
    assert {"plan", "rag", "overdue", "involving", "no_update", "sort", "as_at"} <= params
    assert "page" not in params
    overdue_params = {p["name"] for p in doc["paths"]["/actions/overdue"]["get"]["parameters"]}
    assert "overdue" not in overdue_params and "sort" not in overdue_params
    schema = {"$ref": "#/components/schemas/OverdueAction", "components": doc["components"]}
    for item in client.get("/api/v1/actions/overdue").get_json()["items"]:
        jsonschema.validate(item, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"ref": "MAP-001"}, schema)


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ({"sort": "ref"}, "sort"),
        ({"overdue": "false"}, "overdue"),
        ({"page": "99999999999999999999"}, "page"),
        ({"per_page": "0"}, "per_page"),
        ({"lead": "\x00"}, "lead"),
        ({"as_at": "2016-13-01"}, "as_at"),
        ({"plan": "west"}, "plan"),
    ],
)
def test_bad_overdue_list_parameters_give_400_problem_json(role_client, query, parameter):
    response = role_client("viewer").get("/api/v1/actions/overdue", query_string=query)
    assert response.status_code == 400 and response.mimetype == "application/problem+json"
    assert response.get_json()["invalid_params"][0]["name"] == parameter


@pytest.mark.parametrize(
    "query", ["lead=99999999999999999999", "as_at=%00", "rag=%00red", "page=0", "due_within=x"]
)
def test_bad_overdue_page_filters_are_explained_not_a_500(role_client, query):
    response = role_client("viewer").get(f"/actions/overdue?{query}")
    assert response.status_code == 400
    assert "There is a problem" in response.get_data(as_text=True)


def test_a_printed_list_says_its_as_at_date_and_its_filters_in_words(role_client):
    html = htmllib.unescape(
        role_client("locality_head")
        .get("/plans/north?as_at=20/1/2016&rag=green&lifecycle=in_progress&lead_organisation=trust")
        .get_data(as_text=True)
    )
    header = html.split('class="tracker-print-only tracker-print-header"', 1)[1].split("</div>")[0]
    assert "As at the end of Wednesday 20 January 2016 (from the history)" in header
    assert "Printed 5 February 2016 at " in header
    assert (
        "Filters: lead organisation Doncaster Children's Services Trust; RAG green; "
        "lifecycle in progress. Sorted by ref." in header
    )
    now = htmllib.unescape(role_client("viewer").get("/actions").get_data(as_text=True))
    assert "(the current state)" in now and "Filters: none. Sorted by ref." in now
    assert "Page 1 of 4: rows 1 to 100 of 335." in now
