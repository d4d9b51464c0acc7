"""Setting up organisations and areas (issue 20.2): each change audited, refusals write nothing,
an area's plan follows it, and what points at an organisation or an area keeps it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from tests.builders import (
    get_or_make_locality,
    get_or_make_org,
    make_action,
    make_cycles,
    make_locality_return,
    make_user,
)
from tracker.extensions import db
from tracker.models import AuditEvent, Locality, Organisation, Plan
from tracker.models.plan import action_partner
from tracker.services.access import areas, organisations
from tracker.services.errors import NotFound

NOW = datetime(2016, 2, 5, 10, 0, tzinfo=UTC)


def _count(model) -> int:
    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def _events(kind: str) -> list[AuditEvent]:
    return list(db.session.execute(select(AuditEvent).where(AuditEvent.kind == kind)).scalars())


# --- Organisations ------------------------------------------------------------------------------


def test_an_organisation_is_added_with_a_code_made_from_its_name_and_audited(clean_db):
    admin = make_user(role="admin")
    org = organisations.add_organisation(
        "  South  Yorkshire Police ", "police", actor_id=admin.id, now=NOW
    )
    assert (org.name, org.code, org.kind) == (
        "South Yorkshire Police",
        "south-yorkshire-police",
        "police",
    )
    [event] = _events("organisation_added")
    assert event.user_id == admin.id and event.target == "South Yorkshire Police"


def test_a_second_organisation_whose_name_makes_the_same_code_gets_its_own(clean_db):
    organisations.add_organisation("Health & Care", "health", actor_id=None, now=NOW)
    second = organisations.add_organisation("Health care", "health", actor_id=None, now=NOW)
    assert second.code == "health-care-2"


@pytest.mark.parametrize(
    ("name", "kind", "message"),
    [
        ("", "council", "Enter the organisation's name"),
        ("   ", "council", "Enter the organisation's name"),
        ("x" * 201, "council", "The organisation's name must be 200 characters or fewer"),
        ("Bad\x00name", "council", "The organisation's name must not contain control characters"),
        ("New agency", "army", "Choose what kind of organisation it is"),
        ("trust", "trust", "There is already an organisation called Trust"),
        ("  TRUST ", "other", "There is already an organisation called Trust"),
    ],
)
def test_a_bad_organisation_is_refused_with_a_clear_message_and_nothing_written(
    clean_db, name, kind, message
):
    get_or_make_org("trust")
    db.session.commit()
    with pytest.raises(organisations.Refused) as refused:
        organisations.add_organisation(name, kind, actor_id=None, now=NOW)
    assert refused.value.message == message
    db.session.rollback()
    assert _count(Organisation) == 1 and _count(AuditEvent) == 0


def test_an_organisation_is_renamed_and_rekinded_keeping_its_code(clean_db):
    org = get_or_make_org("police", kind="other")
    db.session.commit()
    changes = organisations.change_organisation(
        org.id, "South Yorkshire Police", "police", actor_id=None, now=NOW
    )
    assert changes == {"name": ["Police", "South Yorkshire Police"], "kind": ["other", "police"]}
    assert org.code == "police"
    assert _events("organisation_changed")[0].detail["changes"] == changes


def test_renaming_an_organisation_to_anothers_name_is_refused(clean_db):
    get_or_make_org("trust")
    org = get_or_make_org("council", kind="council")
    db.session.commit()
    with pytest.raises(organisations.Refused, match="already an organisation called Trust"):
        organisations.change_organisation(org.id, "trust", "council", actor_id=None, now=NOW)
    db.session.rollback()
    assert db.session.get(Organisation, org.id).name == "Council"


def test_unchanged_details_write_no_event(clean_db):
    org = get_or_make_org("council", kind="council")
    db.session.commit()
    assert (
        organisations.change_organisation(org.id, "Council", "council", actor_id=None, now=NOW)
        == {}
    )
    assert _count(AuditEvent) == 0


def test_the_list_counts_people_and_actions_led_in_one_statement(clean_db, count_queries):
    make_user(org="trust")
    make_user(org="trust")
    make_action(org="trust")
    get_or_make_org("council", kind="council")
    db.session.commit()
    with count_queries(clean_db) as counter:
        rows = {r.organisation.code: r for r in organisations.list_organisations()}
    assert counter.count == 1
    assert (rows["trust"].people, rows["trust"].actions_led) == (2, 1)
    assert (rows["council"].people, rows["council"].actions_led) == (0, 0)


@pytest.mark.parametrize("pointer", ["person", "action", "partner"])
def test_an_organisation_something_points_at_cannot_be_removed(clean_db, pointer):
    org = get_or_make_org("police", kind="police")
    if pointer == "person":
        make_user(org="police")
    elif pointer == "action":
        make_action(org="police")
    else:
        action = make_action(org="trust")
        db.session.execute(
            action_partner.insert().values(action_id=action.id, organisation_id=org.id)
        )
    db.session.commit()
    with pytest.raises(organisations.Refused, match="cannot be removed while people or actions"):
        organisations.remove_organisation(org.id, actor_id=None, now=NOW)
    db.session.rollback()
    assert db.session.get(Organisation, org.id) is not None
    assert _events("organisation_removed") == []


def test_an_organisation_nothing_points_at_is_removed_and_audited(clean_db):
    org = get_or_make_org("cafcass", kind="other")
    db.session.commit()
    assert organisations.remove_organisation(org.id, actor_id=None, now=NOW) == "Cafcass"
    assert _count(Organisation) == 0
    assert _events("organisation_removed")[0].detail["code"] == "cafcass"


def test_an_unknown_organisation_is_not_found(clean_db):
    with pytest.raises(NotFound):
        organisations.get_organisation(2**40)


# --- Areas --------------------------------------------------------------------------------------


def test_an_area_is_added_with_its_plan(clean_db):
    area = areas.add_area("Children in Care", actor_id=None, now=NOW)
    plan = db.session.execute(select(Plan).where(Plan.locality_id == area.id)).scalar_one()
    assert (area.code, plan.code, plan.kind) == ("children-in-care", "children-in-care", "locality")
    assert plan.name == "Children in Care action plan"
    assert _events("area_added")[0].detail["plan"] == plan.name


def test_an_area_code_never_takes_a_plans_code(clean_db):
    db.session.add(Plan(code="main", name="Main plan", kind="main"))
    db.session.commit()
    assert areas.add_area("Main", actor_id=None, now=NOW).code == "main-2"


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "Enter the area's name"),
        ("x" * 101, "The area's name must be 100 characters or fewer"),
        ("No\x00rth", "The area's name must not contain control characters"),
        ("north", "There is already an area called North"),
    ],
)
def test_a_bad_area_is_refused_and_nothing_written(clean_db, name, message):
    get_or_make_locality("north")
    db.session.commit()
    with pytest.raises(areas.Refused) as refused:
        areas.add_area(name, actor_id=None, now=NOW)
    assert refused.value.message == message
    db.session.rollback()
    assert _count(Locality) == 1 and _count(Plan) == 0 and _count(AuditEvent) == 0


def test_renaming_an_area_renames_its_plan_while_it_has_its_first_name(clean_db):
    area = areas.add_area("North", actor_id=None, now=NOW)
    assert areas.rename_area(area.id, "North and Coast", actor_id=None, now=NOW)
    plan = db.session.execute(select(Plan).where(Plan.locality_id == area.id)).scalar_one()
    assert plan.name == "North and Coast action plan"
    plan.name = "Our northern plan"
    db.session.commit()
    areas.rename_area(area.id, "Northern", actor_id=None, now=NOW)
    assert plan.name == "Our northern plan"  # named by hand: kept
    assert [e.detail["to"] for e in _events("area_renamed")] == ["North and Coast", "Northern"]


def test_retiring_and_bringing_back_an_area_is_audited(clean_db):
    area = areas.add_area("East", actor_id=None, now=NOW)
    areas.retire_area(area.id, actor_id=None, now=NOW)
    assert area.retired_at is not None
    with pytest.raises(areas.Refused, match="already retired"):
        areas.retire_area(area.id, actor_id=None, now=NOW)
    db.session.rollback()
    areas.unretire_area(area.id, actor_id=None, now=NOW)
    assert db.session.get(Locality, area.id).retired_at is None
    assert len(_events("area_retired")) == 1 and len(_events("area_unretired")) == 1


def test_an_area_with_open_actions_cannot_be_removed_but_can_be_retired(clean_db):
    make_action(plan="north", lifecycle="in_progress")
    db.session.commit()
    north = db.session.execute(select(Locality)).scalar_one()
    with pytest.raises(areas.Refused) as refused:
        areas.remove_area(north.id, actor_id=None, now=NOW)
    assert refused.value.message == (
        "An area that still has open actions cannot be removed (it can be retired)"
    )
    db.session.rollback()
    assert _count(Locality) == 1 and _count(Plan) == 1 and _events("area_removed") == []
    areas.retire_area(north.id, actor_id=None, now=NOW)


@pytest.mark.parametrize("history", ["closed action", "return", "person"])
def test_an_area_with_any_history_cannot_be_removed(clean_db, history):
    get_or_make_locality("north")
    if history == "closed action":
        make_action(plan="north", lifecycle="closed_evidenced", rag=None)
    elif history == "return":
        make_locality_return(locality="north", cycle=make_cycles(upto=1)[1])
    else:
        make_user(role="locality_head", locality="north")
    db.session.commit()
    north = db.session.execute(select(Locality)).scalar_one()
    with pytest.raises(areas.Refused, match=f"cannot be removed: it has 1 {history}"):
        areas.remove_area(north.id, actor_id=None, now=NOW)
    db.session.rollback()
    assert _count(Locality) == 1


def test_an_empty_area_is_removed_with_its_plan(clean_db):
    area = areas.add_area("West", actor_id=None, now=NOW)
    assert areas.remove_area(area.id, actor_id=None, now=NOW) == "West"
    assert _count(Locality) == 0 and _count(Plan) == 0
    assert _events("area_removed")[0].detail == {"code": "west", "plan": "West action plan"}


def test_the_area_list_is_one_statement_whatever_it_holds(clean_db, count_queries):
    make_action(plan="north")
    make_action(plan="north", lifecycle="closed_evidenced", rag=None)
    make_user(role="locality_head", locality="north")
    areas.add_area("South", actor_id=None, now=NOW)
    db.session.commit()
    with count_queries(clean_db) as counter:
        rows = {r.locality.code: r for r in areas.list_areas()}
    assert counter.count == 1
    north = rows["north"]
    assert (north.open_actions, north.actions, north.people) == (1, 2, 1)
    assert (rows["south"].open_actions, rows["south"].removable) == (0, True)
