"""The OpenAPI description of the challenge log: the list (and raising one), one challenge, a
response and the outcome."""

from __future__ import annotations

from typing import Any

from tracker.api.openapi_lists import LOCALITY_CODE, NO_NUL, PLAN_CODE, enum, paged, paging, query
from tracker.domain.challenges import NOTE_LIMIT, QUESTION_LIMIT, RESPONSE_LIMIT, Status
from tracker.domain.setup import Words
from tracker.http.edge import INTEGER_MAX
from tracker.services.governance.challenges import STATUS_FILTERS

CHALLENGE_ID = {
    "name": "challenge_id",
    "in": "path",
    "required": True,
    "schema": {"type": "integer", "minimum": 1, "maximum": INTEGER_MAX},
}
_CHALLENGE = {"$ref": "#/components/schemas/Challenge"}


def _text(limit: int) -> dict[str, Any]:
    return {"type": "string", "minLength": 1, "maxLength": limit, "pattern": NO_NUL}


def _created(problem: dict) -> dict[str, Any]:
    return {
        "201": {
            "description": "Recorded: the challenge as it is now, with every step",
            "headers": {"Location": {"schema": {"type": "string"}}},
            "content": {"application/json": {"schema": _CHALLENGE}},
        },
        "400": problem,
        "401": problem,
        "403": problem,
        "404": problem,
        "415": problem,
        "422": problem,
    }


def _body(schema: dict[str, Any]) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": schema}}}


def challenge_paths(problem: dict, words: Words) -> dict[str, Any]:
    return {
        "/challenges": {
            "get": {
                "summary": "The challenges you may see, oldest raised first, paged",
                "description": f"Chairs, administrators and viewers ({words.group_short} members) "
                "see every challenge; anyone else sees those they raised or answer for (the "
                f"action's lead, the {words.area_lower}'s head or named deputy). `status=open` is "
                "every "
                "challenge not yet accepted; `awaiting_response` those open with no response yet.",
                "operationId": "listChallenges",
                "parameters": [
                    query("status", enum(list(STATUS_FILTERS)), "Only this status"),
                    query("plan", PLAN_CODE, "Only this plan (or its returns)"),
                    *paging(50),
                ],
                "responses": {
                    "200": {
                        "description": "A page of challenges with their steps",
                        "content": {
                            "application/json": {"schema": paged("#/components/schemas/Challenge")}
                        },
                    },
                    "400": problem,
                    "401": problem,
                    "403": problem,
                },
            },
            "post": {
                "summary": f"Raise a challenge on an action or {words.an_area}'s return",
                "description": f"Chairs and viewers ({words.group_short} members) only. Send "
                "`action` (a ref), "
                f"or `locality` ({words.an_area}'s code) and `cycle` (a return), and the "
                "`question` (up to "
                f"{QUESTION_LIMIT:,} characters, never child-level data). The people who "
                "answer for it are sent one email each through the outbox. With the session "
                "cookie, send the CSRF token in the X-CSRFToken header.",
                "operationId": "raiseChallenge",
                "requestBody": _body(
                    {
                        "type": "object",
                        "required": ["question"],
                        "additionalProperties": False,
                        "properties": {
                            "question": _text(QUESTION_LIMIT),
                            "action": {
                                "type": "string",
                                "minLength": 1,
                                "maxLength": 32,
                                "pattern": NO_NUL,
                            },
                            "locality": LOCALITY_CODE,
                            "cycle": {"type": "integer", "minimum": 1, "maximum": INTEGER_MAX},
                        },
                    }
                ),
                "responses": _created(problem),
            },
        },
        "/challenges/{challenge_id}": {
            "get": {
                "summary": "One challenge with every step, oldest first",
                "operationId": "getChallenge",
                "parameters": [CHALLENGE_ID],
                "responses": {
                    "200": {
                        "description": "The challenge",
                        "content": {"application/json": {"schema": _CHALLENGE}},
                    },
                    "401": problem,
                    "403": problem,
                    "404": problem,
                },
            }
        },
        "/challenges/{challenge_id}/responses": {
            "post": {
                "summary": "Respond to a challenge that is awaiting a response (or escalated)",
                "description": f"The action's lead, or the {words.area_lower}'s head or named "
                "deputy. "
                "409 when the challenge has been answered and awaits the challenger, or is "
                "accepted. Nothing is written on any error.",
                "operationId": "respondToChallenge",
                "parameters": [CHALLENGE_ID],
                "requestBody": _body(
                    {
                        "type": "object",
                        "required": ["text"],
                        "additionalProperties": False,
                        "properties": {"text": _text(RESPONSE_LIMIT)},
                    }
                ),
                "responses": {**_created(problem), "409": problem},
            }
        },
        "/challenges/{challenge_id}/outcome": {
            "post": {
                "summary": "Accept a response, or escalate the challenge with a note",
                "description": "The challenger or any chair, once the challenge has a "
                "response. Accepting closes it; escalating (a note is needed) leaves it open "
                "for a further response. 409 when it is not awaiting the challenger.",
                "operationId": "setChallengeOutcome",
                "parameters": [CHALLENGE_ID],
                "requestBody": _body(
                    {
                        "type": "object",
                        "required": ["outcome"],
                        "additionalProperties": False,
                        "properties": {
                            "outcome": enum(["accept", "escalate"]),
                            "note": {"type": "string", "maxLength": NOTE_LIMIT, "pattern": NO_NUL},
                        },
                    }
                ),
                "responses": {**_created(problem), "409": problem},
            }
        },
    }


def challenge_schemas() -> dict[str, Any]:
    nullable_text = {"type": ["string", "null"]}
    return {
        "Challenge": {
            "type": "object",
            "required": [
                "id",
                "status",
                "status_label",
                "question",
                "raised_by",
                "raised_at",
                "age_days",
                "last_step_at",
                "action",
                "plan",
                "locality",
                "cycle",
                "subject",
                "steps",
            ],
            "properties": {
                "id": {"type": "integer"},
                "status": enum([s.value for s in Status]),
                "status_label": {"type": "string"},
                "question": {"type": "string"},
                "raised_by": {"type": "string"},
                "raised_at": {"type": "string", "format": "date-time"},
                "age_days": {"type": "integer", "description": "London days since raised"},
                "last_step_at": {"type": "string", "format": "date-time"},
                "action": nullable_text,
                "action_title": nullable_text,
                "lead": nullable_text,
                "plan": nullable_text,
                "locality": nullable_text,
                "cycle": {"type": ["integer", "null"]},
                "subject": {"type": "string"},
                "steps": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["number", "kind", "text", "by", "at"],
                        "properties": {
                            "number": {"type": "integer"},
                            "kind": enum(["response", "accepted", "escalated"]),
                            "text": {"type": "string"},
                            "by": {"type": "string"},
                            "at": {"type": "string", "format": "date-time"},
                        },
                    },
                },
            },
        }
    }
