"""GET /api/v1/changes and /api/v1/deadline: what they send validates against the OpenAPI
document, and bad input is a 400 problem that says what is wrong."""

from __future__ import annotations

from datetime import UTC, datetime

import jsonschema
import pytest
from sqlalchemy import select

from tests.builders import add_update
from tracker.api.openapi import openapi_document
from tracker.extensions import db
from tracker.models import Action

DOC = openapi_document()


def check(instance, schema_name: str) -> None:
    jsonschema.validate(
        instance,
        {"$ref": f"#/components/schemas/{schema_name}", "components": DOC["components"]},
    )


def test_the_changes_since_the_last_meeting_validate_and_read_moves_to_red_first(role_client):
    response = role_client("viewer").get("/api/v1/changes?since=2016-01-29")
    assert response.status_code == 200
    body = response.get_json()
    check(body, "Changes")
    assert (body["since"], body["until"]) == ("2016-01-29", "2016-02-05")
    kinds = [c["kind"] for c in body["items"]]
    reading_order = [
        "rag_moved",
        "newly_overdue",
        "closed",
        "dependency_added",
        "date_approved",
        "date_refused",
        "date_requested",
        "added",
        "superseded",
        "edited",
    ]
    assert kinds == sorted(kinds, key=reading_order.index)
    moves = [c["new"] for c in body["items"] if c["kind"] == "rag_moved"]
    assert moves[:13] == ["red"] * 13 and "red" not in moves[13:]
    first = body["items"][0]
    assert first["who"] and first["why"] and first["lead"] and first["at"].endswith("Z")
    # The net view: red now and not red at the start, whatever came between.
    assert body["net_counts"] == {
        "to_red": 11,
        "to_amber": 8,
        "to_green": 3,
        "closed": 12,
        "unchanged": 2,
    }
    outcomes = [n["outcome"] for n in body["net"]]
    order = ["to_red", "to_amber", "to_green", "closed", "unchanged"]
    assert outcomes == sorted(outcomes, key=order.index)
    assert all(n["end"] == "red" != n["start"] for n in body["net"] if n["outcome"] == "to_red")


def test_a_move_to_red_and_its_reversal_is_unchanged_in_the_net_view(world):
    """Moved to red and back to amber in one window: two moves in the items, no move to red."""
    with world.app.app_context():
        action = db.session.execute(select(Action).where(Action.ref == "N-02")).scalar_one()
        for hour, rag in ((9, "red"), (10, "amber")):
            add_update(action, recorded_at=datetime(2016, 2, 1, hour, tzinfo=UTC), rag=rag)
        db.session.commit()
        db.session.remove()
    body = world.client("viewer").get("/api/v1/changes?since=2016-01-29").get_json()
    check(body, "Changes")
    assert [(c["old"], c["new"]) for c in body["items"]] == [("amber", "red"), ("red", "amber")]
    [net] = body["net"]
    assert (net["action"]["ref"], net["start"], net["end"], net["moves"], net["outcome"]) == (
        "N-02",
        "amber",
        "amber",
        2,
        "unchanged",
    )
    assert body["net_counts"]["to_red"] == 0 and body["net_counts"]["unchanged"] == 1


def test_without_since_the_changes_start_at_the_last_meeting(role_client):
    body = role_client("viewer").get("/api/v1/changes").get_json()
    assert body["since"] == "2016-01-28"  # the seed's Getting to Good meeting


@pytest.mark.parametrize(
    ("query", "reason"),
    [
        ("since=2016-02-06", "today (5 February 2016) or earlier"),
        ("since=2015-11-26", "on or after 27 November 2015"),
        ("since=29/01/2016", "YYYY-MM-DD"),
        ("since=2016-1-29", "YYYY-MM-DD"),
        ("since=2016-02-30", "YYYY-MM-DD"),
        ("since=2016-W05-1", "YYYY-MM-DD"),
        ("since=2016-01-29%00", "not text"),  # refused at the edge (tracker/http/edge.py)
        ("since=" + "9" * 1000, "YYYY-MM-DD"),
        ("from=2016-01-29", "not a parameter"),
    ],
)
def test_a_bad_since_is_a_400_problem(role_client, query, reason):
    response = role_client("viewer").get(f"/api/v1/changes?{query}")
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    check(body, "Problem")
    assert reason in body["detail"]
    assert body["invalid_params"][0]["name"] in {"since", "from"}


def test_the_deadline_from_publication_is_9_march_2016_with_the_holidays_it_skipped(role_client):
    response = role_client("viewer").get("/api/v1/deadline?from=2015-11-27&working_days=70")
    assert response.status_code == 200
    body = response.get_json()
    check(body, "Deadline")
    assert body["due"] == "2016-03-09"
    assert body["from"] == "2015-11-27" and body["working_days"] == 70
    assert body["bank_holidays_skipped"] == [
        {"date": "2015-12-25", "name": "Christmas Day"},
        {"date": "2015-12-28", "name": "Boxing Day (observed)"},
        {"date": "2016-01-01", "name": "New Year's Day"},
    ]
    assert body["working_days_left"] == 23
    assert "anchor" not in body


def test_without_from_the_deadline_is_the_inspections_own_and_says_its_anchor(role_client):
    body = role_client("viewer").get("/api/v1/deadline").get_json()
    check(body, "Deadline")
    assert (body["anchor"], body["from"], body["due"]) == (
        "publication",
        "2015-11-27",
        "2016-03-09",
    )
    assert body["plan_submitted_on"] is None


