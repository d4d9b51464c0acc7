"""The audit log in words: each kind of event a sentence with names, never a raw dictionary."""

import pytest

from tracker.domain.audit_words import KINDS, Names, describe, kind_label

NAMES = Names(
    people={7: "Claire Whitfield", 8: "Steven Ashworth", 9: "Imran Siddiqui"},
    localities={1: "North", 2: "Central"},
    locality_codes={"north": "North", "central": "Central"},
    organisations={3: "Exampleshire Children's Trust", 4: "Cafcass"},
)


@pytest.mark.parametrize(
    ("kind", "target", "detail", "sentence"),
    [
        (
            "person_changed",
            "claire@trust.example",
            {"person_id": 7, "changes": {"deputy_locality_id": [None, 1]}},
            "Claire Whitfield named deputy for North",
        ),
        (
            "person_changed",
            "claire@trust.example",
            {
                "person_id": 7,
                "changes": {"deputy_locality_id": [2, 1]},
                "replaced_deputy": "marcus@trust.example",
            },
            "Claire Whitfield named deputy for North (was Central), replacing marcus@trust.example",
        ),
        (
            "person_changed",
            "claire@trust.example",
            {"person_id": 7, "changes": {"role": ["action_lead", "chair"]}},
            "Claire Whitfield's role changed from Action lead to Chair or senior leader",
        ),
        (
            "person_changed",
            "claire@trust.example",
            {
                "person_id": 7,
                "changes": {"organisation_id": [4, 3], "line_manager_id": [None, 9]},
            },
            "Claire Whitfield's details changed: organisation from Cafcass to Exampleshire "
            "Children's Trust; line manager from none to Imran Siddiqui",
        ),
        (
            "person_left",
            "lee@trust.example",
            {
                "person_id": 8,
                "left_on": "2016-02-04",
                "open_actions": ["MAP-010", "MAP-011"],
                "chased_through": 9,
                "was_deputy_for": 2,
            },
            "Steven Ashworth marked as left on 4 February 2016; open actions MAP-010, MAP-011 "
            "chased through Imran Siddiqui; no longer deputy for Central",
        ),
        (  # an event from before the leaving date was asked: the parts it lacks are left out
            "person_left",
            "lee@trust.example",
            {"person_id": 8, "open_actions": [], "chased_through": None, "was_deputy_for": None},
            "Steven Ashworth marked as left",
        ),
        (
            "actions_reassigned",
            "lee@trust.example",
            {"from": 8, "to": 9, "to_email": "imran@trust.example", "refs": ["MAP-010"]},
            "Open actions of Steven Ashworth reassigned to Imran Siddiqui: MAP-010",
        ),
        (
            "person_invited",
            "sam@trust.example",
            {"person_id": 99, "role": "action_lead"},
            "number 99 (no longer known) invited as Action lead",
        ),
        (
            "return_submitted",
            "north cycle 3",
            {"updates": 38, "late": False},
            "Return submitted for North cycle 3 (38 updates); late: no",
        ),
        (
            "target_date_approved",
            "MAP-003",
            {"request": 4, "from": "2016-03-31", "to": "2016-05-31"},
            "Target date change for MAP-003 approved from 31 March 2016 to 31 May 2016",
        ),
        (
            "action_updated",
            "N-01",
            {"version": 3, "lifecycle": "in_progress", "rag": "amber"},
            "N-01 updated: In progress, Amber: slipping, recoverable",
        ),
        ("sign_in_failed", "nobody@trust.example", {}, "Sign-in refused for nobody@trust.example"),
        (
            "permission_refused",
            "/admin/users",
            {"permission": "admin", "method": "GET"},
            "Refused GET /admin/users (needs admin)",
        ),
    ],
)
def test_each_kind_reads_as_a_sentence_with_names(kind, target, detail, sentence):
    assert describe(kind, target, detail, NAMES) == sentence


@pytest.mark.parametrize(
    ("kind", "target", "detail", "sentence"),
    [
        (
            "widget_moved",
            "W-1",
            {"count": 3, "to": "2016-02-05"},
            "Widget moved: about W-1; count: 3; to: 5 February 2016",
        ),
        ("widget_moved", "", {}, "Widget moved"),
        ("", "", None, "Event"),
        (
            "odd",
            "north cycle 2",
            {"person_id": 7, "nested": {"a_b": [1, 2]}},
            "Odd: about North cycle 2; person: Claire Whitfield; nested: a b: 1, 2",
        ),
    ],
)
def test_a_kind_the_table_does_not_know_still_reads(kind, target, detail, sentence):
    assert describe(kind, target, detail, NAMES) == sentence


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_kind_reads_without_braces_or_a_dictionary_even_with_no_detail(kind):
    for detail in ({}, {"person_id": 7, "changes": "not a dict"}, "not even a dict"):
        text = describe(kind, "about", detail, NAMES)
        assert text and not any(c in text for c in "{}[]"), (kind, text)
        assert "None" not in text
    assert kind_label(kind) == KINDS[kind].label


def test_an_unknown_kinds_label_is_its_words():
    assert kind_label("widget_moved") == "Widget moved"
