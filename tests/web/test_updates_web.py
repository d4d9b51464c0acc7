"""The update page, chairs' sign-off pages and the dependency forms, through the test client."""

from __future__ import annotations

import html as htmllib
import re
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from tests.builders import add_evidence, add_update, depends, make_action, make_cycles, make_user
from tests.conftest import csrf_token, sign_in
from tracker.domain.personal_data import personal_data_message
from tracker.extensions import db
from tracker.models import ActionDependency, ActionUpdate, AuditEvent

PASSWORD = "a-long-test-password"
EMAILS = {
    "lead": "lead@trust.example",
    "other_lead": "other.lead@trust.example",
    "north_head": "north.head@trust.example",
    "south_head": "south.head@trust.example",
    "chair": "chair@trust.example",
    "admin": "admin@trust.example",
    "viewer": "viewer@council.example",
}


@pytest.fixture
def story(clean_db):
    """A lead's main-plan action, one awaiting sign-off, a North and a South action."""
    make_cycles(upto=4)
    people = {
        "lead": make_user(role="action_lead", email=EMAILS["lead"]),
        "other_lead": make_user(role="action_lead", email=EMAILS["other_lead"]),
        "north_head": make_user(role="locality_head", locality="north", email=EMAILS["north_head"]),
        "south_head": make_user(role="locality_head", locality="south", email=EMAILS["south_head"]),
        "chair": make_user(role="chair", email=EMAILS["chair"]),
        "admin": make_user(role="admin", email=EMAILS["admin"]),
        "viewer": make_user(role="viewer", email=EMAILS["viewer"]),
    }
    lead = people["lead"]
    actions = {
        "MAP-001": make_action(ref="MAP-001", lead=lead, target_date=date(2016, 3, 1)),
        "MAP-002": make_action(ref="MAP-002", lead=lead, target_date=date(2016, 4, 1)),
        "MAP-003": make_action(ref="MAP-003", lead=lead, rag="amber"),
        "N-01": make_action(ref="N-01", plan="north"),
        "S-01": make_action(ref="S-01", plan="south"),
    }
    done = add_update(
        actions["MAP-003"],
        recorded_at=datetime(2016, 2, 1, 10, tzinfo=UTC),
        lifecycle="complete_awaiting_signoff",
        rag="amber",
        summary="Audit complete.",
        reason="Audit done",
        author=lead,
    )
    done.evidence = "Audit report to the February board."
    add_evidence(actions["MAP-003"])  # closing with evidence needs an item
    db.session.commit()
    return {"people": people, "actions": actions}


def _as(client, who: str):
    sign_in(client, EMAILS[who], PASSWORD)
    return client


def _text(response) -> str:
    return htmllib.unescape(response.get_data(as_text=True))


def _hidden_version(page: str) -> str:
    tag = re.search(r'<input[^>]*name="version"[^>]*>', page).group(0)
    return re.search(r'value="(\d+)"', tag).group(1)


def _form(client, **overrides) -> dict:
    data = {
        "csrf_token": csrf_token(client, "/accessibility"),  # one token for the session
        "version": "1",
        "summary": "Audit of strategy meetings done; findings to the March board.",
        "rag": "green",
        "lifecycle": "in_progress",
        "impact": "not_yet_evidenced",
        "reason": "",
        "evidence": "",
    }
    return data | overrides


def _history_count(ref_action) -> int:
    return db.session.execute(
        select(func.count()).where(ActionUpdate.action_id == ref_action.id)
    ).scalar_one()


def _refusals() -> list[AuditEvent]:
    return list(
        db.session.execute(
            select(AuditEvent).where(AuditEvent.kind == "permission_refused")
        ).scalars()
    )


# --- the update page ----------------------------------------------------------------------------


def test_the_lead_sees_the_update_form_with_the_actions_version_and_state(client, story):
    response = _as(client, "lead").get("/actions/MAP-001/update")

    page = _text(response)
    assert response.status_code == 200
    assert _hidden_version(page) == "1"
    assert "Last update" in page and "“Agreed.”" in page
    assert '<option value="in_progress" selected>' in page
    assert 'value="closed_evidenced"' not in page  # a lead cannot close: it is not offered


def test_a_valid_update_redirects_to_the_action_with_a_flash_and_records_history(client, story):
    _as(client, "lead")

    response = client.post("/actions/MAP-001/update", data=_form(client))

    assert response.status_code == 302
    assert response.headers["Location"] == "/actions/MAP-001"
    page = _text(client.get("/actions/MAP-001"))
    assert "MAP-001 updated." in page
    assert "Audit of strategy meetings done" in page
    assert _history_count(story["actions"]["MAP-001"]) == 2


