"""The OpenAPI description of the meetings: the list, one meeting with its snapshot, the pack."""

from __future__ import annotations

from typing import Any

from tracker.api.openapi_lists import enum, paged, paging
from tracker.domain.meetings import MeetingKind
from tracker.domain.setup import Words
from tracker.domain.states import Impact, LeadBody, Lifecycle, Rag
from tracker.http.edge import INTEGER_MAX

MEETING_ID = {
    "name": "meeting_id",
    "in": "path",
    "required": True,
    "schema": {"type": "integer", "minimum": 1, "maximum": INTEGER_MAX},
}
_KINDS = [k.value for k in MeetingKind]


def meeting_paths(problem: dict) -> dict[str, Any]:
    seen = {"401": problem, "403": problem, "404": problem}
    return {
        "/meetings": {
            "get": {
                "summary": "The meetings you may see, newest first, paged",
                "description": "Chairs, administrators and viewers see every meeting; anyone "
                "else sees the meetings they chaired, attended or hold a follow-up from.",
                "operationId": "listMeetings",
                "parameters": paging(50),
                "responses": {
                    "200": {
                        "description": "A page of meetings",
                        "content": {
                            "application/json": {
                                "schema": paged("#/components/schemas/MeetingSummary")
                            }
                        },
                    },
                    "400": problem,
                    "401": problem,
                    "403": problem,
                },
            }
        },
        "/meetings/{meeting_id}": {
            "get": {
                "summary": "One meeting with its decisions, follow-ups and frozen snapshot",
                "description": "The snapshot is the plan exactly as presented at the meeting, "
                "written when the meeting was recorded and never changed. 403 when you may "
                "not see this meeting.",
                "operationId": "getMeeting",
                "parameters": [MEETING_ID],
                "responses": {
                    "200": {
                        "description": "The meeting",
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Meeting"}}
                        },
                    },
                    **seen,
                },
            }
        },
        "/meetings/{meeting_id}/pack.pdf": {
            "get": {
                "summary": "The meeting pack as a PDF, drawn from the snapshot",
                "description": "Cover, contents, the key, the meeting's record, summary tables "
                "and the exception list (red and overdue), with page numbers; tagged, with "
                "real text.",
                "operationId": "getMeetingPack",
                "parameters": [MEETING_ID],
                "responses": {
                    "200": {
                        "description": "The PDF, as an attachment",
                        "headers": {"Content-Disposition": {"schema": {"type": "string"}}},
                        "content": {
                            "application/pdf": {"schema": {"type": "string", "format": "binary"}}
                        },
                    },
                    **seen,
                    "503": {
                        **problem,
                        "description": "Too large to draw as a PDF within the server's bounds "
                        "(TRACKER_PDF_MEMORY_MB, TRACKER_PDF_SECONDS)",
                    },
                },
            }
        },
    }


def _person() -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["id", "name", "job_title"],
        "properties": {
            "id": {"type": "integer"},
            "name": {"type": "string"},
            "job_title": {"type": ["string", "null"]},
        },
    }


def _counts() -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["key", "label", "actions", "open", "overdue", "rag", "lifecycle"],
        "properties": {
            "key": {"type": "string"},
            "label": {"type": "string"},
            "lead_body": {"type": "string"},
            "actions": {"type": "integer"},
            "open": {"type": "integer"},
            "overdue": {"type": "integer"},
            "rag": {
                "type": "object",
                "properties": {r.value: {"type": "integer"} for r in Rag},
            },
            "lifecycle": {
                "type": "object",
                "properties": {s.value: {"type": "integer"} for s in Lifecycle},
            },
        },
    }


