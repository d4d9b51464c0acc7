"""The plan as an Excel workbook: a Summary sheet, a sheet for each plan, the history, a Legend.

Written with XlsxWriter in constant-memory mode: each row goes to a temporary file as the
database yields it (one statement per sheet, read in batches), so a workbook of any size is
never held in memory. The finished file is opened, unlinked at once, and streamed: the disk space
is freed when the response closes it, however the download ends.

The plan sheets have exactly the CSV export's columns (`exports.HEADER`), in its order, with the
dates as real Excel dates and the version as a number: an importer reads both files by those
headers. Text is written as text, never as a formula, and neutralised as the CSV's is."""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import xlsxwriter
from sqlalchemy import Select, select

from tracker.domain.calendar import LONDON
from tracker.domain.imports import REC_HEADER, REC_SHEET
from tracker.domain.spreadsheet import legend_rows, neutralise_cell
from tracker.domain.states import LeadBody, Lifecycle, Rag, is_overdue
from tracker.extensions import db
from tracker.models import Plan, Recommendation, UpdateCycle
from tracker.services.exchange import export_rows as exports
from tracker.services.exchange.spool import spool

DATE_FORMAT = "yyyy-mm-dd"  # as the CSV writes dates: unambiguous, and sorts as text too
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
HISTORY_HEADER = (
    "Ref",
    "Version",
    "Recorded at (London time)",
    "Who",
    "Cycle",
    "Change",
    "Lifecycle",
    "RAG",
    "Impact",
    "Summary",
    "Reason",
    "No change",
)
# What each kind of history row is, in words.
CHANGE_WORDS = {
    "update": "Update",
    "added": "Added to the plan",
    "edited": "Plan entry edited",
    "superseded": "Superseded",
    "target_date_moved": "Target date moved",
}
SUMMARY_HEADER = (
    "Recommendation",
    "Title",
    "Lead body",
    "Actions",
    "Closed with evidence",
    "Percentage closed",
    "Red",
    "Amber",
    "Green",
    "Overdue",
)
# The Recommendations sheet (REC_HEADER): what an import reads to add or change recommendations.
# Colours of the page's tags (GOV.UK Frontend's tag tints), with their dark text: RAG is always
# spelled out as well. Blue means closed with evidence and nothing else.
FILLS = {
    "red": ("#F4CDC6", "#2A0B06"),
    "amber": ("#FFDFB8", "#6E3619"),
    "green": ("#CCE2D8", "#005A30"),
    "blue": ("#D2E2F1", "#0C2D4A"),
    "pink": ("#F3D7E4", "#6B1C40"),
}
# Column widths (in characters) chosen so that a plan sheet printed fit to the width of A4
# landscape stays readable: long text wraps in its column instead of widening the page.
_WIDTHS = {
    "Ref": 9,
    "Plan": 13,
    "Recommendation": 8,
    "Title": 26,
    "Description": 30,
    "Lead": 13,
    "Lead job title": 13,
    "Lead organisation": 13,
    "Partners": 13,
    "Start date": 10.5,
    "Target date": 10.5,
    "Lifecycle": 12,
    "RAG": 6,
    "Impact": 10,
    "Overdue": 8,
    "Latest summary": 30,
    "Latest reason": 18,
    "Last updated (London time)": 15,
    "Version": 7,
    "Depends on": 9,
    "Evidence items": 8,
    "Evidence titles": 16,
    "Baseline target date": 10.5,
    "Days overdue": 7,
    "Recorded at (London time)": 15,
    "Who": 18,
    "Cycle": 6,
    "Change": 14,
    "Summary": 50,
    "Reason": 30,
    "No change": 8,
    "Lead body": 14,
    "Actions": 8,
    "Closed with evidence": 10,
    "Percentage closed": 10,
    "Red": 6,
    "Amber": 6,
    "Green": 6,
    "Text": 70,
    "Judgement area": 24,
}
# Text columns that wrap (every other column is short enough to be read on one line).
_WRAPPED = frozenset(
    {
        "Plan",
        "Title",
        "Description",
        "Lead",
        "Lead job title",
        "Lead organisation",
        "Partners",
        "Lifecycle",
        "Latest summary",
        "Latest reason",
        "Depends on",
        "Evidence titles",
        "Who",
        "Change",
        "Summary",
        "Reason",
        "Text",
        "Judgement area",
    }
)
_COL = {name: i for i, name in enumerate(exports.HEADER)}
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")