def test_the_inspections_own_deadline_follows_its_frameworks_rule(
    seeded_app, role_client, monkeypatch
):
    """TRACKER_DEADLINE_DAYS_SIF set to 60: the API, the inspection page and the count agree;
    set to 0 (no plan due), the API asks for a date and the page says no plan is due."""
    viewer = role_client("viewer")
    monkeypatch.setitem(seeded_app.config, "DEADLINE_WORKING_DAYS", {"SIF": 60})
    body = viewer.get("/api/v1/deadline").get_json()
    check(body, "Deadline")
    assert (body["from"], body["working_days"], body["due"]) == ("2015-11-27", 60, "2016-02-24")
    # Asked for, another count is still the calculator's.
    assert viewer.get("/api/v1/deadline?working_days=70").get_json()["due"] == "2016-03-09"
    page = viewer.get("/inspection").get_data(as_text=True)
    assert "must reach Ofsted by Wednesday 24 February 2016" in page and "60 working days" in page

    monkeypatch.setitem(seeded_app.config, "DEADLINE_WORKING_DAYS", {"SIF": 0})
    response = viewer.get("/api/v1/deadline")
    assert (
        response.status_code == 400 and response.get_json()["invalid_params"][0]["name"] == "from"
    )
    page = viewer.get("/inspection")
    assert page.status_code == 200 and "No action plan deadline" in page.get_data(as_text=True)


@pytest.mark.parametrize(
    ("start", "days", "due"),
    [
        ("2015-12-24", 1, "2015-12-29"),  # Christmas and Boxing Day (observed)
        ("2016-03-24", 1, "2016-03-29"),  # Good Friday and Easter Monday
        ("2016-12-23", 1, "2016-12-28"),  # Christmas 2016 on a Sunday: substitute Tuesday
    ],
)
def test_the_deadline_steps_over_christmas_and_easter(role_client, start, days, due):
    body = role_client("viewer").get(f"/api/v1/deadline?from={start}&working_days={days}")
    assert body.get_json()["due"] == due


@pytest.mark.parametrize(
    ("query", "name"),
    [
        ("from=27/11/2015", "from"),
        ("from=2015-11-27%00", "from"),
        ("from=1999-12-31", "from"),
        ("from=9999-12-31", "from"),
        ("from=2015-11-27&working_days=0", "working_days"),
        ("from=2015-11-27&working_days=-70", "working_days"),
        ("from=2015-11-27&working_days=seventy", "working_days"),
        ("from=2015-11-27&working_days=7.5", "working_days"),
        ("from=2015-11-27&working_days=1001", "working_days"),
        ("from=2015-11-27&working_days=2147483648", "working_days"),
        ("from=2015-11-27&working_days=70%00", "working_days"),
        ("from=2015-11-27&days=70", "days"),
    ],
)
def test_a_bad_deadline_query_is_a_400_problem(role_client, query, name):
    response = role_client("viewer").get(f"/api/v1/deadline?{query}")
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["invalid_params"][0]["name"] == name


def test_the_document_describes_both_calls():
    changes = DOC["paths"]["/changes"]["get"]
    assert [p["name"] for p in changes["parameters"]] == ["since"]
    assert set(changes["responses"]) == {"200", "400", "401", "403"}
    deadline = DOC["paths"]["/deadline"]["get"]
    assert [p["name"] for p in deadline["parameters"]] == ["from", "working_days"]
    assert deadline["parameters"][1]["schema"]["maximum"] == 1000


def test_the_deadline_command_prints_9_march_2016(seeded_app):
    runner = seeded_app.test_cli_runner()
    result = runner.invoke(
        args=["tracker", "deadline", "--from", "2015-11-27", "--working-days", "70"]
    )
    assert result.exit_code == 0, result.output
    assert result.output == "2016-03-09\n"


@pytest.mark.parametrize(
    "args",
    [
        ["--from", "27/11/2015"],
        ["--from", "2015-11-27", "--working-days", "0"],
        ["--from", "2015-11-27", "--working-days", "lots"],
    ],
)
def test_the_deadline_command_refuses_bad_input(seeded_app, args):
    result = seeded_app.test_cli_runner().invoke(args=["tracker", "deadline", *args])
    assert result.exit_code == 2
    assert "Invalid value" in result.output


def test_the_deadline_command_can_list_the_holidays_it_skipped(seeded_app):
    result = seeded_app.test_cli_runner().invoke(
        args=["tracker", "deadline", "--from", "2016-03-24", "--working-days", "1", "--explain"]
    )
    assert result.output.splitlines() == [
        "2016-03-29",
        "skipped 2016-03-25 Good Friday",
        "skipped 2016-03-28 Easter Monday",
    ]


@pytest.mark.parametrize(
    ("start", "days", "due", "weekends_only", "calendar_days"),
    [
        ("2015-11-27", "70", "2016-03-09", "2016-03-04", "2016-02-05"),  # publication
        ("2015-12-24", "1", "2015-12-29", "2015-12-25", "2015-12-25"),  # Christmas, Boxing Day
        ("2015-12-18", "5", "2015-12-29", "2015-12-25", "2015-12-23"),  # both Christmas days
        ("2016-03-24", "1", "2016-03-29", "2016-03-25", "2016-03-25"),  # Good Friday, Easter Mon
        ("2016-03-18", "10", "2016-04-05", "2016-04-01", "2016-03-28"),  # across Easter
    ],
)
def test_the_deadline_command_steps_over_christmas_and_easter_not_the_naive_answers(
    seeded_app, start, days, due, weekends_only, calendar_days
):
    result = seeded_app.test_cli_runner().invoke(
        args=["tracker", "deadline", "--from", start, "--working-days", days]
    )
    assert result.exit_code == 0, result.output
    assert result.output == f"{due}\n"
    assert result.output.strip() not in {weekends_only, calendar_days}
