"""Importing a spreadsheet in any shape: the admin maps its columns to the tracker's fields.

A sheet's header row names its columns; a mapping says which column holds each field. The
mapped rows are then the rows of the export's own format (tracker/domain/imports.py checks
them, row by row), and every problem is shown by the sheet's own row and column ("C: Lead
officer"). A people sheet is mapped the same way and checked here. Plain Python."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

from tracker.domain.imports import (
    CSV_SHEET,
    SUCCESS_MEASURE,
    ImportPlan,
    Problem,
    ReadLimits,
    Row,
    Sheet,
    Snapshot,
    UnreadableFile,
    _as_list,
    _Bad,
    _Budget,
    _cell_text,
    _filled_rows,
    _Formula,
    _ref,
    _text,
    csv_text,
    open_workbook,
)
from tracker.domain.permissions import ROLE_LABELS, Role
from tracker.domain.personal_data import personal_data_message
from tracker.domain.states import Lifecycle
from tracker.domain.updates import TEXT_LIMIT

PLAN, PEOPLE = "plan", "people"


@dataclass(frozen=True)
class Field:
    key: str  # the form's name for it
    label: str  # as people read it
    column: str  # the export's column it stands for (a plan) or the person's detail
    required: bool = False
    names: tuple[str, ...] = ()  # other headers that mean it, matched case-insensitively


PLAN_FIELDS = (
    Field("ref", "Ref", "Ref", True, ("reference", "action ref", "action reference", "id")),
    Field("plan", "Plan", "Plan", False, ("action plan",)),
    Field(
        "finding",
        "Finding (recommendation)",
        "Recommendation",
        True,
        ("finding", "recommendation ref", "rec", "area for priority action"),
    ),
    Field("title", "Title", "Title", True, ("action", "action title")),
    Field("description", "Description", "Description", False, ("detail", "details")),
    Field("lead", "Lead", "Lead", True, ("lead officer", "lead person", "owner", "responsible")),
    Field(
        "lead_organisation",
        "Lead organisation",
        "Lead organisation",
        True,
        ("lead agency", "organisation", "agency", "lead body"),
    ),
    Field("partners", "Partners", "Partners", False, ("partner agencies", "partner")),
    Field("start_date", "Start date", "Start date", False, ("start", "from")),
    Field("target_date", "Target date", "Target date", True, ("target", "due", "due date")),
    Field("rag", "RAG", "RAG", False, ("rag rating", "rag status", "confidence")),
    Field("status", "Status", "Lifecycle", False, ("lifecycle", "state")),
    Field("progress", "Progress", "Latest summary", False, ("latest summary", "update", "notes")),
    Field("dependencies", "Dependencies", "Depends on", False, ("depends on", "dependency")),
    Field("success_measure", "Success measure", SUCCESS_MEASURE, False, ("measure", "outcome")),
)
# What councils call their areas, as an import's headers and roles may name them.
_AREA_KINDS = ("locality", "service area", "team")
PEOPLE_FIELDS = (
    Field("name", "Name", "name", True, ("full name", "person")),
    Field("email", "Email", "email", True, ("email address", "e-mail")),
    Field("organisation", "Organisation", "organisation", True, ("agency", "employer")),
    Field("role", "Role", "role", True, ("tracker role", "access")),
    Field("area", "Area", "area", False, _AREA_KINDS),
)
FIELDS = {PLAN: PLAN_FIELDS, PEOPLE: PEOPLE_FIELDS}


@dataclass
class Table:
    """One sheet as read: its header (the first row holding a value) and the rows below."""

    name: str
    header: tuple[str, ...]
    rows: list[tuple[int, list[object]]] = field(default_factory=list)
    is_csv: bool = False


def column_letter(index: int) -> str:
    """A 0-based column's letters, as a spreadsheet names it (0 -> A, 26 -> AA)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _is_xlsx(filename: str, data: bytes) -> bool:
    name = filename.lower()
    if name.endswith((".xls", ".xlsm", ".ods")):
        raise UnreadableFile("Only .xlsx workbooks and .csv files can be imported.")
    return name.endswith(".xlsx") or data[:4] == b"PK\x03\x04"


