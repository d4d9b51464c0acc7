"""POST /api/v1/actions/{ref}/updates: 201, 400, 401, 403, 404, 409, 415 and 422, and CSRF only
for a session. Every refused write leaves the history exactly as it was."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from tests.conftest import csrf_token, sign_in
from tracker.extensions import db
from tracker.models import AuditEvent, User

PASSWORD = "a-long-test-password"  # the builders' default


def url(ref: str) -> str:
    return f"/api/v1/actions/{ref}/updates"


def update(**overrides) -> dict:
    """A valid update of a builder's action (in progress, green, not yet evidenced, version 1)."""
    return {
        "version": 1,
        "summary": "Exception list checked every morning; two referrals held over the weekend.",
        "lifecycle": "in_progress",
        "rag": "green",
        "impact": "not_yet_evidenced",
    } | overrides


def events(world, kind: str) -> list[AuditEvent]:
    with world.app.app_context():
        rows = list(
            db.session.execute(
                select(AuditEvent).where(AuditEvent.kind == kind).order_by(AuditEvent.id)
            ).scalars()
        )
        db.session.remove()
    return rows


def user_id(world, who: str) -> int:
    with world.app.app_context():
        found = db.session.execute(
            select(User.id).where(User.email == world.emails[who])
        ).scalar_one()
        db.session.remove()
    return found


def assert_problem(response, status: int) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["status"] == status and body["title"] and body["detail"]
    return body


# 201 ---------------------------------------------------------------------------------------------


def test_a_lead_with_a_token_records_an_update_and_gets_201_with_the_action_and_history(world):
    response = world.client("north_head").post(
        url("N-01"), json=update(rag="amber", reason="Two team managers are off sick.")
    )

    assert response.status_code == 201, response.get_json()
    assert response.headers["Location"] == "/api/v1/actions/N-01"
    created = response.get_json()
    assert created == world.client("viewer").get("/api/v1/actions/N-01").get_json()
    assert (created["version"], created["rag"], created["lifecycle"]) == (2, "amber", "in_progress")
    newest, first = created["history"]
    assert newest["version"] == 2 and first["version"] == 1
    assert newest["cause"] == "person" and newest["cycle"] == 3  # 5 February 2016 is in cycle 3
    assert newest["reason"] == "Two team managers are off sick."
    assert newest["changed"] == ["rag", "summary"]
    [event] = events(world, "action_updated")
    assert event.target == "N-01" and event.user_id == user_id(world, "north_head")
    assert event.detail == {"version": 2, "lifecycle": "in_progress", "rag": "amber"}


@pytest.mark.parametrize(
    ("who", "ref", "changes"),
    [
        ("south_head", "S-01", {}),
        ("lead", "M-01", {"impact": "emerging"}),
        ("north_head", "N-02", {"rag": "amber"}),  # unchanged RAG: no reason needed
        ("performance_officer", "M-02", {}),  # roles follow the work: they lead M-02
        ("north_deputy", "N-02", {"rag": "amber"}),  # North's named deputy
        (
            "south_head",
            "S-01",
            {
                "lifecycle": "complete_awaiting_signoff",
                "reason": "Every team now works from the list.",
                "evidence": "Audit of 20 January referrals: all decided within 24 hours.",
            },
        ),
        ("north_head", "N-01", {"summary": "Agreed.", "confirm_unchanged": True}),
    ],
)
def test_everyone_who_may_update_the_action_gets_201(world, who, ref, changes):
    before = world.history_count(ref)
    response = world.client(who).post(url(ref), json=update(**changes))
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["ref"] == ref and body["version"] == 2
    assert body["history"][0]["summary"] == update(**changes)["summary"]
    assert body["history"][0]["evidence"] == changes.get("evidence", "")
    assert world.history_count(ref) == before + 1


def test_no_change_with_an_empty_summary_carries_the_last_one_forward(world):
    response = world.client("north_head").post(
        url("N-01"), json=update(summary="", confirm_unchanged=True)
    )

    assert response.status_code == 201, response.get_json()
    assert response.get_json()["history"][0]["summary"] == "Agreed."


