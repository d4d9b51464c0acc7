"""A meeting's pack, for pages and the API alike: printable HTML, and a PDF of that same HTML
drawn by WeasyPrint. Both are drawn from the meeting's stored snapshot alone, never from the
plan as it is now."""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from flask import Response, current_app, make_response, render_template

from tracker.services.meetings import MeetingView

# Tagged (headings, tables and lists marked as such for screen readers), with real text.
PDF_OPTIONS: dict[str, Any] = {"pdf_tags": True}


def exception_rows(snapshot: dict[str, Any]) -> list[dict[str, Any]]:
    """The exception list's rows, in the snapshot's order (most days overdue first)."""
    by_ref = {row["ref"]: row for row in snapshot["actions"]}
    return [by_ref[ref] for ref in snapshot["exceptions"]]


@cache
def _stylesheet(static_folder: str) -> str:
    with open(f"{static_folder}/meeting-pack.css", encoding="utf-8") as fh:
        return fh.read()


def pack_html(
    meeting: MeetingView,
    *,
    pdf_url: str | None = None,
    back_url: str | None = None,
    inline_css: bool = False,
) -> str:
    """The pack as one HTML document: linking static/meeting-pack.css for the browser (the
    content security policy allows no inline style), or carrying it inside for the PDF."""
    return render_template(
        "meetings/pack.html",
        m=meeting,
        s=meeting.snapshot,
        exceptions=exception_rows(meeting.snapshot),
        pdf_url=pdf_url,
        back_url=back_url,
        css=_stylesheet(current_app.static_folder) if inline_css else None,
    )


def pack_pdf(meeting: MeetingView) -> bytes:
    """The pack as a PDF: cover, contents with page numbers, legend, tables, page X of Y."""
    from weasyprint import HTML  # imported when first needed: it takes a moment to load
    from weasyprint.urls import URLFetcher

    # The pack carries its own styles and the snapshot's text: it loads nothing from anywhere.
    fetch_nothing = URLFetcher(allowed_protocols=())
    html = pack_html(meeting, inline_css=True)
    return HTML(string=html, url_fetcher=fetch_nothing).write_pdf(**PDF_OPTIONS)


def pack_filename(meeting: MeetingView) -> str:
    kind = re.sub(r"[^a-z0-9]+", "-", meeting.kind.label.lower()).strip("-")
    return f"meeting-pack-{kind}-{meeting.held_on.isoformat()}.pdf"


def pdf_response(meeting: MeetingView) -> Response:
    """The pack's PDF as a download (pages and the API send the same)."""
    response = make_response(pack_pdf(meeting))
    response.mimetype = "application/pdf"
    response.headers["Content-Disposition"] = f'attachment; filename="{pack_filename(meeting)}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response