def sheet_names(filename: str, data: bytes, limits: ReadLimits | None = None) -> list[str]:
    """The sheets a file holds (a CSV holds one), without reading their rows."""
    if not _is_xlsx(filename, data):
        csv_text(data)  # refused now if it cannot be read
        return [CSV_SHEET]
    book = open_workbook(data, limits or ReadLimits())
    try:
        return list(book.sheetnames)
    finally:
        book.close()


def read_table(filename: str, data: bytes, sheet: str, limits: ReadLimits | None = None) -> Table:
    """One sheet of the file, read within `limits` as the plan import reads (the declared size
    never trusted, formulas kept as formulas); its header is its first row holding a value."""
    import csv
    import io

    budget = _Budget(limits or ReadLimits())
    if not _is_xlsx(filename, data):
        table = Table(CSV_SHEET, (), is_csv=True)
        filled = 0
        try:
            for number, values in enumerate(csv.reader(io.StringIO(csv_text(data), newline="")), 1):
                budget.spend(len(values) + 1)
                if not any(v.strip() for v in values):
                    continue
                if not table.header:
                    table.header = tuple(v.strip() for v in values)
                    continue
                filled += 1
                budget.rows(CSV_SHEET, filled, number)
                table.rows.append((number, list(values)))
        except csv.Error as exc:
            raise UnreadableFile(f"The file is not valid CSV: {exc}") from None
        if not table.header:
            raise UnreadableFile("The file is empty: it needs a header row naming its columns.")
        return table
    book = open_workbook(data, limits or ReadLimits())
    try:
        if sheet not in book.sheetnames:
            raise UnreadableFile(f"The workbook has no sheet called {sheet}.")
        ws = book[sheet]
        table = Table(ws.title, ())
        for number, cells in _filled_rows(ws, budget):
            if not table.header:
                table.header = tuple(_text(v) for v in _as_list(cells))
                continue
            table.rows.append((number, _as_list(cells, len(table.header))))
    except UnreadableFile:
        raise
    except Exception as exc:  # a damaged part found while reading rows
        raise UnreadableFile(
            f"The workbook is damaged and cannot be read ({type(exc).__name__})."
        ) from None
    finally:
        book.close()
    if not table.header:
        raise UnreadableFile(f"The sheet {sheet} is empty: it needs a header row.")
    return table


# ---------------------------------------------------------------------------------------------
# The mapping


def _norm(header: str) -> str:
    return " ".join(header.split()).casefold()


def header_digest(kind: str, header: tuple[str, ...]) -> str:
    """What a saved mapping is kept under: the kind of sheet and its set of column headers
    (in any order, any case)."""
    names = sorted({_norm(h) for h in header if h.strip()})
    return hashlib.sha256("\x1f".join([kind, *names]).encode()).hexdigest()


def suggest(
    kind: str, header: tuple[str, ...], saved: dict[str, str] | None = None
) -> dict[str, str]:
    """The mapping to offer: the saved one for this header set (its headers as the sheet spells
    them), else each field whose label, column or usual names match a header (any case)."""
    by_norm: dict[str, str] = {}
    for h in header:
        if h.strip():
            by_norm.setdefault(_norm(h), h)
    if saved:
        return {k: by_norm[_norm(h)] for k, h in saved.items() if _norm(h) in by_norm}
    chosen: dict[str, str] = {}
    taken: set[str] = set()
    for f in FIELDS[kind]:
        for name in (f.label, f.column, f.key.replace("_", " "), *f.names):
            h = by_norm.get(_norm(name))
            if h is not None and h not in taken:
                chosen[f.key] = h
                taken.add(h)
                break
    return chosen


