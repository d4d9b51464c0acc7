"""The administrator's set-up pages for organisations and areas, through the test client: forms
with GOV.UK error summaries, refusals that write nothing, and the pages' statement budget."""

from __future__ import annotations

import html as html_text
import re
from datetime import UTC, datetime

import pytest
from flask import g
from sqlalchemy import func, select

from tests.builders import (
    get_or_make_locality,
    get_or_make_org,
    make_action,
    make_cycles,
    make_user,
)
from tests.conftest import csrf_token, sign_in
from tracker.extensions import db
from tracker.models import AuditEvent, Locality, Organisation, Plan

PASSWORD = "a-long-test-password"


@pytest.fixture
def admin(client):
    user = make_user(role="admin", email="admin@trust.example")
    db.session.commit()
    sign_in(client, user.email, PASSWORD)
    return user


def _post(client, path: str, page: str | None = None, **fields):
    return client.post(path, data={"csrf_token": csrf_token(client, page or path), **fields})


def _errors(response) -> list[str]:
    html = response.get_data(as_text=True)
    assert "govuk-error-summary" in html
    summary = html[
        html.index("govuk-error-summary") : html.index("</ul>", html.index("govuk-error-summary"))
    ]
    return [
        html_text.unescape(re.sub(r"\s+", " ", t).strip())
        for t in re.findall(r'<a href="#[^"]*">(.*?)</a>', summary, re.S)
    ]


def _count(model) -> int:
    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def test_the_set_up_page_links_organisations_and_areas_and_is_in_the_menu(client, admin):
    html = client.get("/admin/setup").get_data(as_text=True)
    assert 'href="/admin/organisations"' in html and 'href="/admin/areas"' in html
    assert 'href="/admin/setup"' in client.get("/admin/users").get_data(as_text=True)


def _statuses(client) -> dict[str, str]:
    """Each set-up part's status as the task list shows it, by its title. The test's app
    context outlives requests: forget the person and set-up it cached, so the page reads them
    as a real request does (the set-up with the person signed in, in one statement)."""
    for cached in ("_login_user", "_tracker_setup"):
        g.pop(cached, None)
    html = client.get("/admin/setup").get_data(as_text=True)
    items = re.findall(
        r"govuk-task-list__link[^>]*>\s*(.*?)\s*</a>.*?govuk-task-list__status[^>]*>\s*(.*?)\s*</div>",
        html,
        re.S,
    )
    return {html_text.unescape(t): re.sub(r"<[^>]+>", "", s).strip() for t, s in items}


def test_the_set_up_page_says_what_is_done_what_is_a_default_and_what_is_missing(
    client, admin, clean_db, monkeypatch
):
    monkeypatch.setitem(clean_db.config, "GETTING_TO_GOOD_CHAIR", None)
    before = _statuses(client)
    assert before == {
        "Organisations": "Completed",  # the administrator's own
        "Areas": "None yet",
        "Update rhythm": "Default",
        "Self-evaluation": "Default",
        "Chasing": "No one to escalate to",
        "Meetings' usual days": "Default",
        "The words your organisation uses": "Default",
        "Inspections and visits": "Not yet started",
        "Import the plan you already have": "Not yet started",
        "People": "Not yet started",
    }
    make_action(plan="north")
    get_or_make_locality("north")
    make_user(org="trust")
    db.session.commit()
    _post(
        client,
        "/admin/setup/words",
        board="Improvement Board",
        board_short="Board",
        group="Strategic Group",
        group_short="Group",
        scrutiny="scrutiny committee",
        area="Team",
        areas="Teams",
    )
    after = _statuses(client)
    for part in ("Areas", "Import the plan you already have", "People"):
        assert after[part] == "Completed", part
    assert after["The words your organisation uses"] == "Completed"
    assert after["Chasing"] == "No one to escalate to"
    page = client.get("/admin/setup").get_data(as_text=True)
    assert "Now: 1 area in use." in page and "no one is named for the last escalation" in page


def test_an_admin_adds_an_organisation_and_sees_it_listed(client, admin):
    response = _post(
        client, "/admin/organisations/new", name="Exampleshire Council", kind="council"
    )
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Exampleshire Council added." in page
    assert 'data-organisation="exampleshire-council"' in page
    assert "code" not in client.get("/admin/organisations/new").get_data(as_text=True).lower()


