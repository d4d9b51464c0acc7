"""Issue 21.5: a filter page's address loses its empty values, keeping every other value (a
repeated one too, in order); a query with none empty is left alone (so no redirect loops)."""

from __future__ import annotations

import pytest

from tracker.web.clean_query import without_empty_values


@pytest.mark.parametrize(
    ("pairs", "kept"),
    [
        ([("plan", "north"), ("rag", ""), ("lifecycle", "")], [("plan", "north")]),
        ([("rag", "red"), ("area", ""), ("rag", "amber")], [("rag", "red"), ("rag", "amber")]),
        ([("q", ""), ("kind", "")], []),
        ([("q", " ")], None),  # a space is a value the page reads, not an empty one
        ([("plan", "north"), ("rag", "red")], None),
        ([], None),
    ],
)
def test_only_empty_values_are_dropped_and_a_clean_query_is_left_alone(pairs, kept):
    assert without_empty_values(pairs) == kept


def test_a_value_the_page_keeps_stays_even_when_empty():
    assert without_empty_values([("q", ""), ("kind", "")], keep=("q",)) == [("q", "")]
    assert without_empty_values([("q", "")], keep=("q",)) is None
