"""The OpenAPI description of "what changed since" and the working-day deadline calculator."""

from __future__ import annotations

from typing import Any

from tracker.api.openapi_lists import enum, query
from tracker.domain.changes import CLOSED_STATE, NET_OUTCOMES, ChangeKind
from tracker.domain.deadlines import MAX_WORKING_DAYS, RESPONSE_WORKING_DAYS


def _json(ref: str, description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{ref}"}}},
    }


def changes_paths(problem: dict) -> dict[str, Any]:
    errors = {"400": problem, "401": problem, "403": problem}
    return {
        "/changes": {
            "get": {
                "summary": "What changed since a date: the net change per action, then RAG moves "
                "(to red first), newly overdue, closed, new dependencies",
                "description": "First `net`: each action whose RAG moved or that was closed in the "
                "window, from its state before its first move to its state after its last, with "
                "how many moves came between; `net_counts` counts them by outcome, so `to_red` is "
                "the actions red now that were not red at the start (a move to red and its "
                "reversal in the window is `unchanged`, not a move to red). Then `items`: "
                "every change to the actions from the start of `since` to the end "
                "of today (London days), each with who made it and why, in the order the "
                "board's meeting reads them: RAG moves (moves to red, then amber, then green), "
                "actions whose target date passed in the window and are still open, actions "
                "closed with evidence, dependencies a person added. Further kinds (changes to "
                "the plan itself) may appear after these, with the same fields. `since` in the "
                "future, before the inspection report was published, or not YYYY-MM-DD is a 400.",
                "operationId": "listChanges",
                "parameters": [
                    query(
                        "since",
                        {"type": "string", "format": "date"},
                        "The first London day of the window (YYYY-MM-DD); if not given, the day "
                        "of the last meeting recorded, or a week ago when there is none",
                    )
                ],
                "responses": {"200": _json("Changes", "The changes, in reading order"), **errors},
            }
        },
        "/deadline": {
            "get": {
                "summary": "A date a number of working days after another (the statutory deadline)",
                "description": "Working days skip Saturdays, Sundays and England and Wales bank "
                "holidays (substitute days included); `from` is day 0. Without `from`, counts "
                "from the inspection's configured anchor (publication or receipt of the report) "
                "and says which, and whether the plan has been sent. From publication on "
                "2025-01-10, 70 working days is 2025-04-22.",
                "operationId": "getDeadline",
                "parameters": [
                    query(
                        "from",
                        {"type": "string", "format": "date", "pattern": "^20[0-9]{2}-"},
                        "The start date (YYYY-MM-DD, 2000-01-01 to 2099-12-31)",
                    ),
                    query(
                        "working_days",
                        {
                            "type": "integer",
                            "minimum": 1,
                            "maximum": MAX_WORKING_DAYS,
                            "default": RESPONSE_WORKING_DAYS,
                        },
                        "How many working days after it",
                    ),
                ],
                "responses": {
                    "200": _json("Deadline", "The due date and how it was worked out"),
                    **errors,
                },
            }
        },
    }


def changes_schemas() -> dict[str, Any]:
    nullable_text = {"type": ["string", "null"]}
    state = {
        "type": "string",
        "description": f"A RAG (red, amber, green) or {CLOSED_STATE} (blue)",
        "examples": ["red", "amber", "green", CLOSED_STATE],
    }
    return {
        "Change": {
            "type": "object",
            "required": ["kind", "action", "on", "at", "who", "why", "old", "new", "lead"],
            "properties": {
                "kind": {
                    "type": "string",
                    "description": "One of "
                    + ", ".join(k.value for k in ChangeKind)
                    + "; changes to the plan itself add kinds of their own.",
                    "examples": [k.value for k in ChangeKind],
                },
                "action": {
                    "type": "object",
                    "required": ["ref", "title", "plan"],
                    "properties": {
                        "ref": {"type": "string"},
                        "title": {"type": "string"},
                        "plan": {"type": "string"},
                    },
                },
                "on": {"type": "string", "format": "date", "description": "London day"},
                "at": {"type": ["string", "null"], "format": "date-time"},
                "who": {**nullable_text, "description": "Who made the change"},
                "why": {"type": "string", "description": "Their reason, in their words"},
                "old": nullable_text,
                "new": nullable_text,
                "lead": {**nullable_text, "description": "The lead who must account for it"},
                "related_ref": {**nullable_text, "description": "A new dependency's prerequisite"},
            },
        },
        "NetChange": {
            "type": "object",
            "description": "One action's net change in the window",
            "required": ["action", "start", "end", "moves", "outcome", "lead"],
            "properties": {
                "action": {
                    "type": "object",
                    "required": ["ref", "title", "plan"],
                    "properties": {
                        "ref": {"type": "string"},
                        "title": {"type": "string"},
                        "plan": {"type": "string"},
                    },
                },
                "start": {**state, "description": "The state before its first move"},
                "end": {**state, "description": "The state after its last move: now"},
                "moves": {"type": "integer", "minimum": 1, "description": "Moves in between"},
                "outcome": {
                    **enum(list(NET_OUTCOMES)),
                    "description": "to_red, to_amber, to_green, closed, or unchanged when the "
                    "action ended where it started",
                },
                "lead": {**nullable_text, "description": "The lead who must account for it"},
            },
        },
        "Changes": {
            "type": "object",
            "required": ["since", "until", "net", "net_counts", "items"],
            "properties": {
                "since": {"type": "string", "format": "date"},
                "until": {"type": "string", "format": "date"},
                "net": {
                    "type": "array",
                    "description": "The net change per action, moves to red first, actions back "
                    "where they started last",
                    "items": {"$ref": "#/components/schemas/NetChange"},
                },
                "net_counts": {
                    "type": "object",
                    "description": "How many actions ended the window each way",
                    "required": list(NET_OUTCOMES),
                    "properties": {o: {"type": "integer", "minimum": 0} for o in NET_OUTCOMES},
                    "additionalProperties": False,
                },
                "items": {"type": "array", "items": {"$ref": "#/components/schemas/Change"}},
            },
        },
        "Deadline": {
            "type": "object",
            "required": [
                "from",
                "working_days",
                "due",
                "working_days_left",
                "bank_holidays_skipped",
                "rule",
            ],
            "properties": {
                "from": {"type": "string", "format": "date"},
                "working_days": {"type": "integer", "minimum": 1},
                "due": {"type": "string", "format": "date"},
                "working_days_left": {
                    "type": "integer",
                    "description": "From today to the due date; negative once it has passed",
                },
                "bank_holidays_skipped": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["date", "name"],
                        "properties": {
                            "date": {"type": "string", "format": "date"},
                            "name": {"type": "string"},
                        },
                    },
                },
                "rule": {"type": "string"},
                "anchor": {
                    **enum(["publication", "receipt"]),
                    "description": "Only without `from`: what the inspection's count starts at",
                },
                "plan_submitted_on": {
                    "type": ["string", "null"],
                    "format": "date",
                    "description": "Only without `from`: the day the plan was sent to Ofsted",
                },
            },
        },
    }
