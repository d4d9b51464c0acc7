"""Importing the plan from a spreadsheet in the export's columns: reading the file into rows,
checking every row against what the tracker holds, and working out what would change.

Pure Python (openpyxl reads the workbook from bytes): the service loads a `Snapshot` of the
plan, `plan_import` returns every problem (by sheet, row and column) and every change, and the
service writes the changes only when there is no problem at all."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime

from tracker.domain.dependencies import find_cycle
from tracker.domain.personal_data import personal_data_message
from tracker.domain.plan_changes import FIELD_LABELS, TITLE_LIMIT, PlanEntry, changed_fields
from tracker.domain.spreadsheet import FORMULA_STARTS
from tracker.domain.states import LeadBody
from tracker.domain.updates import TEXT_LIMIT

# The export's columns, in its order (services/exchange/exports.py writes these, then EXPORT_ONLY).
HEADER = (
    "Ref",
    "Plan",
    "Recommendation",
    "Title",
    "Description",
    "Lead",
    "Lead job title",
    "Lead organisation",
    "Partners",
    "Start date",
    "Target date",
    "Lifecycle",
    "RAG",
    "Impact",
    "Overdue",
    "Latest summary",
    "Latest reason",
    "Last updated (London time)",
    "Version",
    "Depends on",
)
# Columns the export writes after these for people to read (an action's evidence), which the
# import leaves alone: an export imported again changes nothing.
EXPORT_ONLY = ("Evidence items", "Evidence titles", "Baseline target date", "Days overdue")
# A column the export does not write but the template does: a new action needs one.
SUCCESS_MEASURE = "Success measure"
TEMPLATE_HEADER = (*HEADER, SUCCESS_MEASURE)
# The action's state: read to compare, never written (state changes go through updates).
STATE_COLUMNS = ("Lifecycle", "RAG", "Impact", "Latest summary")
# The workbook's Recommendations sheet (an XLSX only: a CSV holds actions alone).
REC_SHEET = "Recommendations"
REC_HEADER = ("Ref", "Title", "Text", "Judgement area", "Lead body", "Partners")
REC_TITLE_LIMIT = 200  # the columns' sizes
REC_AREA_LIMIT = 200
REC_REF_LIMIT = 16
_REC_REF = re.compile(r"[A-Z][A-Z0-9.-]*")
_CONTROL = re.compile(r"[\x01-\x08\x0b\x0c\x0e-\x1f\x7f]")
CSV_SHEET = "CSV"
HEADER_SEARCH_ROWS = 5  # a workbook's sheet may have a title or notes above its header row
_REF = re.compile(r"[A-Z]+-\d+")
_UK_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")


class UnreadableFile(Exception):
    """The file cannot be read at all (a clear message; nothing is checked or written)."""


@dataclass(frozen=True)
class ReadLimits:
    """How much of a file an import reads before it stops with a message. A workbook's
    declared size (its <dimension>) is never trusted: rows and cells are counted as read."""

    rows: int = 20_000  # rows holding a value, in one sheet (or the CSV)
    cells: int = 500_000  # cells read in the whole file, filled or only formatted
    unzipped_bytes: int = 200 * 1024 * 1024  # what a workbook's parts hold, unzipped


class _Budget:
    """Counts the cells a file costs to read; stops the read at the limit."""

    def __init__(self, limits: ReadLimits) -> None:
        self.limits = limits
        self.cells = 0

    def spend(self, cells: int) -> None:
        self.cells += cells
        if self.cells > self.limits.cells:
            raise UnreadableFile(
                f"The file has more than {self.limits.cells:,} cells (filled or only "
                "formatted): the most an import reads. Delete the unused rows and columns "
                "below and to the right of the plan, or split the file, and try again."
            )

    def rows(self, sheet: str, count: int, number: int) -> None:
        """`count` rows holding a value so far, the latest at row `number`."""
        limit = self.limits.rows
        if count > limit or number > limit + HEADER_SEARCH_ROWS:
            where = "The file" if sheet == CSV_SHEET else f"The sheet {sheet}"
            raise UnreadableFile(
                f"{where} has more than {limit:,} rows (row {number:,} holds a value): the most "
                "an import reads. Split the file, or import the plans one at a time."
            )


@dataclass(frozen=True)
class Problem:
    sheet: str
    row: int  # the spreadsheet's row number (the header is row 1); 0 for the whole sheet
    column: str
    message: str


@dataclass(frozen=True)
class Row:
    sheet: str
    number: int
    cells: dict[str, object]


@dataclass
class Sheet:
    name: str
    rows: list[Row]
    kind: str = "actions"  # or "recommendations" (the Recommendations sheet)


# ---------------------------------------------------------------------------------------------
# Reading the file


def _unneutralise(text: str) -> str:
    """Undo the export's guard against formulas: "'=x" was exported for "=x"."""
    if len(text) > 1 and text[0] == "'" and text[1] in FORMULA_STARTS:
        return text[1:]
    return text