def meeting_schemas(words: Words) -> dict[str, Any]:
    lifecycle = [s.value for s in Lifecycle]
    date = {"type": "string", "format": "date"}
    moment = {"type": "string", "format": "date-time"}
    row = {
        "type": "object",
        "required": [
            "ref",
            "plan",
            "recommendation",
            "title",
            "lead_name",
            "lead_organisation",
            "lifecycle",
            "rag",
            "impact",
            "target_date",
            "overdue",
            "days_overdue",
            "summary",
            "reason",
            "updated_at",
        ],
        "properties": {
            "ref": {"type": "string"},
            "plan": {"type": "string"},
            "plan_name": {"type": "string"},
            "recommendation": {"type": "string"},
            "recommendation_title": {"type": "string"},
            "lead_body": enum([b.value for b in LeadBody]),
            "title": {"type": "string"},
            "lead_name": {"type": ["string", "null"]},
            "lead_organisation": {"type": "string"},
            "lead_organisation_name": {"type": "string"},
            "lifecycle": enum(lifecycle),
            "rag": enum([r.value for r in Rag], nullable=True),
            "impact": enum([i.value for i in Impact]),
            "target_date": {"type": ["string", "null"], "format": "date"},
            "overdue": {"type": "boolean"},
            "days_overdue": {"type": "integer", "minimum": 0},
            # Added later (absent from older snapshots): waiting work, not overdue.
            "awaiting_past_target": {"type": "boolean"},
            "awaiting_since": {"type": ["string", "null"], "format": "date-time"},
            "working_days_awaiting": {"type": "integer", "minimum": 0},
            "summary": {"type": "string"},
            "reason": {"type": "string"},
            "updated_at": moment,
        },
    }
    return {
        "MeetingSummary": {
            "type": "object",
            "required": ["id", "kind", "kind_label", "held_on", "chair", "open_follow_ups"],
            "properties": {
                "id": {"type": "integer"},
                "kind": enum(_KINDS),
                "kind_label": {"type": "string"},
                "held_on": date,
                "chair": {"type": "string"},
                "open_follow_ups": {"type": "integer"},
            },
        },
        "Meeting": {
            "type": "object",
            "required": [
                "id",
                "kind",
                "held_on",
                "chair",
                "attendees",
                "other_attendees",
                "notes",
                "decisions",
                "follow_ups",
                "created_at",
                "snapshot",
            ],
            "properties": {
                "id": {"type": "integer"},
                "kind": enum(_KINDS),
                "kind_label": {"type": "string"},
                "held_on": date,
                "chair": _person(),
                "attendees": {"type": "array", "items": _person()},
                "other_attendees": {"type": "string"},
                "notes": {"type": "string"},
                "decisions": {"type": "array", "items": {"type": "string"}},
                "follow_ups": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["id", "text", "assignee", "due_on", "done", "done_at"],
                        "properties": {
                            "id": {"type": "integer"},
                            "text": {"type": "string"},
                            "assignee": _person(),
                            "due_on": date,
                            "done": {"type": "boolean"},
                            "done_at": {"type": ["string", "null"], "format": "date-time"},
                        },
                    },
                },
                "created_at": moment,
                "created_by": {"type": ["string", "null"]},
                "snapshot": {"$ref": "#/components/schemas/MeetingSnapshot"},
            },
        },
        "MeetingSnapshot": {
            "type": "object",
            "description": "The plan as presented, frozen when the meeting was recorded. "
            "`version` is the shape's version (1); later versions only add keys. `dashboard` "
            "holds the dashboard's counts and charts when present.",
            "required": [
                "version",
                "taken_at",
                "meeting_day",
                "source",
                "labels",
                "actions",
                "totals",
                "by_plan",
                "by_recommendation",
                "by_lead_body",
                "exceptions",
            ],
            "properties": {
                "version": {"type": "integer", "minimum": 1},
                "taken_at": moment,
                "meeting_day": date,
                "source": enum(["current", "history"]),
                "as_at": {"type": ["string", "null"], "format": "date-time"},
                "inspection": {"type": ["object", "null"]},
                "labels": {"type": "object"},
                "actions": {"type": "array", "items": row},
                "totals": _counts() | {"required": ["actions", "open", "overdue"]},
                "by_plan": {"type": "array", "items": _counts()},
                "by_recommendation": {"type": "array", "items": _counts()},
                "by_lead_body": {"type": "array", "items": _counts()},
                "exceptions": {
                    "type": "array",
                    "description": "Refs of the actions red or overdue on the meeting day, "
                    "most days overdue first",
                    "items": {"type": "string"},
                },
                "dashboard": {"type": ["object", "null"]},
                "challenges": {
                    "type": "array",
                    "description": "Evidence of challenge as it stood: only the challenges the "
                    f"challenge log lets you read (chairs, {words.group_short} members and "
                    "administrators read every one; anyone else those they raised or answer)",
                    "items": {"type": "object"},
                },
                "challenges_hidden": {
                    "type": "integer",
                    "minimum": 0,
                    "description": "How many other challenges the snapshot holds, whose text "
                    "you may not read",
                },
            },
        },
    }