def test_invalid_input_gets_400_an_error_summary_linking_to_each_field_and_keeps_the_text(
    client, story
):
    _as(client, "lead")
    data = _form(
        client,
        summary="",
        rag="red",
        lifecycle="complete_awaiting_signoff",
        evidence="Typed evidence that must survive",
    )

    response = client.post("/actions/MAP-001/update", data=data)

    page = _text(response)
    assert response.status_code == 400
    assert "govuk-error-summary" in page
    assert "<title>Error:" in page
    for field, message in [
        ("summary", "Enter a progress summary"),
        ("reason", "Give a reason for changing the RAG rating or lifecycle"),
    ]:
        assert f'href="#{field}"' in page
        assert message in page
    assert "Typed evidence that must survive</textarea>" in page
    assert '<option value="red" selected>' in page
    assert _history_count(story["actions"]["MAP-001"]) == 1


def test_a_rag_change_without_a_reason_keeps_the_typed_summary(client, story):
    _as(client, "lead")
    data = _form(client, summary="Recruitment has stalled again.", rag="red")

    response = client.post("/actions/MAP-001/update", data=data)

    page = _text(response)
    assert response.status_code == 400
    assert 'href="#reason"' in page
    assert "Recruitment has stalled again.</textarea>" in page


@pytest.mark.parametrize(
    ("lifecycle", "message"),
    [
        ("closed_evidenced", "An action cannot go from in progress to closed"),
        ("not_started", "An action cannot go from in progress to not started"),
        ("purple", "Not a valid choice"),
    ],
)
def test_a_lifecycle_move_the_rules_forbid_is_refused_on_the_lifecycle_field(
    client, story, lifecycle, message
):
    _as(client, "lead")
    data = _form(client, lifecycle=lifecycle, rag="", reason="Done")

    response = client.post("/actions/MAP-001/update", data=data)

    page = _text(response)
    assert response.status_code == 400
    assert 'href="#lifecycle"' in page and message in page
    assert 'value="closed_evidenced"' not in page  # the redrawn form offers only allowed moves
    assert _history_count(story["actions"]["MAP-001"]) == 1


def test_child_level_data_is_held_back_with_the_guards_warning(client, story):
    _as(client, "lead")
    summary = "Visited child X aged 7 at home."

    response = client.post("/actions/MAP-001/update", data=_form(client, summary=summary))

    page = _text(response)
    assert response.status_code == 400
    assert personal_data_message(summary) in page
    assert 'href="#summary"' in page
    assert _history_count(story["actions"]["MAP-001"]) == 1


def test_a_stale_version_gets_409_showing_who_changed_what_and_keeping_the_typing(client, story):
    _as(client, "lead")
    data = _form(client, summary="My careful fortnightly summary.")
    add_update(
        story["actions"]["MAP-001"],
        recorded_at=datetime(2016, 2, 5, 9, 15, tzinfo=UTC),
        rag="red",
        summary="Escalated to the Getting to Good board.",
        reason="Panel cancelled",
        author=story["people"]["admin"],
    )
    db.session.commit()

    response = client.post("/actions/MAP-001/update", data=data)

    page = _text(response)
    assert response.status_code == 409
    assert "Someone else updated this action" in page
    assert story["people"]["admin"].name in page
    assert "Escalated to the Getting to Good board." in page
    assert "RAG red" in page and "Panel cancelled" in page
    assert "My careful fortnightly summary.</textarea>" in page
    assert _history_count(story["actions"]["MAP-001"]) == 2


def test_after_a_conflict_the_form_carries_the_new_version_so_saving_again_works(client, story):
    _as(client, "lead")
    data = _form(client, summary="My careful fortnightly summary.")
    add_update(story["actions"]["MAP-001"], recorded_at=datetime(2016, 2, 5, 9, tzinfo=UTC))
    db.session.commit()
    conflict = client.post("/actions/MAP-001/update", data=data)
    assert conflict.status_code == 409

    assert _hidden_version(_text(conflict)) == "2"
    again = client.post(
        "/actions/MAP-001/update", data=data | {"version": _hidden_version(_text(conflict))}
    )

    assert again.status_code == 302
    assert _history_count(story["actions"]["MAP-001"]) == 3


def test_a_post_without_a_csrf_token_is_400_and_writes_nothing(client, story):
    _as(client, "lead")
    data = _form(client)
    del data["csrf_token"]

    response = client.post("/actions/MAP-001/update", data=data)

    assert response.status_code == 400
    assert _history_count(story["actions"]["MAP-001"]) == 1


@pytest.mark.parametrize(
    ("who", "ref"),
    [("other_lead", "MAP-001"), ("north_head", "S-01"), ("south_head", "N-01")],
)
def test_someone_else_posting_an_update_gets_403_an_audit_event_and_nothing_changes(
    client, story, who, ref
):
    _as(client, who)
    data = _form(client)

    response = client.post(f"/actions/{ref}/update", data=data)

    assert response.status_code == 403
    assert _history_count(story["actions"][ref]) == 1
    [refusal] = _refusals()
    assert refusal.detail["permission"] == "action.update"
    assert refusal.target == f"/actions/{ref}/update"