def check_mapping(
    kind: str, header: tuple[str, ...], chosen: dict[str, str]
) -> list[tuple[str, str]]:
    """Every problem with a mapping, as (field key, message): a field from a column the sheet
    does not have, a field from two columns (two are called the same), two fields from one
    column, or a required field left unmapped."""
    problems: list[tuple[str, str]] = []
    positions: dict[str, list[int]] = {}
    for i, h in enumerate(header):
        if h.strip():
            positions.setdefault(_norm(h), []).append(i)
    users: dict[str, list[Field]] = {}
    for f in FIELDS[kind]:
        h = (chosen.get(f.key) or "").strip()
        if not h:
            if f.required:
                problems.append((f.key, f"Choose the column that holds {f.label}"))
            continue
        where = positions.get(_norm(h))
        if not where:
            problems.append((f.key, f"{f.label}: the sheet has no column called {h}"))
            continue
        if len(where) > 1:
            letters = " and ".join(column_letter(i) for i in where)
            problems.append(
                (
                    f.key,
                    f"{f.label} would come from two columns: {letters} are both called {h}. "
                    "Rename one of them in the sheet",
                )
            )
        users.setdefault(_norm(h), []).append(f)
    for norm, fs in users.items():
        if len(fs) > 1:
            letter = column_letter(positions[norm][0])
            labels = " and ".join(f.label for f in fs)
            for f in fs:
                problems.append(
                    (
                        f.key,
                        f"{labels} are both mapped to column {letter} "
                        f"({header[positions[norm][0]]}): map each column to one field",
                    )
                )
    return problems


def describe_columns(kind: str, header: tuple[str, ...], chosen: dict[str, str]) -> dict[str, str]:
    """Each field's column as the sheet names it ("C: Lead officer"), by the field's column."""
    index = {}
    for i, h in enumerate(header):
        index.setdefault(_norm(h), i)
    out = {}
    for f in FIELDS[kind]:
        h = chosen.get(f.key)
        if h and _norm(h) in index:
            i = index[_norm(h)]
            out[f.column] = f"{column_letter(i)}: {header[i]}"
        else:
            out[f.column] = f"{f.label} (no column)"
    return out


def in_sheet_terms(problems: list[Problem], columns: dict[str, str]) -> list[Problem]:
    """Problems named by the export's columns, renamed to the sheet's own."""
    out = []
    for p in problems:
        parts = [c.strip() for c in p.column.split(",")] if p.column else []
        named = ", ".join(columns.get(c, c) for c in parts)
        out.append(Problem(p.sheet, p.row, named, p.message))
    return out


def mapped_sheet(table: Table, kind: str, chosen: dict[str, str]) -> Sheet:
    """The table's rows with each mapped column under its field's column (blank rows left out)."""
    index: dict[str, int] = {}
    for i, h in enumerate(table.header):
        index.setdefault(_norm(h), i)
    wanted = [
        (f.column, index[_norm(chosen[f.key])])
        for f in FIELDS[kind]
        if chosen.get(f.key) and _norm(chosen[f.key]) in index
    ]
    rows = []
    for number, values in table.rows:
        cells: dict[str, object] = {}
        for column, i in wanted:
            value = values[i] if i < len(values) else None
            if not isinstance(value, _Formula):
                value = _cell_text(value, text_may_be_formula=table.is_csv)
            cells[column] = value
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in cells.values()):
            continue
        rows.append(Row(table.name, number, cells))
    return Sheet(table.name, rows)


# ---------------------------------------------------------------------------------------------
# A plan sheet: what the export's columns leave to the import's own checks


def _plain(cells: dict[str, object], column: str) -> str:
    """A cell's text ('' for a formula or a bad cell, which the import reports itself)."""
    value = cells.get(column)
    return "" if isinstance(value, _Formula | _Bad) else _text(value)


_RAG = {"red": "red", "amber": "amber", "green": "green", "r": "red", "a": "amber", "g": "green"}
_LIFECYCLE = {s.label.casefold(): s for s in Lifecycle} | {
    s.value.replace("_", " "): s for s in Lifecycle
}
_STARTING = (Lifecycle.NOT_STARTED, Lifecycle.IN_PROGRESS)