def test_an_empty_summary_without_no_change_is_still_refused(world):
    response = world.client("north_head").post(url("N-01"), json=update(summary=""))

    problem = assert_problem(response, 422)
    assert {p["name"] for p in problem["invalid_params"]} == {"summary"}


# 409 ---------------------------------------------------------------------------------------------


def test_a_stale_version_gets_409_with_what_changed_and_by_whom_and_writes_nothing(world):
    admin_summary = "Checked by the service manager: the list is used every morning."
    deputy = world.client("north_deputy")
    assert deputy.post(url("N-01"), json=update(summary=admin_summary)).status_code == 201
    before = world.history_count()

    response = world.client("north_head").post(url("N-01"), json=update())  # read at version 1

    problem = assert_problem(response, 409)
    assert problem["current_version"] == 2
    [change] = problem["changes"]
    assert change["version"] == 2 and change["summary"] == admin_summary
    assert change["author"] == _name(world, "north_deputy")
    assert world.history_count() == before
    assert len(events(world, "action_updated")) == 1
    # What they typed can be sent again against the version they have now seen.
    again = world.client("north_head").post(url("N-01"), json=update(version=2))
    assert again.status_code == 201 and again.get_json()["version"] == 3


def test_a_version_from_the_future_is_a_conflict_too(world):
    problem = assert_problem(
        world.client("north_head").post(url("N-01"), json=update(version=7)), 409
    )
    assert problem["current_version"] == 1 and problem["changes"] == []


def _name(world, who: str) -> str:
    with world.app.app_context():
        name = db.session.execute(
            select(User.name).where(User.email == world.emails[who])
        ).scalar_one()
        db.session.remove()
    return name


# 422: the shape of the JSON ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "names"),
    [
        ([], {"body"}),
        ("in progress", {"body"}),
        (None, {"body"}),
        (7, {"body"}),
        ({}, {"version", "summary", "lifecycle", "rag", "impact"}),
        ({k: v for k, v in update().items() if k != "version"}, {"version"}),
        ({k: v for k, v in update().items() if k != "rag"}, {"rag"}),
        (update(version="1"), {"version"}),
        (update(version=True), {"version"}),
        (update(version=0), {"version"}),
        (update(version=1.5), {"version"}),
        (update(version=2**31), {"version"}),  # beyond INTEGER: PostgreSQL cannot compare it
        (update(version=10**20), {"version"}),
        (update(rag="purple"), {"rag"}),
        (update(rag="Red"), {"rag"}),
        (update(lifecycle="finished"), {"lifecycle"}),
        (update(impact="huge"), {"impact"}),
        (update(summary=5), {"summary"}),
        (update(summary=None), {"summary"}),
        (update(reason=["a", "list"]), {"reason"}),
        (update(evidence={"an": "object"}), {"evidence"}),
        (update(summary="x" * 4001), {"summary"}),
        (update(confirm_unchanged="yes"), {"confirm_unchanged"}),
        (update(colour="red"), {"colour"}),
        (update(override_prerequisites=True), {"override_prerequisites"}),
        (
            {"version": "one", "rag": "purple", "impact": 3},
            {"version", "summary", "lifecycle", "rag", "impact"},
        ),
    ],
)
def test_json_of_the_wrong_shape_gets_422_naming_each_field_and_writes_nothing(world, body, names):
    before = world.history_count()
    response = world.client("north_head").post(
        url("N-01"), data=json.dumps(body), content_type="application/json"
    )
    problem = assert_problem(response, 422)
    assert {p["name"] for p in problem["invalid_params"]} == names
    assert all(p["reason"] for p in problem["invalid_params"])
    assert world.history_count() == before
    assert events(world, "action_updated") == []


def test_a_whole_version_written_as_1_point_0_is_the_number_1(world):
    # JSON has one kind of number and JSON Schema calls 1.0 an integer (schemathesis sent it).
    response = world.client("north_head").post(
        url("N-01"), data=json.dumps(update(version=1.0)), content_type="application/json"
    )
    assert response.status_code == 201, response.get_json()