@pytest.mark.parametrize("who", ["chair", "viewer"])
def test_people_who_do_not_update_actions_cannot_open_the_form(client, story, who):
    assert _as(client, who).get("/actions/MAP-001/update").status_code == 403


def test_a_north_head_updates_a_north_action_from_its_page(client, story):
    _as(client, "north_head")

    response = client.post("/actions/N-01/update", data=_form(client))

    assert response.status_code == 302
    assert _history_count(story["actions"]["N-01"]) == 2


def test_an_unknown_action_is_404(client, story):
    assert _as(client, "lead").get("/actions/MAP-999/update").status_code == 404


# --- sign-off -----------------------------------------------------------------------------------


def _sign_off_form(client, **overrides) -> dict:
    data = {
        "csrf_token": csrf_token(client, "/actions/MAP-003/sign-off"),
        "version": "2",
        "decision": "close",
        "reason": "Audit report seen at the board.",
    }
    return data | overrides


def test_chairs_see_what_is_waiting_and_for_how_many_working_days(client, story):
    response = _as(client, "chair").get("/sign-off")

    page = _text(response)
    assert response.status_code == 200
    assert "MAP-003" in page and "MAP-001" not in page
    assert "1 action awaiting sign-off" in page
    assert "1 February 2016 at 10:00" in page
    assert '<td class="govuk-table__cell govuk-table__cell--numeric">4</td>' in page
    assert "Audit report to the February board." in page


@pytest.mark.parametrize("who", ["lead", "north_head", "viewer"])
def test_only_chairs_and_admins_may_open_the_sign_off_pages(client, story, who):
    _as(client, who)
    assert client.get("/sign-off").status_code == 403
    assert client.get("/actions/MAP-003/sign-off").status_code == 403


def test_a_chair_signs_off_an_action_and_it_closes(client, story):
    _as(client, "chair")
    page = _text(client.get("/actions/MAP-003/sign-off"))
    assert "waiting 4 working days" in page

    response = client.post("/actions/MAP-003/sign-off", data=_sign_off_form(client))

    assert response.status_code == 302
    assert response.headers["Location"] == "/actions/MAP-003"
    assert "MAP-003 signed off and closed." in _text(client.get("/actions/MAP-003"))
    latest = db.session.execute(
        select(ActionUpdate).order_by(ActionUpdate.id.desc()).limit(1)
    ).scalar_one()
    assert (latest.lifecycle, latest.rag) == ("closed_evidenced", None)


def test_a_chair_returns_an_action_to_its_lead(client, story):
    _as(client, "chair")
    data = _sign_off_form(client, decision="return", reason="Needs the re-audit")

    response = client.post("/actions/MAP-003/sign-off", data=data)

    assert response.status_code == 302
    assert "MAP-003 returned to its lead." in _text(client.get("/actions/MAP-003"))


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"decision": ""}, "decision", "Choose whether to sign off or return the action"),
        ({"decision": "return", "reason": ""}, "reason", "Give a reason for your decision"),
        ({"reason": "   "}, "reason", "Give a reason for your decision"),
    ],
)
def test_an_incomplete_decision_gets_400_and_an_error_summary(
    client, story, overrides, field, message
):
    _as(client, "chair")

    response = client.post("/actions/MAP-003/sign-off", data=_sign_off_form(client, **overrides))

    page = _text(response)
    assert response.status_code == 400
    assert f'href="#{field}"' in page and message in page
    assert _history_count(story["actions"]["MAP-003"]) == 2


def test_signing_off_an_action_changed_since_the_page_was_drawn_gets_409(client, story):
    _as(client, "chair")
    data = _sign_off_form(client)
    add_update(
        story["actions"]["MAP-003"],
        recorded_at=datetime(2016, 2, 5, 9, tzinfo=UTC),
        lifecycle="complete_awaiting_signoff",
        rag="amber",
        summary="Added the February audit.",
        author=story["people"]["lead"],
    )
    db.session.commit()

    response = client.post("/actions/MAP-003/sign-off", data=data)

    page = _text(response)
    assert response.status_code == 409
    assert "Added the February audit." in page
    assert _hidden_version(page) == "3"
    again = client.post("/actions/MAP-003/sign-off", data=data | {"version": "3"})
    assert again.status_code == 302