def prepare_plan_rows(
    sheet: Sheet, snapshot: Snapshot, chosen: dict[str, str], default_plan: str
) -> None:
    """Fill what the sheet leaves out, so that the import's checks read a full row: a new
    action with no plan goes to `default_plan`; an action the tracker holds keeps every field
    the sheet has no column for (an unmapped column changes nothing). RAG and status are
    written as the export writes them, so that an unchanged state is not reported."""
    mapped = {f.column for f in PLAN_FIELDS if chosen.get(f.key)}
    for row in sheet.rows:
        cells = row.cells
        ref = _ref(_plain(cells, "Ref"), snapshot)
        if isinstance(cells.get("RAG"), str):
            rag = _RAG.get(str(cells["RAG"]).strip().casefold())
            if rag:
                cells["RAG"] = rag.capitalize()
        if isinstance(cells.get("Lifecycle"), str):
            state = _LIFECYCLE.get(" ".join(str(cells["Lifecycle"]).split()).casefold())
            if state:
                cells["Lifecycle"] = state.label
        current = snapshot.actions.get(ref)
        if current is None:
            if not _plain(cells, "Plan") and not isinstance(cells.get("Plan"), _Formula | _Bad):
                cells["Plan"] = default_plan
            continue
        keep = {
            "Plan": current.plan_code,
            "Recommendation": current.recommendation,
            "Description": current.entry.description,
            "Partners": "; ".join(current.entry.partners),
            "Start date": current.start_date,
            "Target date": current.target_date,
            "Depends on": ", ".join(sorted(current.depends_on)),
            "Title": current.entry.title,
            "Lead organisation": current.entry.lead_organisation,
        }
        if current.entry.lead:
            name, email = snapshot.leads.get(int(current.entry.lead), ("", ""))
            keep["Lead"] = email or name
        else:
            keep["Lead"] = ""
        for column, value in keep.items():
            if column not in mapped:
                cells[column] = value


def check_plan_states(sheet: Sheet, snapshot: Snapshot, plan: ImportPlan) -> list[Problem]:
    """RAG, status and progress as a sheet gives them: each must be one the tracker knows. A
    new action may start not started or in progress, with its RAG and progress; an action the
    tracker holds changes state only through updates (the import lists what differs)."""
    problems: list[Problem] = []
    new_refs = {n.ref for n in plan.new_actions}
    allowed = ", ".join(s.label for s in Lifecycle)
    for row in sheet.rows:
        cells = row.cells
        before = len(problems)
        rag_text = _plain(cells, "RAG")
        rag = _RAG.get(rag_text.casefold(), "") if rag_text else ""
        if rag_text and not rag:
            problems.append(
                Problem(
                    row.sheet,
                    row.number,
                    "RAG",
                    f"\u201c{rag_text}\u201d is not a RAG: use Red, Amber or Green",
                )
            )
        status_text = _plain(cells, "Lifecycle")
        state = _LIFECYCLE.get(" ".join(status_text.split()).casefold()) if status_text else None
        if status_text and state is None:
            problems.append(
                Problem(
                    row.sheet,
                    row.number,
                    "Lifecycle",
                    f"\u201c{status_text}\u201d is not a status: use {allowed}",
                )
            )
        progress = _plain(cells, "Latest summary")
        if len(progress) > TEXT_LIMIT:
            problems.append(
                Problem(
                    row.sheet,
                    row.number,
                    "Latest summary",
                    f"Progress must be {TEXT_LIMIT} characters or fewer",
                )
            )
        message = personal_data_message(progress)
        if message:
            problems.append(Problem(row.sheet, row.number, "Latest summary", message))
        ref = _ref(_plain(cells, "Ref"), snapshot)
        if ref not in new_refs:
            continue
        if state is not None and state not in _STARTING:
            problems.append(
                Problem(
                    row.sheet,
                    row.number,
                    "Lifecycle",
                    f"{ref} is a new action: it starts not started or in progress. Record "
                    f"\u201c{state.label}\u201d as an update once it is imported",
                )
            )
        if len(problems) == before and (state or rag or progress):
            plan.initial_states[ref] = (state.value if state else "", rag, progress)
    return problems


