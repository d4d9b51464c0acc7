"""One action's row as the plan's exports write it (CSV and the workbook's actions sheet): the
header, the words for the stored codes and the cells. Shared by services/exchange/exports.py and
services/exchange/plan_workbook.py, which import this and not each other."""

from __future__ import annotations

from datetime import date

from tracker.domain.calendar import LONDON
from tracker.domain.imports import EXPORT_ONLY
from tracker.domain.imports import HEADER as IMPORT_HEADER
from tracker.domain.spreadsheet import neutralise_cell
from tracker.domain.states import Impact, Lifecycle, Rag, days_overdue, is_overdue

BATCH = 500  # rows fetched from the database at a time (a server-side cursor on PostgreSQL)
HEADER = (*IMPORT_HEADER, *EXPORT_ONLY)
_SEP = "\x1f"  # joins aggregated names in SQL; no name or ref holds it


def _listed(joined: str | None) -> str:
    return "; ".join(sorted(joined.split(_SEP))) if joined else ""


# Words for the stored codes, looked up once rather than built per row.
LIFECYCLE_WORDS = {s.value: s.label for s in Lifecycle}
IMPACT_WORDS = {i.value: i.label for i in Impact}
RAG_WORDS = {r.value: r.value.capitalize() for r in Rag}


def row_cells(r, today: date) -> list[str | int]:
    """One action's row. Text that people typed (or an import brought) is neutralised; the
    dates, words and Yes/No the tracker writes itself cannot start like a formula."""
    safe = neutralise_cell
    closed = Lifecycle(r.lifecycle).is_closed
    return [
        safe(r.ref),
        safe(r.plan_name),
        safe(r.rec_ref),
        safe(r.title),
        safe(r.description),
        safe(r.lead_name or ""),
        safe(r.lead_job_title or ""),
        safe(r.org_name),
        safe(_listed(r.partner_names)),
        r.start_date.isoformat() if r.start_date else "",
        r.target_date.isoformat() if r.target_date else "",
        LIFECYCLE_WORDS[r.lifecycle],
        "" if closed or not r.rag else RAG_WORDS[r.rag],
        IMPACT_WORDS[r.impact],
        "Yes" if is_overdue(r.target_date, r.lifecycle, today) else "No",
        safe(r.summary or ""),
        safe(r.reason or ""),
        r.recorded_at.astimezone(LONDON).strftime("%Y-%m-%d %H:%M"),
        r.version,
        safe(_listed(r.depends_on)),
        r.evidence_count,
        safe(_listed(r.evidence_titles)),
        r.baseline_target_date.isoformat() if r.baseline_target_date else "",
        days_overdue(r.target_date, r.lifecycle, today),
    ]