class _Formula:
    """A cell that holds a formula (refused, never evaluated)."""

    def __init__(self, text: str) -> None:
        self.text = text


def _header_problem(sheet: str, header: list[str]) -> Problem | None:
    got = tuple(h.strip() for h in header)
    while got and got[-1] == "":
        got = got[:-1]
    # Read, not imported: the export-only columns after the import's (an older export wrote
    # fewer of them, so any leading run of them is left out).
    tail = got[len(HEADER) :]
    while tail and tail[0] in EXPORT_ONLY:
        tail = tail[1:]
    got = got[: len(HEADER)] + tail
    if got in (HEADER, TEMPLATE_HEADER):
        return None
    missing = [c for c in HEADER if c not in got]
    extra = [c for c in got if c not in TEMPLATE_HEADER]
    parts = []
    if missing:
        parts.append("missing column" + ("s " if len(missing) > 1 else " ") + ", ".join(missing))
    if extra:
        parts.append(
            "unexpected column"
            + ("s " if len(extra) > 1 else " ")
            + ", ".join(e or "(blank)" for e in extra)
        )
    if not parts:
        parts.append("the columns are not in the export's order")
    return Problem(
        sheet,
        1,
        "",
        "The header row does not match the export's columns: "
        + "; ".join(parts)
        + ". Download the template to see them.",
    )


def _trimmed(header: list[str]) -> tuple[str, ...]:
    got = tuple(h.strip() for h in header)
    while got and got[-1] == "":
        got = got[:-1]
    return got


def _rec_header_problem(sheet: str, header: list[str]) -> Problem | None:
    got = _trimmed(header)
    if got == REC_HEADER:
        return None
    missing = [c for c in REC_HEADER if c not in got]
    extra = [c or "(blank)" for c in got if c not in REC_HEADER]
    parts = []
    if missing:
        parts.append("missing " + ", ".join(missing))
    if extra:
        parts.append("unexpected " + ", ".join(extra))
    return Problem(
        sheet,
        1,
        "",
        "The Recommendations sheet's header row must be "
        + ", ".join(REC_HEADER)
        + (": " + "; ".join(parts) if parts else " in that order")
        + ". Export the plan as Excel to see it.",
    )


def _cell_text(value: object, *, text_may_be_formula: bool = True) -> object:
    """A cell as read. In a CSV, text starting with '=' is a formula to a spreadsheet; in a
    workbook a formula is its own kind of cell (a text cell starting '=' is text, as Excel's
    leading apostrophe makes it)."""
    if isinstance(value, str):
        if "\x00" in value:
            return _Bad("contains a NUL character")
        if text_may_be_formula and value.startswith("="):
            return _Formula(value)
        return _unneutralise(value)
    return value


class _Bad:
    def __init__(self, why: str) -> None:
        self.why = why


def _row(
    sheet: str,
    number: int,
    header: tuple[str, ...],
    values: list[object],
    *,
    text_may_be_formula: bool = True,
) -> Row | None:
    values = list(values) + [None] * (len(header) - len(values))
    if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
        return None  # a blank line
    return Row(
        sheet,
        number,
        {
            h: v
            if isinstance(v, _Formula)
            else _cell_text(v, text_may_be_formula=text_may_be_formula)
            for h, v in zip(header, values, strict=False)
        },
    )


