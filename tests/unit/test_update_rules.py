import pytest

from tracker.domain.states import Impact, Lifecycle, Rag
from tracker.domain.updates import CurrentState, Proposal, check_update

L, R, IMP = Lifecycle, Rag, Impact
IN_PROGRESS_GREEN = CurrentState(L.IN_PROGRESS, R.GREEN, IMP.NOT_YET_EVIDENCED, "Last time.")


def proposal(**changes):
    base = dict(
        summary="New progress.", lifecycle=L.IN_PROGRESS, rag=R.GREEN, impact=IMP.NOT_YET_EVIDENCED
    )
    return Proposal(**{**base, **changes})


@pytest.mark.parametrize(
    ("changes", "can_sign_off", "errors"),
    [
        ({}, False, set()),
        ({"summary": "  "}, False, {"summary"}),
        ({"summary": "Last time."}, False, {"summary"}),  # pasted from last cycle
        ({"summary": "Last time.", "confirm_unchanged": True}, False, set()),
        ({"rag": R.AMBER}, False, {"reason"}),
        ({"rag": R.AMBER, "reason": "Post vacant"}, False, set()),
        ({"rag": None}, False, {"rag", "reason"}),
        ({"lifecycle": L.NOT_STARTED, "reason": "Oops"}, False, {"lifecycle"}),  # backwards
        ({"lifecycle": L.COMPLETE_AWAITING_SIGNOFF, "reason": "Done"}, False, {"evidence"}),
        (
            {"lifecycle": L.COMPLETE_AWAITING_SIGNOFF, "reason": "Done", "evidence": "Audit"},
            False,
            set(),
        ),
        ({"lifecycle": L.CLOSED_EVIDENCED, "rag": None, "reason": "Done"}, False, {"lifecycle"}),
        ({"lifecycle": L.SUPERSEDED, "rag": None, "reason": "Merged"}, False, {"lifecycle"}),
        ({"lifecycle": L.SUPERSEDED, "rag": None, "reason": "Merged"}, True, {"superseded_by"}),
        (
            {"lifecycle": L.SUPERSEDED, "rag": None, "reason": "Merged", "superseded_by": "MAP-2"},
            True,
            set(),
        ),
        (
            {"lifecycle": L.SUPERSEDED, "rag": R.GREEN, "reason": "Merged"},
            True,
            {"rag", "superseded_by"},
        ),
    ],
)
def test_rules_for_an_in_progress_action(changes, can_sign_off, errors):
    result = check_update(IN_PROGRESS_GREEN, proposal(**changes), can_sign_off=can_sign_off)
    assert set(result) == errors


AWAITING = CurrentState(L.COMPLETE_AWAITING_SIGNOFF, R.GREEN, IMP.EMERGING, "Done, evidence given.")


@pytest.mark.parametrize(
    ("changes", "can_sign_off", "prereqs", "errors"),
    [
        (
            {"lifecycle": L.CLOSED_EVIDENCED, "rag": None, "reason": "Evidence seen"},
            True,
            [],
            set(),
        ),
        (
            {"lifecycle": L.CLOSED_EVIDENCED, "rag": None, "reason": "Evidence seen"},
            False,
            [],
            {"lifecycle"},
        ),
        (
            {"lifecycle": L.CLOSED_EVIDENCED, "rag": None, "reason": "Evidence seen"},
            True,
            ["MAP-002"],
            {"lifecycle"},
        ),
        (
            {
                "lifecycle": L.CLOSED_EVIDENCED,
                "rag": None,
                "reason": "Risk accepted by JSIG",
                "override_prerequisites": True,
            },
            True,
            ["MAP-002"],
            set(),
        ),
        (
            {
                "lifecycle": L.CLOSED_EVIDENCED,
                "rag": None,
                "reason": "x",
                "override_prerequisites": True,
            },
            False,
            ["MAP-002"],
            {"lifecycle"},
        ),
        ({"lifecycle": L.IN_PROGRESS, "reason": "Evidence is one audit only"}, True, [], set()),
        ({"lifecycle": L.IN_PROGRESS}, True, [], {"reason"}),  # returned without a reason
        ({"lifecycle": L.COMPLETE_AWAITING_SIGNOFF}, False, [], set()),  # no new evidence needed
    ],
)
def test_sign_off_rules(changes, can_sign_off, prereqs, errors):
    result = check_update(
        AWAITING, proposal(**changes), can_sign_off=can_sign_off, open_prerequisites=prereqs
    )
    assert set(result) == errors


def test_the_prerequisite_message_names_the_open_actions():
    result = check_update(
        AWAITING,
        proposal(lifecycle=L.CLOSED_EVIDENCED, rag=None, reason="x"),
        can_sign_off=True,
        open_prerequisites=["MAP-002", "MAP-007"],
    )
    assert "MAP-002, MAP-007" in result["lifecycle"]


@pytest.mark.parametrize("closed", [L.CLOSED_EVIDENCED, L.SUPERSEDED])
def test_a_closed_action_cannot_be_updated(closed):
    current = CurrentState(closed, None, IMP.EVIDENCED, "Closed.")
    result = check_update(current, proposal(), can_sign_off=True)
    assert "cannot be updated" in result["lifecycle"]
