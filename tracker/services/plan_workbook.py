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
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import xlsxwriter
from sqlalchemy import Select, select

from tracker.domain.calendar import LONDON
from tracker.domain.imports import REC_HEADER, REC_SHEET
from tracker.domain.spreadsheet import legend_rows, neutralise_cell
from tracker.domain.states import LeadBody, Lifecycle, Rag, is_overdue
from tracker.extensions import db
from tracker.models import Plan, Recommendation
from tracker.services import exports
from tracker.services.spool import spool

DATE_FORMAT = "yyyy-mm-dd"  # as the CSV writes dates: unambiguous, and sorts as text too
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
HISTORY_HEADER = (
    "Ref",
    "Version",
    "Recorded at (London time)",
    "Who",
    "Lifecycle",
    "RAG",
    "Impact",
    "Summary",
    "Reason",
    "No change",
)
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
_WIDTHS = {
    "Ref": 11,
    "Plan": 26,
    "Recommendation": 15,
    "Title": 50,
    "Description": 60,
    "Lead": 24,
    "Lead job title": 30,
    "Lead organisation": 28,
    "Partners": 30,
    "Start date": 11,
    "Target date": 11,
    "Lifecycle": 26,
    "RAG": 8,
    "Impact": 17,
    "Overdue": 9,
    "Latest summary": 60,
    "Latest reason": 40,
    "Last updated (London time)": 17,
    "Version": 8,
    "Depends on": 16,
    "Recorded at (London time)": 17,
    "Who": 24,
    "Summary": 60,
    "Reason": 40,
    "No change": 10,
    "Lead body": 18,
    "Actions": 9,
    "Closed with evidence": 12,
    "Percentage closed": 11,
    "Red": 7,
    "Amber": 7,
    "Green": 7,
    "Text": 80,
    "Judgement area": 30,
}
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
        self.date = book.add_format({"num_format": DATE_FORMAT})
        self.datetime = book.add_format({"num_format": DATETIME_FORMAT})
        self.percent = book.add_format({"num_format": "0%"})
        self.bold = book.add_format({"bold": True})
        self.wrap = book.add_format({"text_wrap": True, "valign": "top"})
        self.fill = {
            key: book.add_format({"bg_color": bg, "font_color": fg, "bold": True})
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
    sheet.set_landscape()
    sheet.set_paper(9)  # A4
    sheet.fit_to_pages(1, 0)  # every column on the page's width, as many pages down as it takes
    sheet.repeat_rows(0)
    sheet.set_header(f"&L&A&R{note}")
    sheet.set_footer("&LRAG is written in words as well as coloured&RPage &P of &N")
    return sheet


def _finish_sheet(sheet: Any, last_row: int, columns: int) -> None:
    sheet.autofilter(0, 0, max(last_row, 0), columns - 1)


_START, _TARGET, _UPDATED = (
    _COL["Start date"],
    _COL["Target date"],
    _COL["Last updated (London time)"],
)
_RAG, _LIFECYCLE, _OVERDUE = _COL["RAG"], _COL["Lifecycle"], _COL["Overdue"]
_SPECIAL = frozenset({_START, _TARGET, _UPDATED, _RAG, _LIFECYCLE, _OVERDUE})
_PLAIN = tuple(i for i in range(len(exports.HEADER)) if i not in _SPECIAL)


def _write_plan_row(sheet: Any, row: int, r: Any, today: date, fmt: _Formats) -> None:
    """The CSV's cells for one action, each written once: dates as dates, the version as a
    number, RAG coloured, closed with evidence in blue, overdue in pink."""
    cells = exports.row_cells(r, today)
    for col in _PLAIN:
        value = cells[col]
        if isinstance(value, int):
            sheet.write_number(row, col, value)
        elif value:
            sheet.write_string(row, col, value)
    for col, day in ((_START, r.start_date), (_TARGET, r.target_date)):
        if day is not None:
            sheet.write_datetime(row, col, datetime(day.year, day.month, day.day), fmt.date)
    sheet.write_datetime(row, _UPDATED, _london(r.recorded_at), fmt.datetime)
    if cells[_RAG]:
        sheet.write_string(row, _RAG, cells[_RAG], fmt.rag[r.rag])
    blue = fmt.fill["blue"] if r.lifecycle == Lifecycle.CLOSED_EVIDENCED else None
    sheet.write_string(row, _LIFECYCLE, cells[_LIFECYCLE], blue)
    overdue = cells[_OVERDUE]
    sheet.write_string(row, _OVERDUE, overdue, fmt.fill["pink"] if overdue == "Yes" else None)


def _write_history_row(sheet: Any, row: int, h: Any, fmt: _Formats) -> None:
    safe = neutralise_cell
    closed = Lifecycle(h.lifecycle).is_closed
    sheet.write_string(row, 0, safe(h.ref))
    sheet.write_number(row, 1, h.version)
    sheet.write_datetime(row, 2, _london(h.recorded_at), fmt.datetime)
    sheet.write_string(row, 3, safe(h.author_name or h.cause.capitalize()))
    lifecycle_format = fmt.fill["blue"] if h.lifecycle == Lifecycle.CLOSED_EVIDENCED else None
    sheet.write_string(row, 4, exports.LIFECYCLE_WORDS[h.lifecycle], lifecycle_format)
    if h.rag and not closed:
        sheet.write_string(row, 5, exports.RAG_WORDS[h.rag], fmt.rag[h.rag])
    sheet.write_string(row, 6, exports.IMPACT_WORDS[h.impact])
    if h.summary:
        sheet.write_string(row, 7, safe(h.summary))
    if h.reason:
        sheet.write_string(row, 8, safe(h.reason))
    sheet.write_string(row, 9, "Yes" if h.no_change else "No")


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
                sheet.write_string(row, col, safe(value), fmt.wrap if col == 2 else None)
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
        sheet.write_string(row, col, neutralise_cell(word), fmt.bold if bold else None)
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
    sheet.set_landscape()
    sheet.set_paper(9)
    sheet.fit_to_pages(1, 0)
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
        row = 0
        result = db.session.connection().execute(
            req.history.execution_options(yield_per=exports.BATCH * 4)
        )
        for batch in result.partitions():
            for h in batch:
                row += 1
                _write_history_row(history, row, h, fmt)
            if progress is not None:
                progress(len(batch))
        _finish_sheet(history, row, len(HISTORY_HEADER))
    _write_legend(legend, req, fmt)
    book.close()