def csv_text(data: bytes) -> str:
    """A CSV file's text: UTF-8, with or without the BOM the export writes; refused otherwise."""
    if b"\x00" in data:
        raise UnreadableFile(
            "The file contains NUL bytes: it is not a CSV file. Save it as CSV UTF-8 and try again."
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UnreadableFile(
            "The file is not UTF-8 text (byte "
            f"{exc.start + 1} cannot be read). Save it as \u201cCSV UTF-8\u201d and try again."
        ) from None


def read_csv(data: bytes, limits: ReadLimits | None = None) -> tuple[list[Sheet], list[Problem]]:
    """UTF-8 (with or without the BOM the export writes), the export's columns; read line by
    line, and stopped with a message past `limits`' rows or cells."""
    budget = _Budget(limits or ReadLimits())
    reader = csv.reader(io.StringIO(csv_text(data), newline=""))
    rows: list[Row] = []
    problems: list[Problem] = []
    header: tuple[str, ...] | None = None
    filled = 0
    try:
        for number, values in enumerate(reader, start=1):
            budget.spend(len(values) + 1)
            if header is None:
                problem = _header_problem(CSV_SHEET, values)
                if problem:
                    return [], [problem]
                header = tuple(h.strip() for h in values)
                continue
            if any(v.strip() for v in values):
                filled += 1
                budget.rows(CSV_SHEET, filled, number)
            if len([v for v in values[len(header) :] if v.strip()]):
                problems.append(
                    Problem(CSV_SHEET, number, "", "The row has more cells than columns")
                )
            row = _row(CSV_SHEET, number, header, values[: len(header)])
            if row:
                rows.append(row)
    except csv.Error as exc:
        raise UnreadableFile(f"The file is not valid CSV: {exc}") from None
    if header is None:
        raise UnreadableFile("The file is empty: it needs the export's header row.")
    return [Sheet(CSV_SHEET, rows)], problems


def _filled_rows(ws, budget: _Budget) -> Iterator[tuple[int, dict[int, object]]]:
    """A read-only worksheet's rows that hold a value, as (row number, {column: value}), read
    straight from its XML: the declared <dimension> is ignored (openpyxl's own rows trust it,
    padding every row to its width and yielding every row up to its height), rows and cells
    that are absent cost nothing, and formatted but empty cells are counted, not kept. A formula
    cell's value is a `_Formula`."""
    from openpyxl.worksheet._reader import WorkSheetParser

    book = ws.parent
    filled = 0
    with ws._get_source() as source:
        parser = WorkSheetParser(
            source,
            ws._shared_strings,
            data_only=False,
            epoch=book.epoch,
            date_formats=book._date_formats,
            timedelta_formats=book._timedelta_formats,
        )
        for number, cells in parser.parse():
            budget.spend(len(cells) + 1)
            values: dict[int, object] = {}
            for cell in cells:
                value = cell["value"]
                if cell["data_type"] == "f":
                    values[cell["column"]] = _Formula(str(value))
                elif value is not None and value != "":
                    values[cell["column"]] = value
            if not values:
                continue  # a blank or only formatted row
            filled += 1
            budget.rows(ws.title, filled, number)
            yield number, values


def _as_list(values: dict[int, object], width: int | None = None) -> list[object]:
    width = max(values, default=0) if width is None else width
    return [values.get(column) for column in range(1, width + 1)]


def open_workbook(data: bytes, limits: ReadLimits):
    """A workbook opened read-only (formulas kept as formulas); refused when it is not a
    workbook, is damaged or password-protected, or holds more than `limits` unzipped."""
    from openpyxl import load_workbook

    if data[:4] != b"PK\x03\x04":
        if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
            raise UnreadableFile(
                "The workbook is password-protected (or an old .xls file): remove the password "
                "or save it as .xlsx, and try again."
            )
        raise UnreadableFile("The file is not an Excel workbook (.xlsx): it cannot be read.")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            # Each part is read no further than its declared size (zipfile stops there).
            unzipped = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise UnreadableFile(
            f"The workbook is damaged and cannot be read ({type(exc).__name__}). "
            "Open it in Excel, save it again as .xlsx, and try again."
        ) from None
    if unzipped > limits.unzipped_bytes:
        raise UnreadableFile(
            f"The workbook holds {unzipped / 1_048_576:,.0f} MB unzipped: the most an import "
            f"reads is {limits.unzipped_bytes / 1_048_576:,.0f} MB. Delete the unused rows, "
            "columns and sheets, or split the file, and try again."
        )
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as exc:
        raise UnreadableFile(
            f"The workbook is damaged and cannot be read ({type(exc).__name__}). "
            "Open it in Excel, save it again as .xlsx, and try again."
        ) from None
    except Exception as exc:  # openpyxl raises many kinds for a broken file
        raise UnreadableFile(
            f"The workbook cannot be read ({type(exc).__name__}). Save it again as .xlsx."
        ) from None
    return book


def read_xlsx(data: bytes, limits: ReadLimits | None = None) -> tuple[list[Sheet], list[Problem]]:
    """Every sheet whose header row is the export's (Summary, History or Legend sheets are left
    alone); refused when corrupt or password-protected, or past `limits`."""
    limits = limits or ReadLimits()
    budget = _Budget(limits)
    book = open_workbook(data, limits)
    sheets: list[Sheet] = []
    problems: list[Problem] = []
    plan_like: list[tuple[str, Problem]] = []
    try:
        for ws in book.worksheets:
            iterator = _filled_rows(ws, budget)
            # The header is the first row, or within the first few under a title.
            problem = None
            header: list[str] = []
            kind = "actions"
            is_rec = ws.title.strip().lower() == REC_SHEET.lower()
            after_header: list[tuple[int, dict[int, object]]] = []
            for number, first in iterator:
                if number > HEADER_SEARCH_ROWS:
                    after_header.append((number, first))
                    break
                header = ["" if v is None else str(v) for v in _as_list(first)]
                if _trimmed(header) == REC_HEADER:
                    kind, problem = "recommendations", None
                    break
                problem = (_rec_header_problem if is_rec else _header_problem)(ws.title, header)
                if problem is None or (header and header[0].strip() == "Ref"):
                    if problem is not None:
                        problem = Problem(ws.title, number, "", problem.message)
                    break
            if problem is not None or not header:
                if problem is not None and header and header[0].strip() == "Ref":
                    plan_like.append((ws.title, problem))  # meant as a plan sheet
                iterator.close()
                continue
            header_t = tuple(h.strip() for h in header)
            while header_t and header_t[-1] == "":
                header_t = header_t[:-1]
            width = len(header_t)
            rows = []
            for number, cells in _chain(after_header, iterator):
                if any(column > width for column in cells):
                    problems.append(
                        Problem(ws.title, number, "", "The row has more cells than columns")
                    )
                row = _row(
                    ws.title, number, header_t, _as_list(cells, width), text_may_be_formula=False
                )
                if row:
                    rows.append(row)
            sheets.append(Sheet(ws.title, rows, kind))
    except UnreadableFile:
        raise
    except Exception as exc:  # a damaged part found while reading rows
        raise UnreadableFile(
            f"The workbook is damaged and cannot be read ({type(exc).__name__})."
        ) from None
    finally:
        book.close()
    problems.extend(p for _, p in plan_like)
    if not sheets and not plan_like:
        raise UnreadableFile(
            "No sheet in the workbook has the export's header row (Ref, Plan, Recommendation, "
            "...). Download the template to see the columns."
        )
    return sheets, problems


def _chain(first: list, rest: Iterator) -> Iterator:
    yield from first
    yield from rest


def read_file(
    filename: str, data: bytes, limits: ReadLimits | None = None
) -> tuple[list[Sheet], list[Problem]]:
    name = filename.lower()
    if name.endswith(".xlsx") or data[:4] == b"PK\x03\x04":
        return read_xlsx(data, limits)
    if name.endswith((".xls", ".xlsm", ".ods")):
        raise UnreadableFile("Only .xlsx workbooks and .csv files can be imported.")
    return read_csv(data, limits)


# ---------------------------------------------------------------------------------------------
# What the tracker holds, as plain values (loaded by the service in a few queries)


@dataclass(frozen=True)
class ActionNow:
    ref: str
    plan_code: str
    recommendation: str
    entry: PlanEntry  # lead: the person's id as text; organisations: codes
    start_date: date | None
    target_date: date | None
    lifecycle: str
    lifecycle_label: str
    closed: bool
    rag: str  # as exported: "Green", or "" when closed
    impact_label: str
    summary: str
    plan_version: int
    depends_on: frozenset[str]


@dataclass(frozen=True)
class RecommendationNow:
    ref: str
    title: str
    text: str
    judgement_area: str
    lead_body: str  # the stored value ("trust")
    partners: tuple[str, ...]


@dataclass
class Snapshot:
    plans: dict[str, str]  # plan name or code (lower case) -> code
    # plan code -> the next ref in its sequence ("AP-041", "B-12"), for plans holding actions
    next_refs: dict[str, str]
    recommendations: set[str]
    organisations: dict[str, str]  # name or code (lower case) -> code
    people_by_email: dict[str, int]  # lower case
    people_by_name: dict[str, list[int]]  # lower case
    actions: dict[str, ActionNow]
    # Everyone who leads an action, active or not: (name, email) in lower case. A lead who has
    # left still matches their own action's row, so the export of such an action imports.
    leads: dict[int, tuple[str, str]] = field(default_factory=dict)
    active_ids: set[int] = field(default_factory=set)
    # Each recommendation's values (its ref is in `recommendations` too).
    recommendation_rows: dict[str, RecommendationNow] = field(default_factory=dict)


# ---------------------------------------------------------------------------------------------
# Checking and working out the changes


@dataclass(frozen=True)
class NewActionRow:
    sheet: str
    row: int
    ref: str
    plan_code: str
    recommendation: str
    entry: PlanEntry
    start_date: date | None
    target_date: date | None


@dataclass(frozen=True)
class EditRow:
    sheet: str
    row: int
    ref: str
    plan_version: int
    entry: PlanEntry | None  # the new plan entry, or None when only dates or links change
    start_date: tuple[date | None, date | None] | None  # (old, new) when it changes
    target_date: tuple[date | None, date | None] | None
    fields: tuple[str, ...] = ()  # what changes, as people read it ("Title", "Target date")


@dataclass(frozen=True)
class RecommendationRow:
    """A recommendation the Recommendations sheet adds (`before` None) or changes."""

    sheet: str
    row: int
    values: RecommendationNow
    before: RecommendationNow | None = None
    fields: tuple[str, ...] = ()  # what changes, as the sheet's columns name it

    @property
    def ref(self) -> str:
        return self.values.ref


@dataclass
class ImportPlan:
    rows: int = 0
    problems: list[Problem] = field(default_factory=list)
    notices: list[Problem] = field(default_factory=list)
    new_actions: list[NewActionRow] = field(default_factory=list)
    edits: list[EditRow] = field(default_factory=list)
    # ref -> (prerequisites before, prerequisites after), sorted
    dependencies: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = field(default_factory=dict)
    new_recommendations: list[RecommendationRow] = field(default_factory=list)
    recommendation_edits: list[RecommendationRow] = field(default_factory=list)
    # A new action's first state, when a mapped sheet gives one: ref -> (lifecycle, RAG,
    # summary) as stored ("in_progress", "amber", "Two posts filled"). Blank parts keep the
    # defaults (not started, green, "Added to the plan.").
    initial_states: dict[str, tuple[str, str, str]] = field(default_factory=dict)

    @property
    def changes(self) -> int:
        return (
            len(self.new_recommendations)
            + len(self.recommendation_edits)
            + len(self.new_actions)
            + len(self.edits)
            + len(self.dependencies)
        )

    def clear_changes(self) -> None:
        """A file with any problem changes nothing."""
        self.new_actions, self.edits, self.dependencies = [], [], {}
        self.new_recommendations, self.recommendation_edits = [], []
        self.initial_states = {}

    def summary(self) -> dict[str, int]:
        return {
            "rows": self.rows,
            "problems": len(self.problems),
            "new_recommendations": len(self.new_recommendations),
            "edited_recommendations": len(self.recommendation_edits),
            "new_actions": len(self.new_actions),
            "edited_actions": len(self.edits),
            "dependency_changes": len(self.dependencies),
            "not_imported": len(self.notices),
        }


def parse_date(value: object) -> date | None | str:
    """A date cell: an Excel date, YYYY-MM-DD or DD/MM/YYYY; '' is none; else an error text."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        pass
    m = _UK_DATE.fullmatch(text)
    if m:
        try:
            return date(int(m[3]), int(m[2]), int(m[1]))
        except ValueError:
            pass
    return f"\u201c{text}\u201d is not a date: write it as YYYY-MM-DD, for example 2025-03-31"


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def _split(value: str) -> list[str]:
    return [p.strip() for p in value.replace(",", ";").split(";") if p.strip()]


def _split_names(value: str) -> list[str]:
    """Partners are exported joined by '; ' (names may hold commas)."""
    return [p.strip() for p in value.split(";") if p.strip()]


def plan_import(
    sheets: list[Sheet],
    snapshot: Snapshot,
    *,
    progress: Callable[[int], None] | None = None,
) -> ImportPlan:
    """Every problem in every row, and what the file would change if it had none."""
    result = ImportPlan()
    seen: dict[str, tuple[str, int]] = {}
    wanted_deps: dict[str, tuple[Row, list[str]]] = {}
    file_refs: dict[str, Row] = {}

    def problem(row: Row, column: str, message: str) -> None:
        result.problems.append(Problem(row.sheet, row.number, column, message))

    rec_rows = [r for s in sheets if s.kind == "recommendations" for r in s.rows]
    all_rows = [r for s in sheets if s.kind != "recommendations" for r in s.rows]
    result.rows = len(rec_rows) + len(all_rows)
    # Refs the Recommendations sheet names: an action row may answer one it adds.
    recommendations = snapshot.recommendations | _check_recommendations(
        rec_rows, snapshot, result, problem
    )
    for i, row in enumerate(all_rows):
        if progress and i % 100 == 0:
            progress(i)
        ok = True
        cells: dict[str, str] = {}
        for column, value in row.cells.items():
            if isinstance(value, _Formula):
                problem(
                    row,
                    column,
                    f"The cell holds a formula ({value.text[:40]}): formulas are not imported. "
                    "Type the value itself.",
                )
                ok = False
            elif isinstance(value, _Bad):
                problem(row, column, f"The cell {value.why}")
                ok = False
            elif column in ("Start date", "Target date"):
                cells[column] = value  # type: ignore[assignment]
            else:
                cells[column] = _text(value)
        ref = _ref(_text(cells.get("Ref")), snapshot)
        if not ref:
            problem(row, "Ref", "Enter the action's ref, for example AP-001")
            continue
        if ref not in snapshot.actions and (len(ref) > 16 or not _REF.fullmatch(ref)):
            problem(row, "Ref", f"\u201c{ref}\u201d is not a ref like AP-001 or B-01")
            continue
        if ref in seen:
            first_sheet, first_row = seen[ref]
            problem(
                row,
                "Ref",
                f"{ref} appears more than once in the file (first on {first_sheet} row "
                f"{first_row})",
            )
            continue
        seen[ref] = (row.sheet, row.number)
        file_refs[ref] = row
        if not ok:
            continue
        current = snapshot.actions.get(ref)
        _check_row(row, ref, cells, current, snapshot, result, problem, recommendations)
        deps = [_ref(d, snapshot) for d in _split(cells.get("Depends on", ""))]
        wanted_deps[ref] = (row, deps)
    if progress:
        progress(len(all_rows))
    _check_dependencies(wanted_deps, snapshot, file_refs, result, problem)
    if result.problems:
        result.clear_changes()
    return result


_LEAD_BODIES = {b.label.lower(): b.value for b in LeadBody} | {b.value: b.value for b in LeadBody}
REC_FIELDS = {  # RecommendationNow's field -> the sheet's column
    "title": "Title",
    "text": "Text",
    "judgement_area": "Judgement area",
    "lead_body": "Lead body",
    "partners": "Partners",
}


def _check_recommendations(rows: list[Row], snapshot: Snapshot, result, problem) -> set[str]:
    """Check the Recommendations sheet's rows, adding what they would add or change; return
    every ref the sheet names."""
    named: set[str] = set()
    seen: dict[str, int] = {}
    for row in rows:
        errors_before = len(result.problems)
        cells: dict[str, str] = {}
        for column, value in row.cells.items():
            if isinstance(value, _Formula):
                problem(
                    row,
                    column,
                    f"The cell holds a formula ({value.text[:40]}): formulas are not imported. "
                    "Type the value itself.",
                )
            elif isinstance(value, _Bad):
                problem(row, column, f"The cell {value.why}")
            else:
                text = _text(value)
                if _CONTROL.search(text):
                    problem(row, column, "The cell contains a control character: remove it")
                cells[column] = text
        ref = cells.get("Ref", "").upper()
        if not ref:
            if "Ref" in cells:
                problem(row, "Ref", "Enter the recommendation's ref, for example R21")
            continue
        if ref not in snapshot.recommendations and (
            len(ref) > REC_REF_LIMIT or not _REC_REF.fullmatch(ref)
        ):
            problem(row, "Ref", f"\u201c{ref}\u201d is not a recommendation ref like R21")
            continue
        named.add(ref)
        if ref in seen:
            problem(
                row,
                "Ref",
                f"{ref} appears more than once in the Recommendations sheet (first on row "
                f"{seen[ref]})",
            )
            continue
        seen[ref] = row.number
        for column, limit in (
            ("Title", REC_TITLE_LIMIT),
            ("Text", TEXT_LIMIT),
            ("Judgement area", REC_AREA_LIMIT),
        ):
            value = cells.get(column)
            if value is None:
                continue  # reported above (a formula, a NUL)
            if not value:
                problem(row, column, f"Enter the recommendation's {column.lower()}")
            elif len(value) > limit:
                problem(row, column, f"{column} must be {limit} characters or fewer")
        body = cells.get("Lead body")
        lead_body = _LEAD_BODIES.get((body or "").lower())
        if body is not None and lead_body is None:
            allowed = ", ".join(b.label for b in LeadBody)
            if body:
                problem(row, "Lead body", f"\u201c{body}\u201d is not a lead body: use {allowed}")
            else:
                problem(row, "Lead body", f"Enter the lead body: {allowed}")
        partners = tuple(_split_names(cells.get("Partners") or ""))
        for name in partners:
            if len(name) > REC_AREA_LIMIT:
                problem(
                    row, "Partners", f"Each partner must be {REC_AREA_LIMIT} characters or fewer"
                )
        if len(result.problems) > errors_before:
            continue
        values = RecommendationNow(
            ref=ref,
            title=cells["Title"],
            text=cells["Text"],
            judgement_area=cells["Judgement area"],
            lead_body=lead_body or "",
            partners=partners,
        )
        before = snapshot.recommendation_rows.get(ref)
        if before is None and ref in snapshot.recommendations:
            continue  # a snapshot without the values: leave it alone
        fields = tuple(
            column
            for name, column in REC_FIELDS.items()
            if before is None or getattr(before, name) != getattr(values, name)
        )
        if before is not None and not fields:
            continue  # no change
        # Child-level data is refused in what the import would write.
        for column, name in (
            ("Title", "title"),
            ("Text", "text"),
            ("Judgement area", "judgement_area"),
        ):
            if column in fields:
                message = personal_data_message(getattr(values, name))
                if message:
                    problem(row, column, message)
        if len(result.problems) > errors_before:
            continue
        change = RecommendationRow(row.sheet, row.number, values, before, fields if before else ())
        (result.new_recommendations if before is None else result.recommendation_edits).append(
            change
        )
    return named


def _ref(text: str, snapshot: Snapshot) -> str:
    """A ref as the tracker holds it (typed in lower case, it still matches)."""
    return text if text in snapshot.actions else text.upper()


def _person(
    row: Row,
    value: str,
    snapshot: Snapshot,
    problem: Callable[[Row, str, str], None],
    current: ActionNow | None = None,
) -> str | None:
    """The lead's id as text ('' for none), or None after reporting a problem."""
    if not value:
        return ""
    key = value.lower()
    if current is not None and current.entry.lead:
        own = snapshot.leads.get(int(current.entry.lead))
        if own and key in own:
            return current.entry.lead  # the action's own lead, even one who has left
    if key in snapshot.people_by_email:
        return str(snapshot.people_by_email[key])
    ids = snapshot.people_by_name.get(key, [])
    if len(ids) == 1:
        return str(ids[0])
    if len(ids) > 1:
        problem(row, "Lead", f"More than one person is called {value}: give their email instead")
        return None
    problem(
        row, "Lead", f"There is no active person or invitation called {value} (by name or email)"
    )
    return None


def _check_row(row, ref, cells, current, snapshot, result, problem, recommendations) -> None:
    errors_before = len(result.problems)
    plan_code = snapshot.plans.get(cells.get("Plan", "").lower())
    if not cells.get("Plan"):
        problem(row, "Plan", "Enter the plan (for example Main plan)")
    elif plan_code is None:
        problem(row, "Plan", f"There is no plan called {cells['Plan']}")
    elif current is not None and plan_code != current.plan_code:
        problem(row, "Plan", f"{ref} cannot move to another plan by import")
    rec = cells.get("Recommendation", "").upper()
    if not rec:
        problem(row, "Recommendation", "Enter the recommendation the action answers")
    elif rec not in recommendations:
        problem(row, "Recommendation", f"There is no recommendation {rec}")
    elif current is not None and rec != current.recommendation:
        problem(
            row,
            "Recommendation",
            f"{ref} answers {current.recommendation}: an action cannot move to another "
            "recommendation by import",
        )
    title = cells.get("Title", "")
    if not title:
        problem(row, "Title", "Enter a title")
    elif len(title) > TITLE_LIMIT:
        problem(row, "Title", f"Title must be {TITLE_LIMIT} characters or fewer")
    description = cells.get("Description", "")
    if len(description) > TEXT_LIMIT:
        problem(row, "Description", f"Description must be {TEXT_LIMIT} characters or fewer")
    lead = _person(row, cells.get("Lead", ""), snapshot, problem, current)
    org_name = cells.get("Lead organisation", "")
    org = snapshot.organisations.get(org_name.lower())
    if not org_name:
        problem(row, "Lead organisation", "Enter the lead organisation")
    elif org is None:
        problem(row, "Lead organisation", f"There is no organisation called {org_name}")
    partners = []
    for name in _split_names(cells.get("Partners", "")):
        code = snapshot.organisations.get(name.lower())
        if code is None:
            problem(row, "Partners", f"There is no organisation called {name}")
        else:
            partners.append(code)
    dates = {}
    for column in ("Start date", "Target date"):
        parsed = parse_date(cells.get(column))
        if isinstance(parsed, str):
            problem(row, column, parsed)
        else:
            dates[column] = parsed
    start, target = dates.get("Start date"), dates.get("Target date")
    if "Target date" in dates and target is None:
        problem(row, "Target date", "Enter a target date")
    elif start and target and target < start:
        problem(row, "Target date", "The target date must be the same as or after the start date")
    measure = cells.get(SUCCESS_MEASURE, "")
    if current is None and not measure:
        problem(
            row,
            SUCCESS_MEASURE,
            f"{ref} is a new action: say how success will be measured (the template's "
            "Success measure column)",
        )
    if len(measure) > TEXT_LIMIT:
        problem(row, SUCCESS_MEASURE, f"Success measure must be {TEXT_LIMIT} characters or fewer")
    for column, text in (
        ("Title", title),
        ("Description", description),
        (SUCCESS_MEASURE, measure),
    ):
        message = personal_data_message(text)
        if message:
            problem(row, column, message)
    if len(result.problems) > errors_before:
        return
    entry = PlanEntry(
        title=title,
        description=description,
        lead=lead or "",
        lead_organisation=org or "",
        partners=tuple(sorted(set(partners))),
        success_measure=measure if (current is None or measure) else current.entry.success_measure,
    )
    suggested = snapshot.next_refs.get(plan_code, "")
    prefix = suggested.rsplit("-", 1)[0]
    if current is None and prefix and not ref.startswith(prefix + "-"):
        problem(
            row,
            "Ref",
            f"{ref} is a new action in {cells['Plan']}, whose refs start {prefix}-: "
            f"give it a ref like {suggested}",
        )
        return
    if current is None:
        result.new_actions.append(
            NewActionRow(row.sheet, row.number, ref, plan_code, rec, entry, start, target)
        )
        return
    _state_notice(row, cells, current, result)
    entry_changed = entry != current.entry
    start_change = (current.start_date, start) if start != current.start_date else None
    target_change = (current.target_date, target) if target != current.target_date else None
    if (
        entry_changed
        and entry.lead
        and snapshot.active_ids
        and int(entry.lead) not in snapshot.active_ids
    ):
        problem(
            row,
            "Lead",
            f"{cells.get('Lead')} has left: to change {ref}, name an active lead as well",
        )
        return
    if (entry_changed or start_change or target_change) and current.closed:
        problem(
            row,
            "Title",
            f"{ref} is {current.lifecycle_label.lower()}: its plan entry can no longer be edited",
        )
        return
    if entry_changed or start_change or target_change:
        result.edits.append(
            EditRow(
                row.sheet,
                row.number,
                ref,
                current.plan_version,
                entry if entry_changed else None,
                start_change,
                target_change,
                tuple(FIELD_LABELS[c.field] for c in changed_fields(current.entry, entry))
                + (("Start date",) if start_change else ())
                + (("Target date",) if target_change else ()),
            )
        )


def _state_notice(row: Row, cells: dict[str, str], current: ActionNow, result) -> None:
    now = {
        "Lifecycle": current.lifecycle_label,
        "RAG": current.rag,
        "Impact": current.impact_label,
        "Latest summary": current.summary,
    }
    # A blank state cell (a template row) says nothing; a filled one that differs is reported.
    differ = [c for c in STATE_COLUMNS if cells.get(c, "") and cells.get(c, "") != now[c].strip()]
    if differ:
        result.notices.append(
            Problem(
                row.sheet,
                row.number,
                ", ".join(differ),
                "Not imported: the action's state changes only through updates",
            )
        )


def _check_dependencies(wanted, snapshot, file_refs, result, problem) -> None:
    known = set(snapshot.actions) | set(file_refs)
    graph: dict[str, set[str]] = {ref: set(a.depends_on) for ref, a in snapshot.actions.items()}
    for ref, (row, deps) in wanted.items():
        good = set()
        for dep in deps:
            if dep == ref:
                problem(row, "Depends on", f"{ref} cannot depend on itself")
            elif dep not in known:
                problem(row, "Depends on", f"There is no action {dep}")
            else:
                good.add(dep)
        graph[ref] = good
    # Only a link the file adds can close a loop: check each against the whole new graph.
    edges = [(a, b) for a, bs in graph.items() for b in bs]
    reported: set[frozenset[str]] = set()
    for ref, (row, _deps) in wanted.items():
        before = snapshot.actions[ref].depends_on if ref in snapshot.actions else frozenset()
        for dep in sorted(graph[ref] - before):
            loop = find_cycle(edges, (ref, dep))
            if loop and frozenset(loop) not in reported:
                reported.add(frozenset(loop))
                problem(
                    row,
                    "Depends on",
                    "That would make a loop of dependencies: " + " depends on ".join(loop),
                )
    for ref, (_row, _deps) in wanted.items():
        before = snapshot.actions[ref].depends_on if ref in snapshot.actions else frozenset()
        after = graph[ref]
        if after != before:
            result.dependencies[ref] = (tuple(sorted(before)), tuple(sorted(after)))


def sort_problems(problems: Iterable[Problem], order: list[str]) -> list[Problem]:
    rank = {name: i for i, name in enumerate(order)}
    return sorted(problems, key=lambda p: (rank.get(p.sheet, len(rank)), p.row, p.column))