@pytest.mark.parametrize(
    ("fields", "status", "error"),
    [
        ({"name": "", "kind": "council"}, 400, "Enter the organisation's name"),
        (
            {"name": "x" * 201, "kind": "council"},
            400,
            "The organisation's name must be 200 characters or fewer",
        ),
        ({"name": "Exampleshire Council"}, 400, "Choose what kind of organisation it is"),
        ({"name": "Exampleshire Council", "kind": "army"}, 400, "Not a valid choice."),
        ({"name": "trust", "kind": "other"}, 400, "There is already an organisation called Trust"),
    ],
)
def test_a_bad_organisation_form_is_shown_again_with_its_error_and_writes_nothing(
    client, admin, fields, status, error
):
    response = _post(client, "/admin/organisations/new", **fields)
    assert response.status_code == status
    assert error in _errors(response)
    assert "<title>Error: " in response.get_data(as_text=True)
    assert _count(Organisation) == 1  # the admin's own


def test_a_nul_byte_is_refused_before_anything_is_written(client, admin):
    response = _post(client, "/admin/organisations/new", name="Bad\x00name", kind="council")
    assert response.status_code == 400
    assert _count(Organisation) == 1


def test_an_admin_changes_an_organisation_and_cannot_remove_one_in_use(client, admin):
    trust = admin.organisation
    path = f"/admin/organisations/{trust.id}"
    assert _post(client, path, name="Exampleshire Trust", kind="trust").status_code == 302
    assert db.session.get(Organisation, trust.id).name == "Exampleshire Trust"
    response = _post(client, f"{path}/remove", page=path, confirm="yes")
    assert response.status_code == 400
    assert _errors(response) == [
        "Exampleshire Trust cannot be removed while people or actions point at it (1 person). "
        "Move them to another organisation first."
    ]
    assert db.session.get(Organisation, trust.id) is not None


def test_an_admin_removes_an_organisation_nothing_points_at(client, admin):
    cafcass = get_or_make_org("cafcass", kind="other")
    db.session.commit()
    path = f"/admin/organisations/{cafcass.id}"
    response = _post(client, f"{path}/remove", page=path, confirm="yes")
    assert response.status_code == 302
    assert db.session.get(Organisation, cafcass.id) is None
    assert "Cafcass removed." in client.get("/admin/organisations").get_data(as_text=True)


def test_a_removal_without_its_confirmation_is_refused(client, admin):
    cafcass = get_or_make_org("cafcass", kind="other")
    db.session.commit()
    response = _post(
        client, f"/admin/organisations/{cafcass.id}/remove", page="/admin/organisations"
    )
    assert response.status_code == 400
    assert _count(Organisation) == 2


def test_unknown_organisations_and_areas_are_not_found(client, admin):
    assert client.get("/admin/organisations/999999").status_code == 404
    assert client.get("/admin/areas/999999").status_code == 404


def test_an_admin_adds_renames_retires_and_brings_back_an_area(client, admin):
    response = _post(client, "/admin/areas/new", name="Children in care")
    assert response.status_code == 302
    area = db.session.execute(select(Locality)).scalar_one()
    plan = db.session.execute(select(Plan)).scalar_one()
    assert plan.name == "Children in care action plan" and plan.locality_id == area.id
    path = f"/admin/areas/{area.id}"
    assert _post(client, path, name="Looked-after children").status_code == 302
    db.session.expire_all()
    assert db.session.get(Plan, plan.id).name == "Looked-after children action plan"
    assert _post(client, f"{path}/retire", page=path, confirm="yes").status_code == 302
    listed = client.get("/admin/areas").get_data(as_text=True)
    assert "Looked-after children is retired" in listed and "Retired" in listed
    db.session.expire_all()
    assert db.session.get(Locality, area.id).retired_at is not None
    assert _post(client, f"{path}/unretire", page=path, confirm="yes").status_code == 302
    db.session.expire_all()
    assert db.session.get(Locality, area.id).retired_at is None
    kinds = set(db.session.execute(select(AuditEvent.kind)).scalars())
    assert {"area_added", "area_renamed", "area_retired", "area_unretired"} <= kinds


@pytest.mark.parametrize(
    ("name", "error"),
    [
        ("", "Enter the area's name"),
        ("x" * 101, "The area's name must be 100 characters or fewer"),
        ("NORTH", "There is already an area called North"),
    ],
)
def test_a_bad_area_name_is_refused_and_writes_nothing(client, admin, name, error):
    get_or_make_locality("north")
    db.session.commit()
    response = _post(client, "/admin/areas/new", name=name)
    assert response.status_code == 400
    assert _errors(response) == [error]
    assert _count(Locality) == 1 and _count(Plan) == 0


def test_an_area_with_open_actions_is_not_removed_and_says_it_can_be_retired(client, admin):
    make_action(plan="north")
    db.session.commit()
    north = db.session.execute(select(Locality)).scalar_one()
    path = f"/admin/areas/{north.id}"
    response = _post(client, f"{path}/remove", page=path, confirm="yes")
    assert response.status_code == 400
    assert _errors(response) == [
        "An area that still has open actions cannot be removed (it can be retired)"
    ]
    assert _count(Locality) == 1 and _count(Plan) == 1


