"""Changing the plan through the web: add and edit actions, ask for and decide on a new target
date, supersede, and the re-baselined list."""

from __future__ import annotations

import html as htmllib
from datetime import date

import pytest
from sqlalchemy import func, select

from tests.builders import get_or_make_org, make_action, make_cycles, make_recommendation, make_user
from tests.conftest import csrf_token, sign_in
from tracker.extensions import db
from tracker.models import Action, ActionEdit, TargetDateRequest

PASSWORD = "a-long-test-password"
EMAILS = {
    "lead": "lead@trust.example",
    "north_head": "north.head@trust.example",
    "chair": "chair@trust.example",
    "admin": "admin@trust.example",
    "viewer": "viewer@council.example",
}


@pytest.fixture
def story(clean_db):
    make_cycles(upto=4)
    people = {
        "lead": make_user(role="action_lead", email=EMAILS["lead"]),
        "north_head": make_user(role="locality_head", locality="north", email=EMAILS["north_head"]),
        "chair": make_user(role="chair", email=EMAILS["chair"]),
        "admin": make_user(role="admin", email=EMAILS["admin"]),
        "viewer": make_user(role="viewer", email=EMAILS["viewer"]),
    }
    get_or_make_org("syp", kind="police")
    rec = make_recommendation(ref="R1")
    make_action(
        ref="MAP-001", lead=people["lead"], recommendation=rec, target_date=date(2016, 2, 1)
    )
    make_action(ref="MAP-002", lead=people["lead"], recommendation=rec)
    make_action(ref="N-01", plan="north", lead=people["north_head"], recommendation=rec)
    db.session.commit()
    return people


def _as(client, who):
    sign_in(client, EMAILS[who], PASSWORD)
    return client


def _text(response) -> str:
    return htmllib.unescape(response.get_data(as_text=True))


def _post(client, path, data):
    return client.post(path, data={"csrf_token": csrf_token(client, "/accessibility"), **data})


def _count(model) -> int:
    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def test_a_chair_adds_an_action_with_the_next_ref(client, story):
    _as(client, "chair")
    assert "Add an action" in _text(client.get("/plans/north"))
    response = _post(
        client,
        "/plans/north/actions/new",
        {
            "recommendation": "R1",
            "title": "North: themed audit of core groups",
            "lead": str(story["north_head"].id),
            "lead_organisation": "trust",
            "partners": ["syp"],
            "start_date": "8/2/2016",
            "target_date": "29 April 2016",
            "success_measure": "Twenty core groups audited.",
            "reason": "Gap found at JSIG",
        },
    )
    assert response.status_code == 302 and response.headers["Location"].endswith("/actions/N-02")
    page = _text(client.get("/actions/N-02"))
    assert "N-02 added to the" in page
    assert "Added to the plan" in page and "Gap found at JSIG" in page
    assert "Friday 29 April 2016" in page


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"target_date": "31/2/2016"}, "Enter a real date"),
        (
            {"target_date": "1/1/2016"},
            "The target date must be the same as or after the start date",
        ),
        ({"reason": ""}, "Give a reason for adding the action"),
        ({"lead": "999999999999"}, "Not a valid choice"),
        ({"title": "Audit\x00"}, "must not contain a NUL character"),
        ({"partners": ["nope"]}, "not a valid choice"),
    ],
)
def test_adding_an_action_with_a_mistake_shows_it_and_writes_nothing(
    client, story, changes, message
):
    _as(client, "admin")
    data = {
        "recommendation": "R1",
        "title": "Audit",
        "lead_organisation": "trust",
        "start_date": "8/2/2016",
        "target_date": "29/4/2016",
        "success_measure": "Audited.",
        "reason": "Gap",
    } | changes
    response = _post(client, "/plans/main/actions/new", data)
    assert response.status_code == 400
    text = _text(response)
    assert "There is a problem" in text and message.lower() in text.lower()
    assert _count(Action) == 3


def test_a_chair_edits_an_action_and_the_history_shows_who_what_and_why(client, story):
    _as(client, "chair")
    form = _text(client.get("/actions/MAP-002/edit"))
    assert 'name="plan_version"' in form
    response = _post(
        client,
        "/actions/MAP-002/edit",
        {
            "plan_version": "1",
            "title": "Weekly dip sample of MASH decisions",
            "description": "Illustrative action.",
            "lead": str(story["lead"].id),
            "lead_organisation": "trust",
            "success_measure": "Measured by audit.",
            "reason": "Agreed at JSIG on 3 February",
        },
    )
    assert response.status_code == 302
    page = _text(client.get("/actions/MAP-002"))
    assert "Weekly dip sample of MASH decisions" in page
    assert "Edited" in page and "Agreed at JSIG on 3 February" in page
    assert story["chair"].name in page


def test_an_edit_made_from_a_stale_page_is_a_conflict_and_nothing_is_written(client, story):
    db.session.execute(
        Action.__table__.update().where(Action.ref == "MAP-002").values(plan_version=2)
    )
    db.session.commit()
    _as(client, "chair")
    response = _post(
        client,
        "/actions/MAP-002/edit",
        {
            "plan_version": "1",
            "title": "Mine",
            "lead_organisation": "trust",
            "reason": "Mine",
        },
    )
    assert response.status_code == 409
    assert "changed by someone else" in _text(response)
    assert 'name="plan_version" type="hidden" value="2"' in _text(response)
    assert _count(ActionEdit) == 0


