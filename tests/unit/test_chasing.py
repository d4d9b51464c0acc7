from datetime import date

import pytest

from tracker.domain.chasing import (
    ChaseSettings,
    Deadline,
    LeadAction,
    Person,
    decide_chases,
    is_stale,
    sef_due_date,
    working_days_before,
)
from tracker.domain.cycles import build_cycle

FIRST = date(2016, 1, 4)
CYCLE3 = build_cycle(FIRST, 3)  # opens Mon 1 Feb, due Fri 12 Feb 12:00
HEAD, MANAGER, CHAIR, LEAD, LEFT, NO_EMAIL = 1, 2, 3, 4, 5, 6
PEOPLE = [
    Person(HEAD, "North head", "north@example.org", line_manager_id=MANAGER),
    Person(MANAGER, "Director of Operations", "dops@example.org"),
    Person(CHAIR, "Chief executive", "ceo@example.org"),
    Person(LEAD, "Action lead", "lead@example.org", line_manager_id=MANAGER),
    Person(LEFT, "Former lead", "gone@example.org", active=False, line_manager_id=MANAGER),
    Person(NO_EMAIL, "Partner lead", None, line_manager_id=MANAGER),
]


def return_deadline(submitted=False, owner=HEAD, cycle=CYCLE3):
    return Deadline(
        "return",
        owner,
        str(cycle.number),
        f"The North return for cycle {cycle.number}",
        cycle.opens_on,
        cycle.due_on,
        "at 12:00 on Friday 12 February 2016",
        "/returns/north/3",
        submitted,
    )


def chases(today, deadlines=(), actions=(), cycle=CYCLE3):
    found = decide_chases(
        today,
        people=PEOPLE,
        deadlines=deadlines,
        actions=actions,
        current_cycle=cycle,
        chair_id=CHAIR,
    )
    return sorted((c.recipient_id, c.kind, c.step) for c in found)


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (date(2016, 2, 1), [(HEAD, "return", "open")]),
        (date(2016, 2, 5), []),
        (date(2016, 2, 10), [(HEAD, "return", "before")]),  # two working days before
        (date(2016, 2, 12), [(HEAD, "return", "due")]),
        (date(2016, 2, 13), []),  # Saturday: nobody is chased at the weekend
        (date(2016, 2, 15), [(HEAD, "return", "late-1")]),
        (
            date(2016, 2, 16),
            [(HEAD, "return", "late-2"), (MANAGER, "return_escalation", "manager")],
        ),
        (date(2016, 2, 17), [(HEAD, "return", "late-3")]),
        (date(2016, 2, 18), [(HEAD, "return", "late-4"), (CHAIR, "return_escalation", "chair")]),
        (date(2016, 2, 19), [(HEAD, "return", "late-5")]),
    ],
)
def test_a_locality_head_is_reminded_chased_and_escalated(today, expected):
    assert chases(today, [return_deadline()]) == expected


@pytest.mark.parametrize("today", [date(2016, 2, 10), date(2016, 2, 12), date(2016, 2, 16)])
def test_submitting_stops_the_chase(today):
    assert chases(today, [return_deadline(submitted=True)]) == []


def test_bank_holidays_are_skipped_when_counting_late_days():
    cycle6 = build_cycle(FIRST, 6)  # due Thursday 24 March 2016: Good Friday is a bank holiday
    deadline = return_deadline(cycle=cycle6)
    assert chases(date(2016, 3, 25), [deadline], cycle=cycle6) == []  # Good Friday
    assert chases(date(2016, 3, 28), [deadline], cycle=cycle6) == []  # Easter Monday
    assert chases(date(2016, 3, 29), [deadline], cycle=cycle6) == [(HEAD, "return", "late-1")]


def test_the_reminder_falls_on_a_working_day_before_a_holiday_due_day():
    cycle6 = build_cycle(FIRST, 6)
    assert cycle6.due_on == date(2016, 3, 24)
    assert working_days_before(cycle6.due_on, 2) == date(2016, 3, 22)


