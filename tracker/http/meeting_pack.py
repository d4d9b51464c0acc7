"""A meeting's pack, for pages and the API alike: printable HTML, and a PDF of that same HTML
drawn by the packs' renderer (tracker/http/packs.py). Both are drawn from the meeting's stored
snapshot alone, never from the plan as it is now."""

from __future__ import annotations

import re

from flask import Response, render_template, request
from flask_login import current_user

from tracker.clock import now_utc
from tracker.http.access import actor_for
from tracker.http.packs import pdf_response as pack_pdf_response
from tracker.http.packs import stylesheet
from tracker.services.audit import record_event
from tracker.services.challenges import readable_evidence
from tracker.services.meeting_snapshot import exception_rows
from tracker.services.meetings import MeetingView

__all__ = ["exception_rows", "pack_html", "pdf_response", "snapshot_for_reader"]


def snapshot_for_reader(snapshot: dict) -> dict:
    """A meeting's snapshot as the signed-in person may read it: its challenges only where the
    challenge log lets them read them, and `challenges_hidden`, how many others there are (for
    the pack's page and PDF, and the API). A snapshot from before challenges were kept is
    unchanged."""
    if "challenges" not in snapshot:
        return snapshot
    shown, hidden = readable_evidence(snapshot["challenges"], actor_for(current_user))
    return {**snapshot, "challenges": shown, "challenges_hidden": hidden}


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
        s=snapshot_for_reader(meeting.snapshot),
        exceptions=exception_rows(meeting.snapshot),
        pdf_url=pdf_url,
        back_url=back_url,
        css=stylesheet(inline_css),
    )


def pack_filename(meeting: MeetingView) -> str:
    kind = re.sub(r"[^a-z0-9]+", "-", meeting.kind.label.lower()).strip("-")
    return f"meeting-pack-{kind}-{meeting.held_on.isoformat()}.pdf"


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
