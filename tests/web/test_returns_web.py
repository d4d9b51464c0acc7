"""The locality return pages through the test client, and the returns derived from the seed."""

from __future__ import annotations

import html as htmllib
import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from tests.builders import add_update, make_action, make_cycles, make_user
from tests.conftest import csrf_token, sign_in
from tracker.domain.calendar import LONDON
from tracker.domain.personal_data import personal_data_message
from tracker.extensions import db
from tracker.models import (
    Action,
    ActionUpdate,
    AuditEvent,
    Locality,
    LocalityReturn,
    Plan,
    ReturnDraft,
    UpdateCycle,
    User,
)
from tracker.services.loop import returns as return_service

PASSWORD = "a-long-test-password"
HEAD = "north.head@trust.example"
SOUTH_HEAD = "south.head@trust.example"
VIEWER = "viewer@council.example"
OPEN_REFS = ["N-01", "N-02", "N-03"]
CLOSED_VALUES = {"closed_evidenced", "superseded"}
RETURN = "/returns/north/3"  # the demo's today, Friday 5 February 2016, is in cycle 3


@pytest.fixture
def north(clean_db):
    """North with three open actions and one closed; South with one; cycles 1 to 4."""
    cycles = make_cycles(upto=4)
    people = {
        "head": make_user(role="locality_head", locality="north", email=HEAD),
        "south_head": make_user(role="locality_head", locality="south", email=SOUTH_HEAD),
        "viewer": make_user(role="viewer", email=VIEWER),
        "admin": make_user(role="admin"),
    }
    actions = {
        "N-01": make_action(ref="N-01", plan="north"),
        "N-02": make_action(ref="N-02", plan="north", rag="amber"),
        "N-03": make_action(ref="N-03", plan="north", rag="red", impact="emerging"),
        "N-04": make_action(ref="N-04", plan="north", lifecycle="closed_evidenced", rag=None),
        "S-01": make_action(ref="S-01", plan="south"),
    }
    db.session.commit()
    return {"cycles": cycles, "people": people, "actions": actions}


def _text(response) -> str:
    return htmllib.unescape(response.get_data(as_text=True))


def _form(client, button="submit", versions=None, **per_ref) -> dict:
    """What the return form posts: every open North action, each valid unless overridden."""
    data = {"csrf_token": csrf_token(client, "/accessibility"), button: "y"}
    rags = {"N-01": "green", "N-02": "amber", "N-03": "red"}
    for i, ref in enumerate(OPEN_REFS):
        values = {
            "ref": ref,
            "version": str((versions or {}).get(ref, 1)),
            "summary": f"{ref}: progress agreed at the North locality meeting.",
            "lifecycle": "in_progress",
            "rag": rags[ref],
            "impact": "emerging" if ref == "N-03" else "not_yet_evidenced",
            "reason": "",
            "evidence": "",
        }
        values |= per_ref.get(ref.replace("-", "_"), {})
        data |= {f"entries-{i}-{k}": v for k, v in values.items() if v is not None}
    return data


def _updates() -> int:
    return db.session.execute(select(func.count(ActionUpdate.id))).scalar_one()


def _sign_out(client) -> None:
    client.post("/sign-out", data={"csrf_token": csrf_token(client, "/accessibility")})


def test_a_locality_head_opening_returns_goes_to_this_fortnights_return(client, north):
    sign_in(client, HEAD, PASSWORD)

    response = client.get("/returns")

    assert response.status_code == 302
    assert response.headers["Location"] == RETURN


def test_the_return_has_one_entry_per_open_action_with_jump_links(client, north):
    sign_in(client, HEAD, PASSWORD)

    response = client.get(RETURN)

    page = _text(response)
    assert response.status_code == 200
    assert "Open actions (3)" in page
    assert len(re.findall(r'name="entries-\d+-summary"', page)) == 3
    for i, ref in enumerate(OPEN_REFS):
        assert f'href="#action-{ref}"' in page
        assert f'id="action-{ref}"' in page
        assert f'name="entries-{i}-ref" type="hidden" value="{ref}"' in page
    assert "N-04" not in page and "S-01" not in page
    assert '<option value="amber" selected>' in page  # N-02 pre-filled with its last RAG
    assert "Not started" in page  # status of the return
    assert 'value="closed_evidenced"' not in page  # closing is a chair's sign-off


