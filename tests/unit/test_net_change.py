"""The net change of an action over a period: where it started, where it ended, how many moves
it took; a move and its reversal leave it where it started, not moved to red."""

from __future__ import annotations

import pytest

from tracker.domain.changes import CLOSED_STATE, net_move, net_sort_key


@pytest.mark.parametrize(
    ("moves", "start", "end", "count", "outcome", "to_red"),
    [
        ([("amber", "red")], "amber", "red", 1, "to_red", True),
        ([("amber", "red"), ("red", "amber")], "amber", "amber", 2, "unchanged", False),
        ([("green", "red"), ("red", "amber")], "green", "amber", 2, "to_amber", False),
        ([("red", "amber"), ("amber", "red")], "red", "red", 2, "unchanged", False),
        ([("green", "amber"), ("amber", "red"), ("red", "amber"), ("amber", "red")],
         "green", "red", 4, "to_red", True),
        ([("amber", "green")], "amber", "green", 1, "to_green", False),
        ([("red", "green"), ("green", CLOSED_STATE)], "red", CLOSED_STATE, 2, "closed", False),
    ],
)  # fmt: skip
def test_the_net_move_runs_from_the_first_state_to_the_last(
    moves, start, end, count, outcome, to_red
):
    net = net_move(moves)
    assert (net.start, net.end, net.moves) == (start, end, count)
    assert net.outcome == outcome and net.to_red is to_red


def test_an_action_with_no_moves_has_no_net_move():
    with pytest.raises(ValueError):
        net_move([])


def test_moves_to_red_are_read_first_and_reversals_last():
    nets = {
        "A": net_move([("amber", "red"), ("red", "amber")]),
        "B": net_move([("red", "green")]),
        "C": net_move([("green", "red")]),
        "D": net_move([("green", CLOSED_STATE)]),
    }
    assert sorted(nets, key=lambda ref: net_sort_key(nets[ref], ref)) == ["C", "B", "D", "A"]
