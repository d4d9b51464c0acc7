"""A meeting's pack, for pages and the API alike: printable HTML, and a PDF of that same HTML
drawn by the packs' renderer (tracker/http/packs.py). Both are drawn from the meeting's stored
snapshot alone, never from the plan as it is now."""

from __future__ import annotations

import re

from flask import Response, render_template, request
from flask_login import current_user

from tracker.clock import now_utc
from tracker.http.access import actor_for
from tracker.http.packs import paper_helpers, stylesheet
from tracker.http.packs import pdf_response as pack_pdf_response
from tracker.services.governance.challenges import readable_evidence
from tracker.services.governance.meeting_snapshot import exception_rows
from tracker.services.governance.meetings import MeetingView
from tracker.services.governance.pack_paper import Paper, build_paper
from tracker.services.platform.audit import record_event

__all__ = ["docx_response", "exception_rows", "pack_html", "pdf_response", "snapshot_for_reader"]

DOCX_MIMETYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def snapshot_for_reader(snapshot: dict) -> dict:
    """A meeting's snapshot as the signed-in person may read it: its challenges only where the
    challenge log lets them read them, and `challenges_hidden`, how many others there are (for
    the pack's page and PDF, and the API). A snapshot from before challenges were kept is
    unchanged."""
    if "challenges" not in snapshot:
        return snapshot
    shown, hidden = readable_evidence(snapshot["challenges"], actor_for(current_user))
    return {**snapshot, "challenges": shown, "challenges_hidden": hidden}


def pack_paper(meeting: MeetingView) -> tuple[dict, Paper]:
    """The meeting's snapshot as the reader may read it, and the pack's paper sections."""
    s = snapshot_for_reader(meeting.snapshot)
    paper = build_paper(
        kind=meeting.kind,
        day=meeting.held_on,
        snapshot=meeting.snapshot,
        challenges=s.get("challenges"),
        meeting_id=meeting.id,
    )
    return s, paper


def pack_html(
    meeting: MeetingView,
    *,
    pdf_url: str | None = None,
    back_url: str | None = None,
    inline_css: bool = False,
) -> str:
    """The pack as one HTML document: linking static/meeting-pack.css for the browser (the
    content security policy allows no inline style), or carrying it inside for the PDF."""
    s, paper = pack_paper(meeting)
    return render_template(
        "meetings/pack.html",
        m=meeting,
        s=s,
        paper=paper,
        **paper_helpers(),
        exceptions=exception_rows(meeting.snapshot),
        pdf_url=pdf_url,
        back_url=back_url,
        css=stylesheet(inline_css),
    )


def pack_filename(meeting: MeetingView, ext: str = "pdf") -> str:
    kind = re.sub(r"[^a-z0-9]+", "-", meeting.kind_label.lower()).strip("-")
    stem = "board-pack" if meeting.kind.value == "jsig" else "meeting-pack"
    return f"{stem}-{kind}-{meeting.held_on.isoformat()}.{ext}"


def pdf_response(meeting: MeetingView) -> Response:
    """The pack's PDF as a download (pages and the API send the same), recorded as an export
    like every other file of the plan (who, which meeting)."""
    record_event(
        "export",
        now=now_utc(),
        user_id=current_user.id,
        target=f"meeting/{meeting.id}/pack.pdf",
        detail={"format": "pdf", "meeting": meeting.id, "held_on": meeting.held_on.isoformat()},
        remote_addr=request.remote_addr or "",
    )
    return pack_pdf_response(pack_html(meeting, inline_css=True), pack_filename(meeting))


def docx_response(meeting: MeetingView) -> Response:
    """The pack as a Word document (the same headings as the PDF), recorded as an export."""
    from tracker.http.pack_docx import meeting_pack_docx

    record_event(
        "export",
        now=now_utc(),
        user_id=current_user.id,
        target=f"meeting/{meeting.id}/pack.docx",
        detail={"format": "docx", "meeting": meeting.id, "held_on": meeting.held_on.isoformat()},
        remote_addr=request.remote_addr or "",
    )
    s, paper = pack_paper(meeting)
    body = meeting_pack_docx(meeting, s, paper)
    return Response(
        body,
        mimetype=DOCX_MIMETYPE,
        headers={
            "Content-Disposition": f'attachment; filename="{pack_filename(meeting, "docx")}"',
            "Content-Length": str(len(body)),
            "Cache-Control": "private, no-store",
        },
    )