def test_a_saved_draft_is_there_after_signing_out_and_in_again(client, north):
    sign_in(client, HEAD, PASSWORD)
    data = _form(
        client,
        button="save",
        N_02={"summary": "Half-written: waiting for the audit figures.", "rag": "red"},
        N_03={"summary": ""},
    )

    response = client.post(RETURN, data=data)

    assert response.status_code == 302
    assert response.headers["Location"] == RETURN
    assert "Draft saved." in _text(client.get(RETURN))
    _sign_out(client)
    sign_in(client, HEAD, PASSWORD)
    page = _text(client.get(RETURN))
    assert "Half-written: waiting for the audit figures.</textarea>" in page
    assert "Draft saved" in page and "Person" in page
    n02 = page[page.index('id="action-N-02"') : page.index('id="action-N-03"')]
    assert '<option value="red" selected>' in n02
    assert _updates() == len(north["actions"])


def test_submitting_with_an_error_lists_each_problem_by_action_linking_to_its_field(client, north):
    sign_in(client, HEAD, PASSWORD)
    data = _form(
        client,
        N_01={"summary": ""},
        N_03={"rag": "amber", "summary": "Posts filled; two starters in March."},
    )

    response = client.post(RETURN, data=data)

    page = _text(response)
    assert response.status_code == 400
    assert "govuk-error-summary" in page
    assert '<a href="#entries-0-summary">N-01: Enter a progress summary</a>' in page
    assert (
        '<a href="#entries-2-reason">N-03: Give a reason for changing the RAG rating or lifecycle'
        in page
    )
    assert "Posts filled; two starters in March.</textarea>" in page
    assert _updates() == len(north["actions"])
    assert db.session.execute(select(func.count(LocalityReturn.id))).scalar_one() == 0


def test_an_invalid_choice_is_reported_against_its_action(client, north):
    sign_in(client, HEAD, PASSWORD)

    response = client.post(RETURN, data=_form(client, N_02={"rag": "purple"}))

    page = _text(response)
    assert response.status_code == 400
    assert 'href="#entries-1-rag"' in page and "N-02: " in page
    assert _updates() == len(north["actions"])


def test_child_level_data_is_held_back_from_a_draft_and_everything_else_is_saved(client, north):
    sign_in(client, HEAD, PASSWORD)
    summary = "Discussed case no. 12345 at panel."

    response = client.post(RETURN, data=_form(client, button="save", N_01={"summary": summary}))

    page = _text(response)
    assert response.status_code == 400
    assert f"N-01: {personal_data_message(summary)}" in page
    assert 'href="#entries-0-summary"' in page
    banner = page[page.index('id="held-back"') : page.index("</div>", page.index('id="held-back"'))]
    assert "N-01</a>: the progress summary was not saved" in banner
    assert "Saved: N-01 (without the text above), N-02, N-03." in banner
    assert f"{summary}</textarea>" in page  # kept on screen to correct, never stored
    drafts = db.session.execute(select(ReturnDraft.fields)).scalars().all()
    assert len(drafts) == 3 and not any(summary in str(fields) for fields in drafts)


def test_a_valid_submission_writes_history_and_the_page_then_shows_it_submitted(client, north):
    sign_in(client, HEAD, PASSWORD)

    response = client.post(RETURN, data=_form(client))

    assert response.status_code == 302
    page = _text(client.get(RETURN))
    assert "Return submitted: 3 actions updated." in page
    assert "Submitted 5 February 2016" in page
    # Read-only now, and what was submitted (from the history), not the current state.
    assert "As submitted on 5 February 2016" in page
    assert 'name="entries-0-summary"' not in page
    cycle3 = db.session.execute(select(UpdateCycle).where(UpdateCycle.number == 3)).scalar_one()
    rows = (
        db.session.execute(select(ActionUpdate).where(ActionUpdate.cycle_id == cycle3.id))
        .scalars()
        .all()
    )
    assert len(rows) == 3
    assert {r.author_id for r in rows} == {north["people"]["head"].id}
    record = db.session.execute(select(LocalityReturn)).scalar_one()
    assert (record.status, record.late) == ("submitted", False)


def test_sending_a_submitted_return_again_is_refused(client, north):
    sign_in(client, HEAD, PASSWORD)
    data = _form(client)
    assert client.post(RETURN, data=data).status_code == 302

    response = client.post(RETURN, data=data)

    assert response.status_code == 400
    assert "This return has already been submitted" in _text(response)
    assert _updates() == len(north["actions"]) + 3


def test_a_stale_action_gets_409_with_who_changed_it_and_the_typing_kept(client, north):
    sign_in(client, HEAD, PASSWORD)
    data = _form(client, N_02={"summary": "My words for N-02."})
    add_update(
        north["actions"]["N-02"],
        recorded_at=datetime(2016, 2, 5, 9, tzinfo=UTC),
        rag="red",  # the form, drawn before, keeps N-02's amber: the two disagree
        summary="Corrected by the performance team.",
        author=north["people"]["admin"],
    )
    db.session.commit()
    admin_name = north["people"]["admin"].name

    response = client.post(RETURN, data=data)

    page = _text(response)
    assert response.status_code == 409
    assert "Some actions were updated by someone else" in page
    assert 'href="#action-N-02"' in page
    assert admin_name in page and "Corrected by the performance team." in page
    assert "My words for N-02.</textarea>" in page
    assert 'name="entries-1-version" type="hidden" value="2"' in page
    assert _updates() == len(north["actions"]) + 1

    # Sent again at the version it was shown, keeping amber over their red: a RAG change now.
    again = client.post(
        RETURN,
        data=data | {"entries-1-version": "2", "entries-1-reason": "The new provider started."},
    )
    assert again.status_code == 302


