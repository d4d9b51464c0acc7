"""Reading and checking an import file: pure rules, table-driven."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from tracker.domain import imports as rules
from tracker.services.exports import HEADER as EXPORT_HEADER


def test_the_import_reads_the_export_s_columns():
    assert rules.HEADER == EXPORT_HEADER


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2016-03-31", date(2016, 3, 31)),
        ("31/03/2016", date(2016, 3, 31)),
        ("", None),
        (None, None),
        (datetime(2016, 3, 31, 0, 0), date(2016, 3, 31)),
        (date(2016, 3, 31), date(2016, 3, 31)),
    ],
)
def test_dates_that_are_read(value, expected):
    assert rules.parse_date(value) == expected


@pytest.mark.parametrize("value", ["31/02/2016", "next week", "2016-13-01", "2016/03/31"])
def test_dates_that_are_not(value):
    assert "is not a date" in rules.parse_date(value)


@pytest.mark.parametrize(
    ("cell", "read"),
    [
        ("'=SUM(A1)", "=SUM(A1)"),
        ("'-5 referrals", "-5 referrals"),
        ("'@home", "@home"),
        ("'quoted", "'quoted"),
        ("plain", "plain"),
        ("'", "'"),
    ],
)
def test_the_export_s_guard_against_formulas_is_undone(cell, read):
    assert rules._unneutralise(cell) == read


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ("Ref\r\nCaf\xe9".encode("latin-1"), "not UTF-8"),
        (b"a,b\x00", "NUL"),
        (b"", "empty"),
    ],
)
def test_csv_that_cannot_be_read(data, words):
    with pytest.raises(rules.UnreadableFile, match=words):
        rules.read_csv(data)


def test_csv_with_or_without_a_bom_is_read_and_blank_lines_skipped():
    line = ",".join(rules.HEADER)
    for bom in (b"", b"\xef\xbb\xbf"):
        sheets, problems = rules.read_csv(bom + (line + "\r\n\r\nMAP-001\r\n").encode())
        assert problems == []
        assert [r.number for r in sheets[0].rows] == [3]
        assert sheets[0].rows[0].cells["Ref"] == "MAP-001"
