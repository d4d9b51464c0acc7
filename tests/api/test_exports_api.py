"""The CSV export: the list's filters, one row per action, safe cells, streamed and audited."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.builders import add_update, depends, get_or_make_org, make_action
from tests.exports import CSV_URL, csv_table, last_export
from tracker.extensions import db
from tracker.models import action_partner
from tracker.services.exchange import exports

URL = CSV_URL


def _api_refs(client, query: dict[str, str]) -> list[str]:
    refs, page = [], 1
    while True:
        body = client.get(
            "/api/v1/actions", query_string={**query, "per_page": 200, "page": page}
        ).get_json()
        refs += [item["ref"] for item in body["items"]]
        if len(refs) >= body["total"]:
            return refs
        page += 1


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"plan": "north"},
        {"plan": "main", "rag": "red"},
        {"overdue": "true", "sort": "-target_date"},
        {"involving": "trust", "no_update": "true"},
        {"lifecycle": "closed_evidenced"},
        {"as_at": "2016-01-20", "plan": "south"},
    ],
)
def test_the_csv_holds_exactly_the_actions_the_api_list_does_in_the_same_order(role_client, query):
    client = role_client("viewer")
    response = client.get(URL, query_string=query)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    header, *rows = csv_table(response)
    assert tuple(header) == exports.HEADER
    assert [r[0] for r in rows] == _api_refs(client, query)
    assert response.headers["X-Total-Count"] == str(len(rows))


def test_lines_end_in_crlf_and_the_file_is_named_for_the_london_day_or_the_as_at_day(
    role_client,
):
    client = role_client("chair")
    today = client.get(URL, query_string={"plan": "north"})
    body = today.get_data()
    first_line, rest = body.split(b"\r\n", 1)
    assert first_line == b"\xef\xbb\xbf" + ",".join(exports.HEADER).encode()
    assert body.endswith(b"\r\n") and b"\r\n" in rest
    assert today.headers["Content-Disposition"] == (
        'attachment; filename="action-plan_north_as-at-2016-02-05.csv"'
    )
    past = client.get(URL, query_string={"as_at": "2016-01-20"})
    assert past.headers["Content-Disposition"] == (
        'attachment; filename="action-plan_as-at-2016-01-20.csv"'
    )


def test_closed_actions_have_no_rag_and_words_not_codes_are_used(role_client):
    header, *rows = csv_table(role_client("viewer").get(URL))
    col = {name: i for i, name in enumerate(header)}
    closed = [r for r in rows if r[col["Lifecycle"]] == "Closed with evidence"]
    assert closed and all(r[col["RAG"]] == "" for r in closed)
    assert {r[col["RAG"]] for r in rows} == {"", "Red", "Amber", "Green"}
    assert {r[col["Overdue"]] for r in rows} == {"Yes", "No"}
    assert all(r[col["Version"]].isdecimal() for r in rows)


def test_cells_that_look_like_formulas_are_neutralised_and_lists_are_joined(exporter):
    lead = exporter.lead
    first = make_action(ref="T-100", lead=lead)
    second = make_action(ref="T-200", lead=lead)
    add_update(
        second,
        recorded_at=datetime(2016, 2, 1, 15, 30, tzinfo=UTC),
        summary='=HYPERLINK("http://evil.example","Click")',
        reason="-5 referrals since the last update",
        rag="amber",
    )
    depends(second, first)
    for code in ("police", "council"):
        org = get_or_make_org(code, kind="council" if code == "council" else "police")
        db.session.execute(
            action_partner.insert().values(action_id=second.id, organisation_id=org.id)
        )
    db.session.commit()
    header, *rows = csv_table(exporter.client.get(URL))
    row = dict(zip(header, rows[1], strict=True))
    assert row["Ref"] == "T-200"
    assert row["Latest summary"] == '\'=HYPERLINK("http://evil.example","Click")'
    assert row["Latest reason"] == "'-5 referrals since the last update"
    assert row["Depends on"] == "T-100"
    assert row["Partners"].count("; ") == 1
    assert row["Last updated (London time)"] == "2016-02-01 15:30"
    assert row["Version"] == "2" and row["RAG"] == "Amber"


def test_each_export_is_an_audit_event_with_its_filters_and_row_count(role_client, seeded_app):
    client = role_client("performance_officer")
    response = client.get(URL, query_string={"plan": "east", "rag": "red"})
    rows = len(csv_table(response)) - 1
    event = last_export(seeded_app)
    assert event.detail == {
        "format": "csv",
        "filters": {"plan": "east", "rag": "red"},
        "rows": rows,
    }
    assert event.user_id is not None


def test_the_rows_stream_out_batch_by_batch_after_the_header(role_client, monkeypatch):
    monkeypatch.setattr(exports, "BATCH", 100)
    response = role_client("viewer").get(URL, buffered=False)
    assert response.is_streamed
    chunks = list(response.response)
    assert chunks[0].startswith(b"\xef\xbb\xbfRef,Plan,") and chunks[0].count(b"\r\n") == 1
    assert len(chunks) == 1 + 4  # the header, then 335 rows in batches of 100
    response.close()


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ({"rag": "purple"}, "rag"),
        ({"plan": "west"}, "plan"),
        ({"lead": "99999999999999999999"}, "lead"),
        ({"due_within": "-1"}, "due_within"),
        ({"recommendation": "R1\x00"}, "recommendation"),
        ({"as_at": "2016-02-30"}, "as_at"),
        ({"as_at": "2016\x00-01-01"}, "as_at"),
        ({"as_at": "20/01/2016"}, "as_at"),
        ({"sort": "colour"}, "sort"),
        ({"page": "2"}, "page"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_filters_give_400_problem_json_naming_the_parameter(role_client, query, parameter):
    response = role_client("viewer").get(URL, query_string=query)
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["invalid_params"][0]["name"] == parameter


@pytest.mark.parametrize("role", ["locality_head", "action_lead"])
def test_people_the_policy_does_not_let_export_get_403_problem_json(role_client, role):
    response = role_client(role).get(URL)
    assert response.status_code == 403 and response.mimetype == "application/problem+json"


def test_the_export_takes_the_api_list_s_filters_except_paging():
    from tracker.api.views import KNOWN_ACTION_PARAMS

    assert KNOWN_ACTION_PARAMS - {"page", "per_page"} == exports.EXPORT_PARAMS