def test_closing_over_an_open_prerequisite_is_refused_on_the_page_unless_overridden(client, story):
    depends(story["actions"]["MAP-003"], story["actions"]["MAP-002"])
    db.session.commit()
    _as(client, "chair")
    page = _text(client.get("/actions/MAP-003/sign-off"))
    assert "It depends on actions not yet closed: MAP-002." in page
    assert 'name="override_prerequisites"' in page

    refused = client.post("/actions/MAP-003/sign-off", data=_sign_off_form(client))
    assert refused.status_code == 400
    assert "MAP-002" in _text(refused) and 'href="#decision"' in _text(refused)

    data = _sign_off_form(client, override_prerequisites="y", reason="MAP-002 is the Council's")
    assert client.post("/actions/MAP-003/sign-off", data=data).status_code == 302


# --- dependencies -------------------------------------------------------------------------------


def _dependency(client, ref, prerequisite):
    token = csrf_token(client, f"/actions/{ref}")
    return client.post(
        f"/actions/{ref}/dependencies", data={"csrf_token": token, "prerequisite": prerequisite}
    )


@pytest.mark.parametrize(
    ("prerequisite", "message"),
    [
        ("", "Enter the ref of an action"),
        ("MAP-999", "There is no action MAP-999"),
        ("MAP-001", "An action cannot depend on itself"),
        ("MAP-002", "That would make a loop of dependencies: MAP-001 depends on MAP-002"),
    ],
)
def test_a_refused_dependency_re_renders_the_action_page_with_an_error_summary(
    client, story, prerequisite, message
):
    depends(story["actions"]["MAP-002"], story["actions"]["MAP-001"])
    db.session.commit()
    _as(client, "lead")

    response = _dependency(client, "MAP-001", prerequisite)

    page = _text(response)
    assert response.status_code == 400
    assert "govuk-error-summary" in page and 'href="#prerequisite"' in page
    assert message in page
    assert "MAP-001" in page  # still the action page
    assert db.session.execute(select(func.count(ActionDependency.id))).scalar_one() == 1


def test_adding_a_dependency_with_a_date_clash_flashes_the_clash_and_moves_no_dates(client, story):
    _as(client, "lead")

    response = _dependency(client, "MAP-001", "map-002")

    assert response.status_code == 302
    assert response.headers["Location"] == "/actions/MAP-001#dependencies"
    page = _text(client.get("/actions/MAP-001"))
    assert "MAP-001 now depends on MAP-002." in page
    assert "Date clash: MAP-001 is due before MAP-002." in page
    assert story["actions"]["MAP-001"].target_date == date(2016, 3, 1)


def test_removing_a_dependency_redirects_with_a_flash(client, story):
    depends(story["actions"]["MAP-001"], story["actions"]["MAP-002"])
    db.session.commit()
    _as(client, "lead")
    token = csrf_token(client, "/actions/MAP-001")

    response = client.post(
        "/actions/MAP-001/dependencies/remove",
        data={"csrf_token": token, "prerequisite": "MAP-002"},
    )

    assert response.status_code == 302
    assert "MAP-001 no longer depends on MAP-002." in _text(client.get("/actions/MAP-001"))
    assert db.session.execute(select(func.count(ActionDependency.id))).scalar_one() == 0


def test_removing_a_dependency_that_is_not_there_is_404(client, story):
    _as(client, "lead")
    token = csrf_token(client, "/actions/MAP-001")

    response = client.post(
        "/actions/MAP-001/dependencies/remove",
        data={"csrf_token": token, "prerequisite": "MAP-002"},
    )

    assert response.status_code == 404


def test_a_north_head_cannot_add_a_dependency_to_a_south_action(client, story):
    _as(client, "north_head")

    response = _dependency(client, "S-01", "N-01")

    assert response.status_code == 403
    assert db.session.execute(select(func.count(ActionDependency.id))).scalar_one() == 0
    assert [e.target for e in _refusals()] == ["/actions/S-01/dependencies"]


def test_a_lifecycle_overtaken_by_someone_elses_change_is_a_conflict_not_a_bad_choice(
    client, story
):
    """Drawn when the action was not started; meanwhile it moved to in progress, so 'not
    started' is no longer a move anyone may make. The person must see the conflict (who changed
    what) rather than 'Not a valid choice'."""
    action = make_action(ref="MAP-004", lead=story["people"]["lead"], lifecycle="not_started")
    db.session.commit()
    _as(client, "lead")
    data = _form(client, lifecycle="not_started", summary="Planning the audit with the team.")
    add_update(
        action,
        recorded_at=datetime(2016, 2, 5, 9, tzinfo=UTC),
        lifecycle="in_progress",
        summary="Started by the deputy.",
        reason="Deputy began the work",
        author=story["people"]["admin"],
    )
    db.session.commit()

    response = client.post("/actions/MAP-004/update", data=data)

    page = _text(response)
    assert response.status_code == 409
    assert "Started by the deputy." in page
    assert "Planning the audit with the team.</textarea>" in page