# ---------------------------------------------------------------------------------------------
# A people sheet


@dataclass(frozen=True)
class PeopleSnapshot:
    organisations: dict[str, str]  # name or code (lower case) -> code
    areas: dict[str, str]  # locality name or code (lower case) -> code
    emails: set[str]  # every address the tracker holds (lower case)


@dataclass(frozen=True)
class PersonRow:
    sheet: str
    row: int
    name: str
    email: str
    organisation: str  # code
    role: str  # stored value
    area: str | None  # locality code


_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_ROLES = (
    {r.value: r.value for r in Role}
    | {label.casefold(): role.value for role, label in ROLE_LABELS.items()}
    | {r.value.replace("_", " "): r.value for r in Role}
    # An area's head by the names councils give their areas (the role's first label too).
    | {f"{area} head of service": Role.LOCALITY_HEAD.value for area in _AREA_KINDS}
)
_NAME_LIMIT = 200
_EMAIL_LIMIT = 254


def check_people(sheet: Sheet, snapshot: PeopleSnapshot) -> tuple[list[PersonRow], list[Problem]]:
    """Every row of a people sheet checked: a name, an email no one holds (once in the file),
    an organisation and a role the tracker knows, and an area the tracker knows (which a head
    of service needs). Problems are named by the person's detail ("email", "role")."""
    people: list[PersonRow] = []
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    roles = ", ".join(label for label in ROLE_LABELS.values())
    for row in sheet.rows:
        before = len(problems)

        def problem(column: str, message: str, row: Row = row) -> None:
            problems.append(Problem(row.sheet, row.number, column, message))

        cells: dict[str, str] = {}
        for column, value in row.cells.items():
            if isinstance(value, _Formula):
                problem(column, "The cell holds a formula: formulas are not imported")
            elif isinstance(value, _Bad):
                problem(column, f"The cell {value.why}")
            else:
                cells[column] = _text(value)
        name = " ".join(cells.get("name", "").split())
        if not name:
            problem("name", "Enter the person's name")
        elif len(name) > _NAME_LIMIT:
            problem("name", f"The name must be {_NAME_LIMIT} characters or fewer")
        email = cells.get("email", "").strip().lower()
        if not email:
            problem("email", "Enter the person's email address: the invitation is sent there")
        elif len(email) > _EMAIL_LIMIT or not _EMAIL.fullmatch(email):
            problem("email", f"\u201c{email}\u201d is not an email address")
        elif email in seen:
            problem(
                "email", f"{email} appears more than once in the sheet (first on row {seen[email]})"
            )
        elif email in snapshot.emails:
            problem("email", f"Someone already has the email address {email}")
        if email and email not in seen:
            seen[email] = row.number
        org_name = cells.get("organisation", "")
        org = snapshot.organisations.get(org_name.lower())
        if not org_name:
            problem("organisation", "Enter the person's organisation")
        elif org is None:
            problem("organisation", f"There is no organisation called {org_name}")
        role_text = cells.get("role", "")
        role = _ROLES.get(" ".join(role_text.split()).casefold())
        if not role_text:
            problem("role", f"Enter the person's role: {roles}")
        elif role is None:
            problem("role", f"\u201c{role_text}\u201d is not a role: use {roles}")
        area_text = cells.get("area", "")
        area = snapshot.areas.get(area_text.lower()) if area_text else None
        if area_text and area is None:
            problem("area", f"There is no area called {area_text}")
        elif role == Role.LOCALITY_HEAD.value and area is None and not area_text:
            problem("area", "A head of service needs the area they lead")
        if len(problems) == before:
            people.append(
                PersonRow(row.sheet, row.number, name, email, org or "", role or "", area)
            )
    return people, problems