@dataclass
class WorkbookRequest:
    """What to write: the plan rows (ordered), the history rows (or None), and what they are."""

    rows: Select
    history: Select | None
    today: date
    as_at: datetime | None
    now: datetime
    filters: dict[str, str]
    single_plan: str | None
    count: int


@dataclass
class BuiltWorkbook:
    size: int
    chunks: Iterator[bytes]


@dataclass
class _Tally:
    """One recommendation's line on the Summary sheet."""

    actions: int = 0
    closed: int = 0
    overdue: int = 0
    rag: dict[str, int] = field(default_factory=lambda: {r.value: 0 for r in Rag})


def _london(moment: datetime) -> datetime:
    """A UTC moment as London wall-clock time, without a zone: Excel has no time zones."""
    return moment.astimezone(LONDON).replace(tzinfo=None)


def _sheet_name(name: str, taken: set[str]) -> str:
    base = _BAD_SHEET_CHARS.sub(" ", name).strip()[:31] or "Plan"
    candidate, n = base, 2
    while candidate.lower() in taken:
        candidate = f"{base[:28]} {n}"
        n += 1
    taken.add(candidate.lower())
    return candidate


class _Formats:
    def __init__(self, book: Any) -> None:
        self.header = book.add_format(
            {"bold": True, "bg_color": "#F3F2F1", "bottom": 1, "text_wrap": True, "valign": "top"}
        )
        self.date = book.add_format({"num_format": DATE_FORMAT, "valign": "top"})
        self.datetime = book.add_format({"num_format": DATETIME_FORMAT, "valign": "top"})
        self.percent = book.add_format({"num_format": "0%"})
        self.bold = book.add_format({"bold": True})
        self.wrap = book.add_format({"text_wrap": True, "valign": "top"})
        self.top = book.add_format({"valign": "top"})
        self.fill = {
            key: book.add_format({"bg_color": bg, "font_color": fg, "bold": True, "valign": "top"})
            for key, (bg, fg) in FILLS.items()
        }
        self.rag = {r.value: self.fill[r.value] for r in Rag}


def _start_sheet(book: Any, fmt: _Formats, name: str, header: tuple[str, ...], note: str) -> Any:
    sheet = book.add_worksheet(name)
    sheet.set_row(0, 30)  # two lines: the longer headers wrap
    for col, title in enumerate(header):
        sheet.write_string(0, col, title, fmt.header)
        sheet.set_column(col, col, _WIDTHS.get(title, 14))
    sheet.freeze_panes(1, 1)
    _print_setup(sheet)
    sheet.repeat_rows(0)  # the header row on every printed page (print titles)
    sheet.set_header(f"&L&A&R{note}")
    sheet.set_footer("&LRAG is written in words as well as coloured&RPage &P of &N")
    return sheet


def _print_setup(sheet: Any) -> None:
    """A4 landscape, every column across the page's width and as many pages down as it takes
    (fitToWidth 1, fitToHeight 0), narrow margins: the columns' widths keep the text readable."""
    sheet.set_landscape()
    sheet.set_paper(9)  # A4
    sheet.set_margins(left=0.25, right=0.25, top=0.55, bottom=0.55)
    sheet.fit_to_pages(1, 0)


def _finish_sheet(sheet: Any, last_row: int, columns: int) -> None:
    sheet.autofilter(0, 0, max(last_row, 0), columns - 1)


_START, _TARGET, _BASELINE, _UPDATED = (
    _COL["Start date"],
    _COL["Target date"],
    _COL["Baseline target date"],
    _COL["Last updated (London time)"],
)
_RAG, _LIFECYCLE, _OVERDUE = _COL["RAG"], _COL["Lifecycle"], _COL["Overdue"]
_SPECIAL = frozenset({_START, _TARGET, _BASELINE, _UPDATED, _RAG, _LIFECYCLE, _OVERDUE})
_PLAIN = tuple(i for i in range(len(exports.HEADER)) if i not in _SPECIAL)
_PLAN_WRAPPED = frozenset(i for i, name in enumerate(exports.HEADER) if name in _WRAPPED)