def test_a_narrative_change_since_the_form_was_drawn_is_written_under_and_named(client, north):
    sign_in(client, HEAD, PASSWORD)
    data = _form(client, N_02={"summary": "My words for N-02."})
    add_update(  # their summary only: N-02's state is as the form showed it
        north["actions"]["N-02"],
        recorded_at=datetime(2016, 2, 5, 9, tzinfo=UTC),
        rag="amber",
        summary="A note from the performance team.",
        author=north["people"]["admin"],
    )
    db.session.commit()

    response = client.post(RETURN, data=data, follow_redirects=True)

    page = _text(response)
    assert response.status_code == 200
    assert "Return submitted" in page
    assert "Someone else updated N-02 after you opened this return" in page
    assert _updates() == len(north["actions"]) + 1 + len(OPEN_REFS)


def test_a_conflict_the_service_cannot_attribute_still_tells_the_person(client, north, monkeypatch):
    """Two writers at the same moment can leave no single action to name: the page must still
    say nothing was submitted, never look like an ordinary 200."""

    def clash(*args, **kwargs):
        raise return_service.ReturnConflict({})

    monkeypatch.setattr(return_service, "submit_return", clash)
    sign_in(client, HEAD, PASSWORD)

    response = client.post(RETURN, data=_form(client))

    assert response.status_code == 409
    assert "Nothing was submitted" in _text(response)


def test_another_localitys_head_posting_to_this_return_gets_403_and_an_audit_event(client, north):
    sign_in(client, SOUTH_HEAD, PASSWORD)

    response = client.post(RETURN, data=_form(client))

    assert response.status_code == 403
    assert _updates() == len(north["actions"])
    refusal = db.session.execute(
        select(AuditEvent).where(AuditEvent.kind == "permission_refused")
    ).scalar_one()
    assert refusal.detail["permission"] == "return.submit"
    assert refusal.target == RETURN
    assert refusal.user_id == north["people"]["south_head"].id


def test_viewers_see_the_return_as_a_read_only_table(client, north):
    sign_in(client, VIEWER, PASSWORD)

    response = client.get(RETURN)

    page = _text(response)
    assert response.status_code == 200
    assert "Current state of each open action" in page
    assert 'name="entries-0-summary"' not in page and "Submit return" not in page
    for ref in OPEN_REFS:
        assert f'id="action-{ref}"' in page


def test_viewers_see_the_grid_of_every_return(client, north):
    sign_in(client, VIEWER, PASSWORD)

    response = client.get("/returns")

    page = _text(response)
    assert response.status_code == 200
    assert page.count('<th scope="row" class="govuk-table__header">Cycle') == 3
    assert "Overdue" in page  # cycles 1 and 2 were never submitted
    assert 'href="/returns/north/3"' in page


def test_an_unknown_return_is_404(client, north):
    sign_in(client, VIEWER, PASSWORD)
    assert client.get("/returns/west/3").status_code == 404
    assert client.get("/returns/north/99").status_code == 404


# --- the returns derived from the seed (read only) ----------------------------------------------


# The browser journeys submit South's cycle 3 return in the shared seeded database on the demo's
# "today"; the returns the seed derived from its history were all submitted before that day.
SEEDED_BEFORE = datetime(2016, 2, 5, 0, 0, tzinfo=UTC)


def _seeded_returns(seeded_app) -> dict[tuple[int, str], tuple[str, bool, str | None]]:
    with seeded_app.app_context():
        rows = db.session.execute(
            select(UpdateCycle.number, Locality.code, LocalityReturn, User.email)
            .join(UpdateCycle, UpdateCycle.id == LocalityReturn.cycle_id)
            .join(Locality, Locality.id == LocalityReturn.locality_id)
            .outerjoin(User, User.id == LocalityReturn.submitted_by_id)
            .where(LocalityReturn.submitted_at < SEEDED_BEFORE)
        ).all()
        found = {(n, code): (r.status, r.late, email) for n, code, r, email in rows}
        db.session.remove()
    return found


