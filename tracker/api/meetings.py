"""Meetings over the API: the list, one meeting with its frozen snapshot, and its pack."""

from __future__ import annotations

from typing import Any

from flask import jsonify
from flask_login import current_user

from tracker.api.serialise import _utc
from tracker.api.views import api_requires, bp, read_paging
from tracker.domain.permissions import Permission
from tracker.http.access import actor_for, allowed, refuse
from tracker.http.meeting_pack import pdf_response, snapshot_for_reader
from tracker.http.problems import problem
from tracker.services.errors import NotFound
from tracker.services.governance import meetings as meeting_service


def _person(p: meeting_service.Person) -> dict[str, Any]:
    return {"id": p.id, "name": p.name, "job_title": p.job_title or None}


def meeting_summary_json(m: meeting_service.MeetingSummary) -> dict[str, Any]:
    return {
        "id": m.id,
        "kind": m.kind.value,
        "kind_label": m.kind_label,
        "held_on": m.held_on.isoformat(),
        "chair": m.chair,
        "open_follow_ups": m.follow_ups_open,
    }


def meeting_json(m: meeting_service.MeetingView) -> dict[str, Any]:
    return {
        "id": m.id,
        "kind": m.kind.value,
        "kind_label": m.kind_label,
        "held_on": m.held_on.isoformat(),
        "chair": _person(m.chair),
        "attendees": [_person(p) for p in m.attendees],
        "other_attendees": m.other_attendees,
        "notes": m.notes,
        "decisions": m.decisions,
        "follow_ups": [
            {
                "id": f.id,
                "text": f.text,
                "assignee": _person(f.assignee),
                "due_on": f.due_on.isoformat(),
                "done": f.done_at is not None,
                "done_at": _utc(f.done_at),
            }
            for f in m.follow_ups
        ],
        "created_at": _utc(m.created_at),
        "created_by": m.created_by,
        # Challenges' text only where the challenge log lets the caller read it.
        "snapshot": snapshot_for_reader(m.snapshot),
    }


@bp.get("/v1/meetings")
@api_requires(Permission.READ_MEETING)
def meetings():
    paging = read_paging(50)
    rows, total = meeting_service.list_meetings(
        actor_for(current_user), page=paging.page, per_page=paging.per_page
    )
    return jsonify(paging.body([meeting_summary_json(m) for m in rows], total))


def _visible(meeting_id: int):
    """The meeting, or a 404 problem; a 403 problem when this person may not see it."""
    try:
        meeting = meeting_service.get_meeting(meeting_id)
    except NotFound:
        return None, problem(404, f"There is no meeting {meeting_id}.")
    if not allowed(Permission.READ_MEETING, meeting.target):
        refuse(Permission.READ_MEETING, detail=meeting_service.who_sees())
    return meeting, None


@bp.get("/v1/meetings/<int:meeting_id>")
@api_requires(Permission.READ_MEETING)
def meeting(meeting_id: int):
    found, error = _visible(meeting_id)
    return error or jsonify(meeting_json(found))


@bp.get("/v1/meetings/<int:meeting_id>/pack.pdf")
@api_requires(Permission.READ_MEETING)
def meeting_pack(meeting_id: int):
    found, error = _visible(meeting_id)
    return error or pdf_response(found)