@pytest.mark.parametrize(
    ("today", "updated", "expected"),
    [
        (date(2016, 2, 10), False, [(LEAD, "action_update", "MAP-001-before")]),
        (date(2016, 2, 12), False, [(LEAD, "action_update", "MAP-001-due")]),
        (date(2016, 2, 10), True, []),
        (date(2016, 2, 11), False, []),
    ],
)
def test_action_leads_are_reminded_of_main_plan_actions_with_no_update(today, updated, expected):
    action = LeadAction("MAP-001", "Decision template", LEAD, date(2016, 6, 30), updated)
    assert chases(today, actions=[action]) == expected


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (date(2016, 3, 3), [(LEAD, "target_approaching", "notice")]),  # 10 working days before
        (date(2016, 3, 4), []),
        (date(2016, 3, 17), []),  # the target day itself
        (date(2016, 3, 18), [(LEAD, "target_passed", "passed")]),  # first working day after
        (date(2016, 3, 21), []),
    ],
)
def test_target_dates_approaching_and_passed(today, expected):
    action = LeadAction("MAP-002", "Audit", LEAD, date(2016, 3, 17), updated_this_cycle=True)
    got = decide_chases(
        today, people=PEOPLE, deadlines=[], actions=[action], current_cycle=None, chair_id=CHAIR
    )
    assert sorted((c.recipient_id, c.kind, c.step) for c in got) == expected


def test_stale_updates_are_listed_when_the_cycle_opens():
    action = LeadAction("MAP-003", "Stale", LEAD, None, updated_this_cycle=False, stale=True)
    assert chases(date(2016, 2, 1), actions=[action]) == [(LEAD, "stale_update", "MAP-003")]


@pytest.mark.parametrize("owner", [LEFT, NO_EMAIL])
def test_a_person_who_left_or_has_no_email_is_chased_through_their_line_manager(owner):
    found = decide_chases(
        date(2016, 2, 12),
        people=PEOPLE,
        deadlines=[return_deadline(owner=owner)],
        actions=[],
        current_cycle=CYCLE3,
        chair_id=CHAIR,
    )
    assert [(c.recipient_id, c.kind) for c in found] == [(MANAGER, "return")]
    assert found[0].about_id == owner and "Sent to you because" in found[0].note


def test_keys_are_unique_per_recipient_kind_period_and_step():
    found = decide_chases(
        date(2016, 2, 16),
        people=PEOPLE,
        deadlines=[return_deadline()],
        actions=[],
        current_cycle=CYCLE3,
        chair_id=CHAIR,
    )
    keys = [c.key for c in found]
    assert len(keys) == len(set(keys)) == 2
    assert f"{HEAD}|return|3|late-2" in keys


def test_settings_change_the_numbers():
    settings = ChaseSettings(remind_days_before=1, escalate_to_manager_after=1)
    found = decide_chases(
        date(2016, 2, 11),
        people=PEOPLE,
        deadlines=[return_deadline()],
        actions=[],
        current_cycle=CYCLE3,
        chair_id=CHAIR,
        settings=settings,
    )
    assert [(c.recipient_id, c.step) for c in found] == [(HEAD, "before")]


@pytest.mark.parametrize(
    ("month", "working_day", "due"),
    [
        ("2016-02", 5, date(2016, 2, 5)),
        ("2016-01", 5, date(2016, 1, 8)),  # New Year's Day is not a working day
        ("2016-03", 1, date(2016, 3, 1)),
        ("2016-05", 1, date(2016, 5, 3)),  # Early May bank holiday on Monday 2 May
    ],
)
def test_sef_due_dates(month, working_day, due):
    assert sef_due_date(month, working_day) == due


@pytest.mark.parametrize(
    ("updates", "stale"),
    [
        ([], False),
        ([(None, "green", "Agreed.")], False),
        ([(1, "green", "A"), (2, "green", "B"), (3, "green", "C")], False),
        ([(1, "green", "Same"), (2, "green", "Same"), (3, "green", "Same")], True),
        ([(1, "green", "Same"), (2, "amber", "Same"), (3, "amber", "Same ")], True),  # pasted
        ([(1, "green", "A"), (2, "amber", "B"), (3, "amber", "C"), (3, "amber", "C")], True),
        ([(1, "green", "X"), (2, "green", "X"), (3, "red", "Y")], False),
        ([(2, "green", "X"), (3, "green", "X")], True),  # pasted from the last cycle
    ],
)
def test_stale_when_rag_and_summary_unchanged_for_three_cycles_or_pasted(updates, stale):
    assert is_stale(updates, cycles=3) is stale