_LINE_HEIGHT = 15  # points: one line of 11 point text
_PLAN_WIDTHS = tuple(_WIDTHS.get(name, 14) for name in exports.HEADER)


def row_height(texts: Iterable[tuple[str, float]]) -> float:
    """A row's height for its wrapped (text, column width) cells: as many lines as its longest
    cell takes (a character of proportional text is narrower than the width's unit, a "0").
    Written out because a spreadsheet opening the file keeps the height it is given (LibreOffice
    does not grow a row to fit its wrapped text), so printed text would overlap."""
    lines = 1
    for text, width in texts:
        per_line = max(int(width * 1.2), 1)
        count = sum(max(1, -(-len(part) // per_line)) for part in text.split("\n"))
        lines = max(lines, count)
    return _LINE_HEIGHT * min(lines, 27)  # Excel's tallest row is 409 points


def _write_plan_row(sheet: Any, row: int, r: Any, today: date, fmt: _Formats) -> None:
    """The CSV's cells for one action, each written once: dates as dates, the version and the
    days overdue as numbers, RAG coloured, closed with evidence in blue, overdue in pink."""
    cells = exports.row_cells(r, today)
    sheet.set_row(
        row, row_height((str(cells[c]), _PLAN_WIDTHS[c]) for c in _PLAN_WRAPPED if cells[c])
    )
    for col in _PLAIN:
        value = cells[col]
        if isinstance(value, int):
            sheet.write_number(row, col, value, fmt.top)
        elif value:
            sheet.write_string(row, col, value, fmt.wrap if col in _PLAN_WRAPPED else fmt.top)
    for col, day in (
        (_START, r.start_date),
        (_TARGET, r.target_date),
        (_BASELINE, r.baseline_target_date),
    ):
        if day is not None:
            sheet.write_datetime(row, col, datetime(day.year, day.month, day.day), fmt.date)
    sheet.write_datetime(row, _UPDATED, _london(r.recorded_at), fmt.datetime)
    if cells[_RAG]:
        sheet.write_string(row, _RAG, cells[_RAG], fmt.rag[r.rag])
    blue = fmt.fill["blue"] if r.lifecycle == Lifecycle.CLOSED_EVIDENCED else fmt.wrap
    sheet.write_string(row, _LIFECYCLE, cells[_LIFECYCLE], blue)
    overdue = cells[_OVERDUE]
    sheet.write_string(row, _OVERDUE, overdue, fmt.fill["pink"] if overdue == "Yes" else fmt.top)


def cycle_for(moment: datetime, cycles: list[tuple[date, int]]) -> int | None:
    """The number of the cycle open on `moment`'s London day: the last one opened by then
    (`cycles` are (opens on, number), in order); None before the first."""
    at = bisect_right(cycles, (moment.astimezone(LONDON).date(), 1 << 30))
    return cycles[at - 1][1] if at else None


def _change_words(h: Any) -> tuple[str, str]:
    """(Change, Summary) for a history row: an update's own summary, or what an edit changed."""
    if h.kind == "update":
        return CHANGE_WORDS["update"], h.summary or ""
    if h.kind == "target_date_moved":
        old = h.old_value or "none"
        return CHANGE_WORDS[h.kind], f"Target date moved from {old} to {h.new_value}"
    if h.kind == "edited":
        field = (h.field or "").replace("_", " ").capitalize()
        return CHANGE_WORDS[h.kind], f"{field}: {h.old_value or '(blank)'} → {h.new_value}"
    return CHANGE_WORDS.get(h.kind, h.kind.capitalize()), h.new_value or ""


def _write_history_row(
    sheet: Any, row: int, h: Any, fmt: _Formats, cycles: list[tuple[date, int]]
) -> None:
    safe = neutralise_cell
    change, summary = _change_words(h)
    sheet.set_row(
        row,
        row_height(
            [(summary, _WIDTHS["Summary"]), (h.reason or "", _WIDTHS["Reason"])]
            + [(h.author_name or "", _WIDTHS["Who"])]
        ),
    )
    if h.version is not None:
        sheet.write_number(row, 1, h.version)
    sheet.write_string(row, 0, safe(h.ref))
    recorded = h.recorded_at if h.recorded_at.tzinfo else h.recorded_at.replace(tzinfo=UTC)
    sheet.write_datetime(row, 2, _london(recorded), fmt.datetime)
    sheet.write_string(row, 3, safe(h.author_name or h.cause.capitalize()), fmt.wrap)
    cycle = h.cycle if h.cycle is not None else cycle_for(recorded, cycles)
    if cycle is not None:
        sheet.write_number(row, 4, cycle)
    sheet.write_string(row, 5, change, fmt.wrap)
    if h.lifecycle:
        closed = Lifecycle(h.lifecycle).is_closed
        look = fmt.fill["blue"] if h.lifecycle == Lifecycle.CLOSED_EVIDENCED else fmt.wrap
        sheet.write_string(row, 6, exports.LIFECYCLE_WORDS[h.lifecycle], look)
        if h.rag and not closed:
            sheet.write_string(row, 7, exports.RAG_WORDS[h.rag], fmt.rag[h.rag])
        sheet.write_string(row, 8, exports.IMPACT_WORDS[h.impact])
        sheet.write_string(row, 11, "Yes" if h.no_change else "No")
    if summary:
        sheet.write_string(row, 9, safe(summary), fmt.wrap)
    if h.reason:
        sheet.write_string(row, 10, safe(h.reason), fmt.wrap)


def _recommendations() -> list[Any]:
    return db.session.execute(
        select(
            Recommendation.ref,
            Recommendation.title,
            Recommendation.text,
            Recommendation.judgement_area,
            Recommendation.lead_body,
            Recommendation.partners,
        ).order_by(Recommendation.number)
    ).all()


def _write_recommendations(sheet: Any, recs: list[Any], fmt: _Formats) -> int:
    """One row per recommendation in REC_HEADER's columns (partners joined by '; ', the lead
    body in words): the import reads them back unchanged. Returns the last row written."""
    safe = neutralise_cell
    row = 0
    for r in recs:
        row += 1
        cells = (
            r.ref,
            r.title,
            r.text,
            r.judgement_area,
            LeadBody(r.lead_body).label,
            "; ".join(r.partners or []),
        )
        for col, value in enumerate(cells):
            if value:
                sheet.write_string(row, col, safe(value), fmt.wrap)
    return row


def _write_summary(sheet: Any, recs: list[Any], tallies: dict[str, _Tally], fmt: _Formats) -> int:
    """One line per recommendation (every one, so a filter that leaves none shows 0), then
    the totals. Returns the last row written."""
    total = _Tally()
    row = 0
    for ref, title, _text, _area, lead_body, _partners in recs:
        t = tallies.get(ref, _Tally())
        row += 1
        _summary_line(sheet, row, [ref, title, LeadBody(lead_body).label], t, fmt)
        total.actions += t.actions
        total.closed += t.closed
        total.overdue += t.overdue
        for k, v in t.rag.items():
            total.rag[k] += v
    _summary_line(sheet, row + 1, ["All recommendations", "", ""], total, fmt, bold=True)
    return row + 1


def _summary_line(
    sheet: Any, row: int, words: list[str], t: _Tally, fmt: _Formats, *, bold: bool = False
) -> None:
    for col, word in enumerate(words):
        sheet.write_string(row, col, neutralise_cell(word), fmt.bold if bold else fmt.wrap)
    sheet.write_number(row, 3, t.actions)
    sheet.write_number(row, 4, t.closed)
    if t.actions:
        sheet.write_number(row, 5, t.closed / t.actions, fmt.percent)
    for col, rag in enumerate(Rag, start=6):
        sheet.write_number(row, col, t.rag[rag.value])
    sheet.write_number(row, 9, t.overdue)


def _write_legend(sheet: Any, req: WorkbookRequest, fmt: _Formats) -> None:
    position = (
        f"as at the end of {req.as_at.astimezone(LONDON).date().isoformat()} (from the history)"
        if req.as_at
        else f"as at {_london(req.now):%Y-%m-%d %H:%M} London time (the current state)"
    )
    rows = legend_rows(
        position=position,
        filters=req.filters,
        count=req.count,
        exported=f"{_london(req.now):%Y-%m-%d %H:%M} London time",
    )
    sheet.set_column(0, 0, 30)
    sheet.set_column(1, 1, 100, fmt.wrap)
    _print_setup(sheet)
    sheet.repeat_rows(0)
    sheet.set_footer("&RPage &P of &N")
    sheet.write_string(0, 0, "Term", fmt.header)
    sheet.write_string(0, 1, "Meaning", fmt.header)
    sheet.freeze_panes(1, 0)
    for row, (term, meaning, style) in enumerate(rows, start=1):
        look = fmt.bold if style == "heading" else fmt.fill.get(style or "")
        if term:
            sheet.write_string(row, 0, term, look)
        if meaning:
            sheet.write_string(row, 1, meaning, fmt.wrap)


def build_workbook(
    req: WorkbookRequest, progress: Callable[[int], None] | None = None
) -> BuiltWorkbook:
    """Write the workbook to a temporary file, sheet by sheet from the database, and hand back
    its size and its bytes to stream."""
    size, chunks = spool(lambda path: _write(req, path, progress), suffix=".xlsx")
    return BuiltWorkbook(size=size, chunks=chunks)


def _write(req: WorkbookRequest, path: str, progress: Callable[[int], None] | None) -> None:
    book = xlsxwriter.Workbook(
        path,
        {
            "constant_memory": True,
            "strings_to_formulas": False,
            "strings_to_numbers": False,
            "strings_to_urls": False,
            "default_date_format": DATE_FORMAT,
        },
    )
    note = (
        f"As at {req.as_at.astimezone(LONDON).date().isoformat()}"
        if req.as_at
        else f"At {_london(req.now):%Y-%m-%d %H:%M}"
    )
    book.set_properties(
        {"title": "Ofsted action plan", "subject": note, "comments": "Exported by the tracker"}
    )
    fmt = _Formats(book)
    summary = _start_sheet(book, fmt, "Summary", SUMMARY_HEADER, note)
    summary.freeze_panes(1, 2)
    recommendations = _start_sheet(book, fmt, REC_SHEET, REC_HEADER, note)
    taken = {"summary", REC_SHEET.lower(), "history", "legend"}
    plans = db.session.execute(select(Plan.code, Plan.name).order_by(Plan.id)).all()
    sheets: dict[str, list[Any]] = {}  # plan code: [sheet, last row written]
    for code, name in plans:
        if req.single_plan is None or code == req.single_plan:
            sheet = _start_sheet(book, fmt, _sheet_name(name, taken), exports.HEADER, note)
            sheets[code] = [sheet, 0]
    history = (
        _start_sheet(book, fmt, "History", HISTORY_HEADER, note)
        if req.history is not None
        else None
    )
    legend = book.add_worksheet("Legend")

    tallies: dict[str, _Tally] = {}
    result = db.session.connection().execute(req.rows.execution_options(yield_per=exports.BATCH))
    for batch in result.partitions():
        for r in batch:
            place = sheets[r.plan_code]
            place[1] += 1
            _write_plan_row(place[0], place[1], r, req.today, fmt)
            t = tallies.setdefault(r.rec_ref, _Tally())
            t.actions += 1
            if r.lifecycle == Lifecycle.CLOSED_EVIDENCED:
                t.closed += 1
            elif r.rag and not Lifecycle(r.lifecycle).is_closed:
                t.rag[r.rag] += 1
            if is_overdue(r.target_date, r.lifecycle, req.today):
                t.overdue += 1
        if progress is not None:
            progress(len(batch))
    for sheet, last in sheets.values():
        _finish_sheet(sheet, last, len(exports.HEADER))
    recs = _recommendations()
    _finish_sheet(summary, _write_summary(summary, recs, tallies, fmt), len(SUMMARY_HEADER))
    last = _write_recommendations(recommendations, recs, fmt)
    _finish_sheet(recommendations, last, len(REC_HEADER))

    if history is not None and req.history is not None:
        cycles = [
            (opens_on, number)
            for opens_on, number in db.session.execute(
                select(UpdateCycle.opens_on, UpdateCycle.number).order_by(UpdateCycle.opens_on)
            )
        ]
        row = 0
        result = db.session.connection().execute(
            req.history.execution_options(yield_per=exports.BATCH * 4)
        )
        for batch in result.partitions():
            for h in batch:
                row += 1
                _write_history_row(history, row, h, fmt, cycles)
            if progress is not None:
                progress(len(batch))
        _finish_sheet(history, row, len(HISTORY_HEADER))
    _write_legend(legend, req, fmt)
    book.close()
