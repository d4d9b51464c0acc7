"""An import reads a file within limits on rows, cells and its unzipped size, and never trusts
a workbook's declared size: a file past a limit is refused quickly, in bounded memory, with a
clear message, and writes nothing. Run on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from tests.conftest import DEMO_PASSWORD, load_seed_rows
from tests.import_files import appending, declaring, formatted_at, measured, text_at, workbook
from tracker.domain.imports import ReadLimits
from tracker.extensions import db
from tracker.models import AuditEvent
from tracker.services.exchange import exports, imports
from tracker.services.plan.filters import parse_filters

NOW = datetime(2016, 2, 5, 10, 30, tzinfo=UTC)
MAX = 10 * 1024 * 1024


@pytest.fixture
def seeded(clean_db):
    load_seed_rows(
        clean_db,
        demo_password=DEMO_PASSWORD,
        hash_method=clean_db.config["PASSWORD_HASH_METHOD"],
    )
    return clean_db


def _rows() -> list[list[str]]:
    e = exports.start_plan_export(
        today=date(2016, 2, 5),
        filters=parse_filters({}),
        as_at=None,
        asked={},
        user_id=None,
        now=NOW,
    )
    data = b"".join(e.chunks).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(data, newline="")))


def _run(data: bytes, name: str = "plan.xlsx", limits: ReadLimits | None = None):
    return imports.run_import(
        name, data, dry_run=True, actor=None, now=NOW, max_bytes=MAX, limits=limits
    )


def _last_refusal() -> str:
    detail = (
        db.session.execute(
            select(AuditEvent.detail)
            .where(AuditEvent.kind == "import")
            .order_by(AuditEvent.id.desc())
        )
        .scalars()
        .first()
    )
    return detail.get("refused", "")


def test_rows_past_a_small_declared_size_are_read_not_dropped(seeded):
    rows = _rows()[:4]
    data = declaring(workbook(rows), "A1:T2")  # claims one data row; holds three
    result = _run(data)
    assert result.ok, result.problems
    assert result.plan.rows == 3


def test_a_huge_declared_size_is_not_trusted_the_real_rows_are_read_quickly(seeded):
    data = declaring(workbook(_rows()[:4]), "A1:XFD1048576")
    result, seconds, peak_mb = measured(lambda: _run(data))
    assert result.ok and result.plan.rows == 3, result.problems
    assert seconds < 5 and peak_mb < 50, (seconds, peak_mb)


def test_a_value_at_a_far_row_is_refused_at_once_in_bounded_memory(seeded):
    # 5 KB: a huge declared size and one value in the sheet's last row. Read as the declared
    # size says, this took minutes (every row padded to 16,384 cells, a million rows).
    data = appending(declaring(workbook(_rows()[:4]), "A1:XFD1048576"), text_at("A1048576"))
    assert len(data) < 10_000
    result, seconds, peak_mb = measured(lambda: _run(data))
    assert result.refused == (
        "The sheet Main plan has more than 20,000 rows (row 1,048,576 holds a value): the most "
        "an import reads. Split the file, or import the plans one at a time."
    )
    assert not result.plan.changes and not result.problems
    assert seconds < 5 and peak_mb < 50, (seconds, peak_mb)
    assert _last_refusal() == result.refused


def test_formatted_empty_cells_far_away_are_skipped(seeded):
    data = appending(
        declaring(workbook(_rows()[:4]), "A1:XFD1048576"),
        formatted_at("XFD9") + formatted_at("A1048576"),
    )
    result, seconds, peak_mb = measured(lambda: _run(data))
    assert result.ok and result.plan.rows == 3, (result.refused, result.problems)
    assert seconds < 5 and peak_mb < 50, (seconds, peak_mb)


def test_a_value_far_to_the_right_is_a_row_problem_not_a_wide_read(seeded):
    data = appending(workbook(_rows()[:4]), text_at("XFD5"))
    result, seconds, peak_mb = measured(lambda: _run(data))
    assert [(p.row, p.message) for p in result.problems] == [
        (5, "The row has more cells than columns")
    ]
    assert seconds < 5 and peak_mb < 50, (seconds, peak_mb)


def test_more_rows_than_the_limit_are_refused(seeded):
    rows = _rows()
    limits = ReadLimits(rows=len(rows) - 2)
    for name, data in (("plan.xlsx", workbook(rows)), ("plan.csv", _csv(rows))):
        result = _run(data, name, limits)
        where = "The sheet Main plan" if name.endswith("xlsx") else "The file"
        assert result.refused.startswith(f"{where} has more than {len(rows) - 2:,} rows"), (
            result.refused
        )
    assert _run(_csv(rows), "plan.csv", ReadLimits(rows=len(rows) - 1)).ok


def test_more_cells_than_the_limit_are_refused_counting_formatted_ones(seeded):
    rows = _rows()[:4]
    formatted = "".join(
        f'<row r="{r}">' + "".join(f'<c r="{c}{r}" s="0"/>' for c in "ABCDEFGHIJ") + "</row>"
        for r in range(10, 210)
    )
    data = appending(workbook(rows), formatted)
    assert _run(data, limits=ReadLimits(cells=5_000)).ok  # 2,000 formatted cells: fine
    result = _run(data, limits=ReadLimits(cells=1_000))
    assert result.refused.startswith(
        "The file has more than 1,000 cells (filled or only formatted)"
    )
    result = _run(_csv(_rows()), "plan.csv", ReadLimits(cells=1_000))
    assert result.refused.startswith("The file has more than 1,000 cells")


def test_a_workbook_that_unzips_past_the_limit_is_refused_before_it_is_read(seeded):
    data = appending(workbook(_rows()[:2]), text_at("A9", "x" * 3_000_000))
    assert len(data) < 100_000
    result, seconds, peak_mb = measured(
        lambda: _run(data, limits=ReadLimits(unzipped_bytes=1_000_000))
    )
    assert result.refused.startswith("The workbook holds 3 MB unzipped: the most an import reads")
    assert seconds < 5 and peak_mb < 50, (seconds, peak_mb)


def _csv(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode()