def test_the_seed_has_cycles_1_and_2_submitted_everywhere_and_cycle_3_only_in_east(seeded_app):
    found = _seeded_returns(seeded_app)

    expected = {(c, loc) for c in (1, 2) for loc in ("north", "south", "east", "central")}
    assert set(found) == expected | {(3, "east")}
    assert all(status == "submitted" for status, _, _ in found.values())
    assert all(email == f"{loc}.hos@trust.example" for (_, loc), (*_, email) in found.items())


def test_the_seeds_late_returns_are_the_ones_after_noon_on_the_due_day(seeded_app):
    found = _seeded_returns(seeded_app)

    assert {key for key, (_, late, _) in found.items() if late} == {(1, "south"), (2, "north")}
    with seeded_app.app_context():
        for r, due_at in db.session.execute(
            select(LocalityReturn, UpdateCycle.due_at).join(
                UpdateCycle, UpdateCycle.id == LocalityReturn.cycle_id
            )
        ):
            assert r.late == (r.submitted_at > due_at)
        db.session.remove()


def test_each_seeded_return_covers_every_action_open_in_its_locality(seeded_app):
    """A derived return counts as submitted only if every action still open when the cycle's
    updates began has an update recorded in that cycle."""
    with seeded_app.app_context():
        returns = db.session.execute(
            select(LocalityReturn.locality_id, UpdateCycle)
            .join(UpdateCycle, UpdateCycle.id == LocalityReturn.cycle_id)
            .where(LocalityReturn.submitted_at < SEEDED_BEFORE)
        ).all()
        for locality_id, cycle in returns:
            in_locality = (
                select(Action.id)
                .join(Plan, Plan.id == Action.plan_id)
                .where(Plan.locality_id == locality_id)
            )
            began = db.session.execute(
                select(func.min(ActionUpdate.recorded_at)).where(
                    ActionUpdate.cycle_id == cycle.id, ActionUpdate.action_id.in_(in_locality)
                )
            ).scalar_one()
            assert began.astimezone(LONDON).date() >= cycle.opens_on
            history = db.session.execute(
                select(ActionUpdate.action_id, ActionUpdate.lifecycle, ActionUpdate.cycle_id)
                .join(Action, Action.id == ActionUpdate.action_id)
                .join(Plan, Plan.id == Action.plan_id)
                .where(Plan.locality_id == locality_id, ActionUpdate.recorded_at < began)
                .order_by(ActionUpdate.action_id, ActionUpdate.version)
            ).all()
            state = {action_id: lifecycle for action_id, lifecycle, _ in history}
            open_then = {a for a, lifecycle in state.items() if lifecycle not in CLOSED_VALUES}
            updated = set(
                db.session.execute(
                    select(ActionUpdate.action_id).where(ActionUpdate.cycle_id == cycle.id)
                ).scalars()
            )
            assert open_then, f"locality {locality_id} had no open actions in cycle {cycle.number}"
            assert open_then <= updated, (locality_id, cycle.number, open_then - updated)
        db.session.remove()


def test_the_seeded_east_return_for_this_cycle_shows_as_submitted_early(role_client):
    page = _text(role_client("viewer").get("/returns/east/3"))

    assert "Submitted 3 February 2016 at 10:44 by" in page
    assert "As submitted on 3 February 2016 at 10:44" in page


def test_the_seeded_north_return_for_this_cycle_is_there_to_do(role_client):
    page = _text(role_client("locality_head").get(RETURN))

    assert "Not started" in page and "Submit return" in page
    assert 'name="entries-0-summary"' in page


def test_the_seeded_grid_shows_late_and_on_time_returns(role_client):
    page = _text(role_client("viewer").get("/returns"))

    rows = {
        int(m.group(1)): m.group(0)
        for m in re.finditer(r"Cycle (\d+)<br>.*?</tr>", page, re.DOTALL)
    }
    assert sorted(rows) == [1, 2, 3]
    cells = {
        n: re.findall(r"(Submitted late|Submitted|Overdue|Draft saved|Not started)", row)
        for n, row in rows.items()
    }
    # North, South, East, Central (the order the localities were loaded in)
    assert cells[1] == ["Submitted", "Submitted late", "Submitted", "Submitted"]
    assert cells[2] == ["Submitted late", "Submitted", "Submitted", "Submitted"]
    assert cells[3] == ["Not started", "Not started", "Submitted", "Not started"]


def test_a_locality_plan_of_hundreds_of_open_actions_still_draws_its_return(client, north):
    """The benchmark's ten-times plan has 380 North actions: the form draws them all (it was a
    500 above 200 entries)."""
    for n in range(5, 255):
        make_action(ref=f"N-{n:03d}", plan="north")
    db.session.commit()
    sign_in(client, HEAD, PASSWORD)
    page = client.get(RETURN)
    assert page.status_code == 200
    assert _text(page).count('class="tracker-return-entry"') == 3 + 250