# 422: the rules, and the personal-data guard -----------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "names"),
    [
        ({"summary": "   "}, {"summary"}),
        ({"summary": "Agreed."}, {"summary"}),  # last summary again, without confirm_unchanged
        ({"rag": "red"}, {"reason"}),
        ({"rag": None}, {"rag", "reason"}),
        ({"lifecycle": "not_started", "reason": "Starting again."}, {"lifecycle"}),
        ({"lifecycle": "complete_awaiting_signoff", "reason": "Done."}, {"evidence"}),
        (
            {"lifecycle": "closed_evidenced", "rag": None, "reason": "Done.", "evidence": "Audit."},
            {"lifecycle"},  # closing with evidence is a chair's sign-off
        ),
        ({"summary": "Visited child X aged 7 at home"}, {"summary"}),
        ({"rag": "amber", "reason": "NHS no: 123 456 7890 was chased"}, {"reason"}),
        (
            {
                "lifecycle": "complete_awaiting_signoff",
                "reason": "Done.",
                "evidence": "Case ref: AB/1234 audited",
            },
            {"evidence"},
        ),
        ({"summary": "", "rag": "red"}, {"summary", "reason"}),
    ],
)
def test_an_update_the_rules_refuse_gets_422_naming_each_field_and_writes_nothing(
    world, changes, names
):
    before = world.history_count()
    problem = assert_problem(
        world.client("north_head").post(url("N-01"), json=update(**changes)), 422
    )
    assert {p["name"] for p in problem["invalid_params"]} == names
    for param in problem["invalid_params"]:
        assert param["reason"] in problem["detail"]
    assert world.history_count() == before
    assert events(world, "action_updated") == []


def test_the_personal_data_guard_says_why_the_text_was_held_back(world):
    problem = assert_problem(
        world.client("north_head").post(
            url("N-01"), json=update(summary="Visited child X aged 7 at home")
        ),
        422,
    )
    [param] = problem["invalid_params"]
    assert "child X aged 7" in param["reason"]


def test_a_closed_action_cannot_be_updated(world):
    from tests.builders import make_action

    with world.app.app_context():
        make_action(ref="N-09", plan="north", lifecycle="closed_evidenced", rag=None)
        db.session.commit()
        db.session.remove()
    problem = assert_problem(world.client("north_head").post(url("N-09"), json=update()), 422)
    assert [p["name"] for p in problem["invalid_params"]] == ["lifecycle"]
    assert world.history_count("N-09") == 1


# 400 and 415: not JSON ---------------------------------------------------------------------------


def test_a_body_that_is_not_valid_json_gets_400(world):
    response = world.client("north_head").post(
        url("N-01"), data='{"version": 1,', content_type="application/json"
    )
    problem = assert_problem(response, 400)
    assert problem["invalid_params"][0]["name"] == "body"
    assert world.history_count("N-01") == 1


def test_a_form_instead_of_json_gets_415(world):
    response = world.client("north_head").post(url("N-01"), data={"version": "1"})
    assert_problem(response, 415)
    assert world.history_count("N-01") == 1


# 401, 403, 404 -----------------------------------------------------------------------------------


def test_a_wrong_or_revoked_token_gets_401_problem_json(world):
    client = world.app.test_client()
    response = client.post(
        url("N-01"), json=update(), headers={"Authorization": "Bearer trk_not-a-token"}
    )
    assert_problem(response, 401)
    assert world.history_count("N-01") == 1


def test_a_signed_out_session_with_a_csrf_token_gets_401(world):
    client = world.app.test_client()
    token = csrf_token(client, "/sign-in")
    assert_problem(client.post(url("N-01"), json=update(), headers={"X-CSRFToken": token}), 401)


def test_a_request_with_neither_token_nor_session_gets_401_not_a_csrf_400(world):
    # Issue 12.5: nobody is signed in, so there is nothing to forge; the answer is "sign in".
    problem = assert_problem(world.app.test_client().post(url("N-01"), json=update()), 401)
    assert "Bearer" in problem["detail"]
    assert world.history_count("N-01") == 1


