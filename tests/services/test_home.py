"""The home page's service: each person's own work, counted the same way the lists filter."""

from __future__ import annotations

from datetime import UTC, date, datetime

from tests.builders import (
    actor_for,
    add_update,
    get_or_make_org,
    make_action,
    make_cycles,
    make_user,
)
from tracker.extensions import db
from tracker.services.plan import home, queries

TODAY = date(2016, 2, 5)  # cycle 3: 1 to 12 February
NOW = datetime(2016, 2, 5, 10, tzinfo=UTC)
IN_CYCLE_3 = datetime(2016, 2, 2, 10, tzinfo=UTC)


def get_home(user):
    org = user.organisation
    return home.get_home(
        actor_for(user),
        organisation_code=org.code,
        organisation_kind=org.kind,
        organisation_name=org.name,
        today=TODAY,
        now=NOW,
        cycle=3,
        sef_first_month="2016-02",
        sef_due_working_day=5,
    )


def lead_with_actions(cycles):
    lead = make_user(role="action_lead")
    updated = make_action(ref="M-UPD", lead=lead, target_date=date(2016, 6, 30))
    add_update(updated, recorded_at=IN_CYCLE_3, cycle_id=cycles[3].id)
    make_action(ref="M-STALE", lead=lead, target_date=date(2016, 6, 30))
    make_action(ref="M-LATE", lead=lead, target_date=date(2016, 1, 29))
    make_action(ref="M-SOON", lead=lead, target_date=date(2016, 2, 26))
    make_action(
        ref="M-DONE",
        lead=lead,
        target_date=date(2016, 1, 8),
        lifecycle="closed_evidenced",
        rag=None,
    )
    make_action(ref="M-OTHER", lead=make_user(role="action_lead"))
    db.session.commit()
    return lead


def refs(rows, ids):
    return {r.ref for r in rows if r.id in ids}


def test_my_actions_are_the_actions_i_lead_with_what_each_needs_this_cycle(clean_db):
    cycles = make_cycles(upto=4)
    lead = lead_with_actions(cycles)
    mine = get_home(lead).my_actions
    assert mine is not None and mine.filter_args == {"lead": str(lead.id)}
    assert {r.ref for r in mine.rows} == {"M-UPD", "M-STALE", "M-LATE", "M-SOON", "M-DONE"}
    assert refs(mine.rows, mine.not_updated) == {"M-STALE", "M-LATE", "M-SOON"}
    assert {r.ref for r in mine.overdue} == {"M-LATE"}
    assert refs(mine.rows, mine.due_soon) == {"M-SOON"}


def test_the_home_page_counts_what_the_lists_filter(clean_db):
    cycles = make_cycles(upto=4)
    lead = lead_with_actions(cycles)
    mine = get_home(lead).my_actions

    def listed(**args):
        filters = queries.parse_filters({"lead": str(lead.id), **args}, cycle=3)
        return {r.ref for r in queries.list_actions(today=TODAY, filters=filters)[0]}

    assert listed(no_update="true") == refs(mine.rows, mine.not_updated)
    assert listed(overdue="true") == {r.ref for r in mine.overdue}
    assert listed(due_within=str(home.DUE_SOON_WEEKS)) == refs(mine.rows, mine.due_soon)


def test_a_partner_agency_s_people_see_what_their_agency_leads_or_partners_on(clean_db):
    make_cycles(upto=4)
    police = get_or_make_org("syp", kind="police")  # before the officer, so it is police
    officer = make_user(role="action_lead", org="syp")
    led = make_action(ref="M-SYP", org="syp")
    partnered = make_action(ref="M-PART", org="trust")
    make_action(ref="M-TRUST", org="trust")
    from tracker.models import action_partner

    db.session.execute(
        action_partner.insert().values(action_id=partnered.id, organisation_id=police.id)
    )
    db.session.commit()
    home = get_home(officer)
    # Their own actions (they lead none here) apart from their agency's, which they may read.
    assert home.my_actions is not None and home.my_actions.rows == []
    agency = home.agency_actions
    assert agency is not None and agency.filter_args == {"involving": "syp"}
    assert agency.organisation_name == police.name
    assert {r.ref for r in agency.rows} == {led.ref, partnered.ref}


def test_a_named_deputy_sees_the_return_and_sef_of_the_locality_they_deputise_for(clean_db):
    make_cycles(upto=4)
    make_action(ref="N-1", plan="north")
    deputy = make_user(role="action_lead", deputy_for="north")
    db.session.commit()
    work = get_home(deputy).locality
    assert work is not None and work.locality_code == "north"
    assert work.cycle_number == 3 and work.open_actions == 1 and work.actions_left == 1
    assert work.return_due_at is not None and work.sef_month == "2016-02"
    assert work.sef_cell is not None


def test_only_chairs_see_what_awaits_sign_off(clean_db):
    make_cycles(upto=4)
    make_action(ref="M-WAIT", lifecycle="complete_awaiting_signoff")
    chair = make_user(role="chair")
    admin = make_user(role="admin")
    db.session.commit()
    chair_home = get_home(chair)
    assert [a.ref for a in chair_home.awaiting_sign_off] == ["M-WAIT"]
    assert chair_home.totals == {"red": 0, "overdue": 0, "actions": 1}
    admin_home = get_home(admin)
    assert admin_home.awaiting_sign_off is None and admin_home.my_actions is None
    assert [(p.code, p.actions) for p in admin_home.plans] == [("main", 1)]