@pytest.mark.parametrize("who", ["lead", "north_head", "viewer"])
def test_people_who_do_not_run_the_plan_cannot_edit_it(client, story, who):
    _as(client, who)
    assert client.get("/actions/MAP-002/edit").status_code == 403
    assert "Edit action" not in _text(client.get("/actions/MAP-002"))


def test_a_lead_asks_a_chair_approves_and_the_overdue_list_follows(client, story):
    lead = _as(client, "lead")
    assert "MAP-001" in _text(lead.get("/actions/overdue"))
    assert "Request a new target date" in _text(lead.get("/actions/MAP-001"))
    response = _post(
        lead,
        "/actions/MAP-001/target-date",
        {"new_date": "29/4/2016", "reason": "Two posts vacant until April"},
    )
    assert response.status_code == 302
    page = _text(lead.get("/actions/MAP-001"))
    assert "A new target date is waiting for a chair's decision" in page
    assert "Request a new target date" not in page  # one request at a time
    assert "MAP-001" in _text(lead.get("/actions/overdue"))  # the current date stands
    lead.post("/sign-out", data={"csrf_token": csrf_token(lead, "/accessibility")})

    chair = _as(client, "chair")
    listed = _text(chair.get("/date-requests"))
    assert "Two posts vacant until April" in listed and "1 request waiting" in listed
    request_id = db.session.execute(select(TargetDateRequest.id)).scalar_one()
    assert _post(chair, f"/date-requests/{request_id}", {"decision": "approve"}).status_code == 302
    page = _text(chair.get("/actions/MAP-001"))
    assert "Friday 29 April 2016 (re-baselined: first agreed Monday 1 February 2016)" in page
    assert "New target date approved" in page
    assert "MAP-001" not in _text(chair.get("/actions/overdue"))
    rebaselined = _text(chair.get("/actions/rebaselined"))
    assert "MAP-001" in rebaselined and "88" in rebaselined  # days moved
    assert "1 re-baselined" in " ".join(_text(chair.get("/overview")).split()).replace(
        "<strong>", ""
    ).replace("</strong>", "")


def test_refusing_needs_a_note_and_keeps_the_date(client, story):
    _as(client, "north_head")
    _post(client, "/actions/N-01/target-date", {"new_date": "2016-05-27", "reason": "Staffing"})
    client.post("/sign-out", data={"csrf_token": csrf_token(client, "/accessibility")})
    _as(client, "chair")
    request_id = db.session.execute(select(TargetDateRequest.id)).scalar_one()
    response = _post(client, f"/date-requests/{request_id}", {"decision": "refuse"})
    assert response.status_code == 400 and "Say why the request is refused" in _text(response)
    response = _post(
        client, f"/date-requests/{request_id}", {"decision": "refuse", "note": "Not agreed"}
    )
    assert response.status_code == 302
    page = _text(client.get("/actions/N-01"))
    assert "New target date refused" in page and "Not agreed" in page
    assert "Thursday 31 March 2016" in page  # the builder's date stands


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"new_date": "soon", "reason": "x"}, "Enter a date like"),
        ({"new_date": "1/2/2016", "reason": "x"}, "must be different from the current one"),
        ({"new_date": "1/3/2016", "reason": ""}, "Give a reason for moving the date"),
        ({"new_date": "1/3/2016", "reason": "\x00"}, "NUL"),
    ],
)
def test_a_date_request_with_a_mistake_is_shown_and_not_saved(client, story, data, message):
    _as(client, "lead")
    response = _post(client, "/actions/MAP-001/target-date", data)
    assert response.status_code == 400 and message in _text(response)
    assert _count(TargetDateRequest) == 0


@pytest.mark.parametrize(
    ("who", "ref"), [("lead", "N-01"), ("north_head", "MAP-001"), ("chair", "MAP-001")]
)
def test_only_the_lead_or_the_locality_s_head_may_ask(client, story, who, ref):
    _as(client, who)
    assert client.get(f"/actions/{ref}/target-date").status_code == 403
    assert (
        _post(
            client, f"/actions/{ref}/target-date", {"new_date": "1/3/2016", "reason": "x"}
        ).status_code
        == 403
    )
    assert _count(TargetDateRequest) == 0


def test_a_chair_supersedes_an_action_naming_its_replacement(client, story):
    _as(client, "chair")
    response = _post(
        client,
        "/actions/MAP-001/supersede",
        {"version": "1", "superseded_by": "map-404", "reason": "Merged"},
    )
    assert response.status_code == 400 and "There is no action MAP-404" in _text(response)
    response = _post(
        client,
        "/actions/MAP-001/supersede",
        {"version": "1", "superseded_by": "map-002", "reason": "Merged"},
    )
    assert response.status_code == 302
    page = _text(client.get("/actions/MAP-001"))
    assert "Replaced by" in page and 'href="/actions/MAP-002"' in page
    assert "Superseded by MAP-002." in page


def test_an_unknown_request_or_a_huge_id_is_not_found(client, story):
    _as(client, "chair")
    assert client.get("/date-requests/99999").status_code == 404
    assert client.get("/date-requests/99999999999").status_code == 404
    assert client.get("/api/v1/actions/NOPE/date-requests").status_code == 404