def test_a_request_with_a_stranger_session_cookie_and_no_token_gets_401(world):
    client = world.app.test_client()
    client.set_cookie("session", "not-a-signed-session")
    assert_problem(client.post(url("N-01"), json=update()), 401)
    assert world.history_count("N-01") == 1


@pytest.mark.parametrize(
    ("who", "ref"),
    [
        ("north_head", "S-01"),  # another locality's action
        ("south_head", "N-01"),
        ("lead", "N-01"),  # an action lead, not this action's
        ("other_lead", "M-01"),
        ("chair", "N-01"),  # chairs, viewers and performance officers update nothing
        ("viewer", "N-01"),
        ("performance_officer", "M-01"),  # not theirs: they lead M-02
        ("admin", "N-01"),  # separation of duties: the admin manages people, not plans
        ("north_deputy", "S-01"),  # a deputy for North only
    ],
)
def test_someone_who_may_not_update_the_action_gets_403_and_an_audit_event(world, who, ref):
    reader = world.client("viewer")
    before = reader.get(f"/api/v1/actions/{ref}").get_json()

    problem = assert_problem(world.client(who).post(url(ref), json=update()), 403)

    assert problem["status"] == 403
    [event] = events(world, "permission_refused")
    assert event.target == f"/api/v1/actions/{ref}/updates"
    assert event.user_id == user_id(world, who)
    assert event.detail == {"permission": "action.update", "method": "POST"}
    assert reader.get(f"/api/v1/actions/{ref}").get_json() == before
    assert world.history_count(ref) == 1


def test_a_north_head_posting_to_a_south_action_is_refused_before_the_body_is_read(world):
    # 403, not 422: nobody learns what a valid update of an action they may not touch looks like.
    assert_problem(world.client("north_head").post(url("S-01"), json={}), 403)
    assert_problem(world.client("north_head").post(url("S-01"), data="x"), 403)
    assert len(events(world, "permission_refused")) == 2


def test_an_unknown_ref_gets_404_problem_json(world):
    before = world.history_count()
    problem = assert_problem(world.client("north_head").post(url("NOPE-1"), json=update()), 404)
    assert "NOPE-1" in problem["detail"]
    assert world.history_count() == before


# CSRF: a session needs a token, a bearer token does not ------------------------------------------


def _signed_in(world, who: str):
    client = world.app.test_client()
    sign_in(client, world.emails[who], PASSWORD)
    return client


def test_a_session_post_without_a_csrf_token_gets_400_and_writes_nothing(world):
    client = _signed_in(world, "north_head")
    problem = assert_problem(client.post(url("N-01"), json=update()), 400)
    assert "expired" in problem["detail"]
    assert world.history_count("N-01") == 1


def test_a_session_post_with_a_wrong_csrf_token_gets_400(world):
    client = _signed_in(world, "north_head")
    response = client.post(url("N-01"), json=update(), headers={"X-CSRFToken": "not-the-token"})
    assert_problem(response, 400)
    assert world.history_count("N-01") == 1


def test_a_session_post_with_the_csrf_token_in_x_csrftoken_gets_201(world):
    client = _signed_in(world, "north_head")
    token = csrf_token(client, "/accessibility")
    response = client.post(url("N-01"), json=update(), headers={"X-CSRFToken": token})
    assert response.status_code == 201, response.get_json()
    assert world.history_count("N-01") == 2


def test_a_bearer_token_needs_no_csrf_token(world):
    response = world.client("north_head").post(url("N-01"), json=update())
    assert response.status_code == 201
    assert "Set-Cookie" not in response.headers  # a token call starts no session


def test_a_session_cannot_skip_the_csrf_check_by_adding_an_authorization_header(world):
    # The session signs this request in, so it is the session that needs the CSRF token.
    client = _signed_in(world, "north_head")
    response = client.post(
        url("N-01"), json=update(), headers={"Authorization": "Bearer trk_made-up"}
    )
    assert_problem(response, 400)
    assert world.history_count("N-01") == 1
