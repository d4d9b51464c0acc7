"""GET /api/v1/cycles, /api/v1/cycles/current and /api/v1/localities/{locality}/returns/{n}."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from tests.builders import actor_for, make_action, make_user
from tracker.domain.cycles import build_cycle
from tracker.extensions import db
from tracker.models import User
from tracker.services.loop.returns import Entry, save_draft

CYCLE_START = date(2016, 1, 4)
CYCLE_KEYS = {"number", "opens_on", "due_on", "due_at", "current"}
RETURN_KEYS = {
    "locality",
    "cycle",
    "status",
    "overdue",
    "submitted_at",
    "submitted_by",
    "actions",
}
LINE_KEYS = {
    "ref",
    "title",
    "version",
    "lifecycle",
    "rag",
    "impact",
    "summary",
    "updated_this_cycle",
}


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# Cycles ------------------------------------------------------------------------------------------


def test_cycles_are_listed_oldest_first_with_today_s_marked_current(role_client):
    items = role_client("viewer").get("/api/v1/cycles").get_json()["items"]

    assert [c["number"] for c in items] == list(range(1, len(items) + 1))
    assert all(set(c) == CYCLE_KEYS for c in items)
    # The demo's today, Friday 5 February 2016, is in cycle 3 (1 to 14 February).
    assert [c["number"] for c in items if c["current"]] == [3]
    for c in items:
        built = build_cycle(CYCLE_START, c["number"])
        assert c["opens_on"] == built.opens_on.isoformat()
        assert c["due_on"] == built.due_on.isoformat()
        assert c["due_at"] == _utc(built.due_at)


@pytest.mark.parametrize(
    ("number", "opens_on", "due_on", "due_at"),
    [
        (1, "2016-01-04", "2016-01-15", "2016-01-15T12:00:00Z"),
        (6, "2016-03-14", "2016-03-24", "2016-03-24T12:00:00Z"),  # Good Friday moves it back
        (7, "2016-03-29", "2016-04-08", "2016-04-08T11:00:00Z"),  # after Easter Monday; BST
        (10, "2016-05-09", "2016-05-20", "2016-05-20T11:00:00Z"),  # noon London in summer
    ],
)
def test_a_cycle_s_due_moment_is_noon_london_given_in_utc(
    role_client, number, opens_on, due_on, due_at
):
    items = role_client("chair").get("/api/v1/cycles").get_json()["items"]
    [cycle] = [c for c in items if c["number"] == number]
    assert (cycle["opens_on"], cycle["due_on"], cycle["due_at"]) == (opens_on, due_on, due_at)


def test_the_current_cycle_is_the_one_marked_current_in_the_list(role_client):
    client = role_client("locality_head")
    current = client.get("/api/v1/cycles/current")
    assert current.status_code == 200
    listed = [c for c in client.get("/api/v1/cycles").get_json()["items"] if c["current"]]
    assert [current.get_json()] == listed


def test_with_no_cycle_for_today_current_is_404_problem_json(world):
    from tracker.models import UpdateCycle

    with world.app.app_context():
        db.session.execute(db.delete(UpdateCycle))
        db.session.commit()
        db.session.remove()
    client = world.client("viewer")
    assert client.get("/api/v1/cycles").get_json() == {
        "items": [],
        "total": 0,
        "page": 1,
        "per_page": 50,
    }
    response = client.get("/api/v1/cycles/current")
    assert response.status_code == 404 and response.mimetype == "application/problem+json"


def test_cycles_need_a_signed_in_caller(seeded_client):
    for path in ("/api/v1/cycles", "/api/v1/cycles/current"):
        response = seeded_client.get(path)
        assert response.status_code == 401 and response.mimetype == "application/problem+json"


# Returns: the seed story -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("locality", "cycle", "status"),
    [
        ("north", 3, "not_started"),  # North's head has this fortnight's return to do
        ("east", 3, "submitted"),  # East submitted early, on 3 February
        ("north", 2, "late"),  # submitted after noon on the due day
        ("south", 1, "late"),
        ("south", 2, "submitted"),
        ("south", 3, "not_started"),
    ],
)
def test_a_return_shows_whether_it_was_submitted_and_if_late(role_client, locality, cycle, status):
    body = role_client("viewer").get(f"/api/v1/localities/{locality}/returns/{cycle}").get_json()
    assert set(body) == RETURN_KEYS
    assert (body["locality"], body["cycle"], body["status"]) == (locality, cycle, status)
    assert body["overdue"] is False  # submitted, or cycle 3 is not due until 12 February
    if status == "not_started":
        assert body["submitted_at"] is None and body["submitted_by"] is None
    else:
        assert body["submitted_at"].endswith("Z") and body["submitted_by"]


def test_a_return_lists_every_open_action_of_the_locality_as_it_stands(role_client):
    client = role_client("action_lead")
    body = client.get("/api/v1/localities/east/returns/3").get_json()
    plan = client.get("/api/v1/actions", query_string={"plan": "east", "per_page": 200})
    open_now = {
        a["ref"]: a
        for a in plan.get_json()["items"]
        if a["lifecycle"] not in ("closed_evidenced", "superseded")
    }
    assert [line["ref"] for line in body["actions"]] == sorted(open_now)
    for line in body["actions"]:
        assert set(line) == LINE_KEYS
        action = open_now[line["ref"]]
        for key in ("title", "version", "lifecycle", "rag", "impact"):
            assert line[key] == action[key]
    # East submitted cycle 3 on 3 February: every open action was updated in it.
    assert all(line["updated_this_cycle"] for line in body["actions"])


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/localities/west/returns/1",
        "/api/v1/localities/main/returns/1",
        "/api/v1/localities/north/returns/999",
        "/api/v1/localities/north/returns/0",
        "/api/v1/localities/north/returns/99999999999999999999",  # beyond any INTEGER
        "/api/v1/localities/north/returns/three",
        "/api/v1/localities/north/returns/-1",
    ],
)
def test_an_unknown_locality_or_cycle_is_404_problem_json(role_client, path):
    response = role_client("viewer").get(path)
    assert response.status_code == 404 and response.mimetype == "application/problem+json"


# Returns: built for the test ---------------------------------------------------------------------


def test_a_return_not_submitted_by_its_due_moment_is_overdue(world):
    client = world.client("viewer")
    past = client.get("/api/v1/localities/north/returns/1").get_json()
    assert (past["status"], past["overdue"]) == ("not_started", True)
    current = client.get("/api/v1/localities/north/returns/3").get_json()
    assert (current["status"], current["overdue"]) == ("not_started", False)


def test_a_saved_draft_shows_as_draft_without_showing_what_it_holds(world):
    with world.app.app_context():
        head = db.session.execute(
            db.select(User).where(User.email == world.emails["north_head"])
        ).scalar_one()
        save_draft(
            "north",
            3,
            [Entry(ref="N-01", version=1, summary="Half typed, not yet checked", rag="green")],
            actor=actor_for(head),
            now=datetime(2016, 2, 3, 9, 0, tzinfo=UTC),
        )
        db.session.remove()
    body = world.client("south_head").get("/api/v1/localities/north/returns/3").get_json()
    assert body["status"] == "draft" and body["submitted_at"] is None
    assert "Half typed" not in str(body)


def test_updated_this_cycle_marks_the_actions_updated_in_the_cycle(world):
    with world.app.app_context():
        make_action(ref="N-09", plan="north", lifecycle="closed_evidenced", rag=None)
        db.session.commit()
        db.session.remove()
    posted = world.client("north_head").post(
        "/api/v1/actions/N-01/updates",
        json={
            "version": 1,
            "summary": "Exception list checked every morning.",
            "lifecycle": "in_progress",
            "rag": "green",
            "impact": "not_yet_evidenced",
        },
    )
    assert posted.status_code == 201
    body = world.client("viewer").get("/api/v1/localities/north/returns/3").get_json()
    lines = {line["ref"]: line for line in body["actions"]}
    assert set(lines) == {"N-01", "N-02"}  # N-09 is closed: it is not on the return
    assert lines["N-01"]["updated_this_cycle"] and lines["N-01"]["version"] == 2
    assert lines["N-01"]["summary"] == "Exception list checked every morning."
    assert not lines["N-02"]["updated_this_cycle"]
    # One action's update is not a return.
    assert body["status"] == "not_started"


def test_a_return_runs_the_same_number_of_queries_however_many_actions(world, count_queries):
    client = world.client("viewer")
    path = "/api/v1/localities/north/returns/3"
    client.get(path)  # warm up: the token's person is loaded the same way every time
    with count_queries(world.app) as few:
        assert client.get(path).status_code == 200
    with world.app.app_context():
        lead = make_user(role="action_lead")
        for n in range(10, 30):
            make_action(ref=f"N-{n}", plan="north", lead=lead)
        db.session.commit()
        db.session.remove()
    with count_queries(world.app) as many:
        body = client.get(path).get_json()
    assert len(body["actions"]) == 22
    assert many.count == few.count