def test_an_empty_area_is_removed_with_its_plan(client, admin):
    _post(client, "/admin/areas/new", name="West")
    west = db.session.execute(select(Locality)).scalar_one()
    path = f"/admin/areas/{west.id}"
    response = _post(client, f"{path}/remove", page=path, confirm="yes")
    assert response.status_code == 302
    assert _count(Locality) == 0 and _count(Plan) == 0
    assert "There are no areas" in client.get("/admin/areas").get_data(as_text=True)


def test_each_page_runs_one_statement_whatever_the_rows(client, admin, count_queries, clean_db):
    for n in range(3):
        make_action(plan=f"area{n}", org=f"org{n}")
        make_user(org=f"org{n}", role="locality_head", locality=f"area{n}")
    db.session.commit()
    north = db.session.execute(select(Locality).limit(1)).scalar_one()
    # The signed-in admin is already in this test's session: what is counted is the page's own.
    budgets = {
        "/admin/setup": 1,  # what is set up so far, counted in one statement
        "/admin/organisations": 1,
        "/admin/areas": 1,
        f"/admin/areas/{north.id}": 1,
        f"/admin/organisations/{admin.organisation_id}": 1,
    }
    for url, most in budgets.items():
        client.get(url)
        with count_queries(clean_db) as counter:
            assert client.get(url).status_code == 200
        assert counter.count <= most, (url, counter.statements)


def test_a_retired_areas_head_is_told_on_their_home_page(client):
    head = make_user(role="locality_head", locality="south", email="south@trust.example")
    get_or_make_locality("south").retired_at = datetime(2016, 2, 3, 15, 0, tzinfo=UTC)
    db.session.commit()
    sign_in(client, head.email, PASSWORD)
    html = client.get("/").get_data(as_text=True)
    assert "South was retired on Wednesday 3 February 2016: no return or SEF is asked" in html
    assert client.get("/returns").status_code == 200  # not sent to a return nobody asks for


def test_the_returns_and_sef_pages_say_what_a_retired_area_is_no_longer_asked_for(client, admin):
    make_cycles(upto=3)
    make_action(plan="north")
    make_action(plan="south")
    # Retired in cycle 2 (18 to 29 January): cycle 3 and February's SEF are not asked of it.
    get_or_make_locality("south").retired_at = datetime(2016, 1, 20, 12, 0, tzinfo=UTC)
    db.session.commit()
    returns = client.get("/returns").get_data(as_text=True)
    assert returns.count("Not asked: area retired") == 1 and "(retired)" in returns
    assert 'href="/returns/south/2"' in returns and 'href="/returns/south/3"' not in returns
    sefs = client.get("/sefs").get_data(as_text=True)
    assert "Not asked: area retired" in sefs


def _plan_options(html: str) -> list[str]:
    """The plan filter's options, as the person reads them, in order."""
    menu = re.search(r'<select[^>]*name="plan"[^>]*>(.*?)</select>', html, re.S)
    assert menu is not None
    return [html_text.unescape(o).strip() for o in re.findall(r"<option[^>]*>([^<]*)<", menu[1])]


def test_a_retired_areas_plan_comes_last_in_the_filter_menus_marked_retired(client):
    make_cycles(upto=2)
    make_action(plan="main")
    make_action(plan="north")
    make_action(plan="south")
    make_action(plan="east")
    get_or_make_locality("north").retired_at = datetime(2016, 1, 20, 12, 0, tzinfo=UTC)
    chair = make_user(role="chair", email="chair@trust.example")
    db.session.commit()
    sign_in(client, chair.email, PASSWORD)
    for url in ("/actions", "/dashboard"):
        html = client.get(url).get_data(as_text=True)
        # Current work first; the retired area's actions stay findable, after them.
        assert _plan_options(html) == ["All plans", "Main plan", "South", "East", "North (retired)"]
    challenges = _plan_options(client.get("/challenges").get_data(as_text=True))
    assert challenges[-1].endswith("(retired)") and "North" in challenges[-1]
    # Its actions are still listed when asked for, and its plan page is still there.
    assert client.get("/actions?plan=north").status_code == 200
    plan_page = client.get("/plans/south").get_data(as_text=True)
    assert plan_page.index(">East<") < plan_page.index(">North (retired)<")
    # The areas' link in the header opens an area in use, not the retired one.
    actions = client.get("/actions").get_data(as_text=True)
    assert 'class="govuk-service-navigation__link" href="/plans/south"' in actions
