"""The OpenAPI 3.1 description of the fortnightly workflow: updating an action, the update
cycles and each area's return. `openapi.py` merges these paths and schemas into its own."""

from __future__ import annotations

from typing import Any

from tracker.api.openapi_lists import LOCALITY_CODE, NO_NUL, paged, paging
from tracker.domain.evidence import EvidenceType
from tracker.domain.setup import Words
from tracker.domain.states import Impact, Lifecycle, Rag
from tracker.http.edge import INTEGER_MAX


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(description: str, schema: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": schema}},
        **extra,
    }


def _problem(description: str, schema: str = "Problem") -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/problem+json": {"schema": _ref(schema)}},
    }


def _path_param(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "schema": schema,
        "description": description,
    }


def _enum(values: list[str]) -> dict[str, Any]:
    return {"type": "string", "enum": values}


def workflow_paths(words: Words) -> dict[str, Any]:
    return {
        "/actions/{ref}/updates": {
            "post": {
                "summary": "Record an update to one action",
                "description": "Send the version you read the action at (GET /actions/{ref}). "
                "The update is checked against the same rules as the action page: a progress "
                "summary, a reason whenever RAG or lifecycle changes, evidence to mark it "
                "complete, no RAG once closed, only a chair closes, and no text that looks like "
                "child-level data. With the session cookie, send the CSRF token in the "
                "X-CSRFToken header; with a bearer token none is needed. "
                f"Only the action's lead and its {words.area_lower}'s head of service (or their "
                "named "
                "deputy) may update an action: not administrators, who manage people, not plans. "
                "Evidence may come with the update, checked as POST /actions/{ref}/evidence "
                "checks it and written with it (or not at all): links as `evidence_items`; or "
                "send multipart/form-data with the update's JSON as the field `update` and one "
                "file as `evidence_file`, described by `evidence_title`, `evidence_type` and "
                "`evidence_date` (YYYY-MM-DD).",
                "operationId": "createActionUpdate",
                "parameters": [
                    _path_param("ref", {"type": "string"}, "The action's ref, e.g. AP-012")
                ],
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": _ref("UpdateRequest")}},
                },
                "responses": {
                    "201": _json(
                        "Recorded: the action as it is now, with its history newest first",
                        _ref("ActionWithHistory"),
                        headers={
                            "Location": {
                                "description": "The action: /api/v1/actions/{ref}",
                                "schema": {"type": "string"},
                            }
                        },
                    ),
                    "400": _problem(
                        "The body is not valid JSON, a text holds a NUL byte or a lone surrogate "
                        "(`invalid_params` names it), or (session only) no CSRF token"
                    ),
                    "401": _problem(
                        "Not signed in, or the bearer token is wrong, revoked or expired"
                    ),
                    "403": _problem(
                        "The caller may not update this action (recorded in the audit log)"
                    ),
                    "404": _problem("There is no action with this ref"),
                    "409": _problem(
                        "The action has changed since `version`: nothing was saved. "
                        "`changes` lists what changed and who changed it, newest first; send the "
                        "update again with `current_version` once you have read them.",
                        "ConflictProblem",
                    ),
                    "415": _problem("The body is not sent as application/json"),
                    "422": _problem(
                        "The update is not valid: `invalid_params` names each field and why. "
                        "Nothing was saved.",
                        "ValidationProblem",
                    ),
                },
            }
        },
        "/cycles": {
            "get": {
                "summary": "The update cycles, oldest first, paged",
                "operationId": "listCycles",
                "parameters": paging(50),
                "responses": {
                    "200": _json("A page of the cycles", paged("#/components/schemas/Cycle")),
                    "400": _problem("A page or per_page that is not a whole number in range"),
                    "401": _problem("Not signed in"),
                },
            }
        },
        "/cycles/current": {
            "get": {
                "summary": "The cycle whose window holds today (London)",
                "operationId": "getCurrentCycle",
                "responses": {
                    "200": _json("The current cycle", _ref("Cycle")),
                    "401": _problem("Not signed in"),
                    "404": _problem("No cycle holds today"),
                },
            }
        },
        "/localities/{locality}/returns/{cycle_number}": {
            "get": {
                "summary": f"One {words.area_lower}'s return for one cycle",
                "description": "Whether the return is not started, a draft, submitted or "
                f"submitted late, and each of the {words.area_lower}'s open actions as it stands "
                "now. "
                "What a draft holds is not shown: it has not been checked yet. What was "
                "submitted, entry by entry, is at `.../returns/{cycle_number}/as-submitted`.",
                "operationId": "getLocalityReturn",
                "parameters": [
                    _path_param("locality", LOCALITY_CODE, f"The {words.area_lower}'s code"),
                    _path_param(
                        "cycle_number",
                        {"type": "integer", "minimum": 1, "maximum": INTEGER_MAX},
                        "Cycle",
                    ),
                ],
                "responses": {
                    "200": _json("The return", _ref("LocalityReturn")),
                    "401": _problem("Not signed in"),
                    "404": _problem(f"No such {words.area_lower} or cycle"),
                },
            }
        },
    }


def workflow_schemas(text_limit: int) -> dict[str, Any]:
    lifecycle = [s.value for s in Lifecycle]
    rag = [r.value for r in Rag]
    impact = [i.value for i in Impact]
    text = {"type": "string", "maxLength": text_limit, "pattern": NO_NUL}
    return {
        "UpdateRequest": {
            "type": "object",
            "required": ["version", "summary", "lifecycle", "rag", "impact"],
            "additionalProperties": False,
            "examples": [
                {
                    "version": 1,
                    "summary": "Daily exception list checked by every team manager.",
                    "lifecycle": "in_progress",
                    "rag": "green",
                    "impact": "not_yet_evidenced",
                }
            ],
            "properties": {
                "version": {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": INTEGER_MAX,
                    "description": "The action's version when you read it",
                },
                "summary": text | {"description": "What has happened since the last update"},
                "lifecycle": _enum(lifecycle),
                "rag": {
                    "type": ["string", "null"],
                    "enum": [*rag, None],
                    "description": "Required while the action is open; null when closing it",
                },
                "impact": _enum(impact),
                "reason": text
                | {"description": "Required whenever the RAG rating or lifecycle changes"},
                "evidence": text
                | {"description": "Required to mark the action complete, awaiting sign-off"},
                "confirm_unchanged": {
                    "type": "boolean",
                    "default": False,
                    "description": "True to keep the same summary as last time: no change",
                },
                "superseded_by": {
                    "type": "string",
                    "maxLength": 32,
                    "description": "The ref of the open action that replaces this one: required "
                    "when lifecycle becomes superseded (chairs only)",
                },
                "evidence_items": {
                    "type": "array",
                    "maxItems": 5,
                    "description": "Links to evidence, added to the action with the update",
                    "items": {
                        "type": "object",
                        "required": ["title", "evidence_type", "evidence_date", "url"],
                        "additionalProperties": False,
                        "properties": {
                            "title": {"type": "string", "maxLength": 200, "pattern": NO_NUL},
                            "evidence_type": _enum([t.value for t in EvidenceType]),
                            "evidence_date": {"type": "string", "format": "date"},
                            "url": {"type": "string", "maxLength": 2000, "pattern": NO_NUL},
                        },
                    },
                },
            },
        },
        "ActionWithHistory": {
            "allOf": [
                _ref("Action"),
                {
                    "type": "object",
                    "required": ["history"],
                    "properties": {"history": {"type": "array", "items": _ref("HistoryEntry")}},
                },
            ]
        },
        "ValidationProblem": {
            "allOf": [
                _ref("Problem"),
                {
                    "type": "object",
                    "required": ["invalid_params"],
                    "properties": {
                        "invalid_params": {
                            "type": "array",
                            "minItems": 1,
                            "items": {
                                "type": "object",
                                "required": ["name", "reason"],
                                "properties": {
                                    "name": {"type": "string"},
                                    "reason": {"type": "string"},
                                },
                            },
                        }
                    },
                },
            ]
        },
        "ConflictProblem": {
            "allOf": [
                _ref("Problem"),
                {
                    "type": "object",
                    "required": ["current_version", "changes"],
                    "properties": {
                        "current_version": {"type": "integer", "minimum": 1},
                        "changes": {"type": "array", "items": _ref("HistoryEntry")},
                    },
                },
            ]
        },
        "Cycle": {
            "type": "object",
            "required": ["number", "opens_on", "due_on", "due_at", "current"],
            "properties": {
                "number": {"type": "integer", "minimum": 1},
                "opens_on": {"type": "string", "format": "date"},
                "due_on": {"type": "string", "format": "date"},
                "due_at": {
                    "type": "string",
                    "format": "date-time",
                    "description": "When returns are due, in UTC (noon London by default)",
                },
                "current": {"type": "boolean"},
            },
        },
        "LocalityReturn": {
            "type": "object",
            "required": [
                "locality",
                "cycle",
                "status",
                "overdue",
                "submitted_at",
                "submitted_by",
                "actions",
            ],
            "properties": {
                "locality": {"type": "string"},
                "cycle": {"type": "integer"},
                "status": _enum(["not_started", "draft", "submitted", "late"]),
                "overdue": {
                    "type": "boolean",
                    "description": "Not submitted and the cycle's due moment has passed",
                },
                "submitted_at": {"type": ["string", "null"], "format": "date-time"},
                "submitted_by": {"type": ["string", "null"]},
                "actions": {"type": "array", "items": _ref("ReturnAction")},
            },
        },
        "ReturnAction": {
            "type": "object",
            "required": [
                "ref",
                "title",
                "version",
                "lifecycle",
                "rag",
                "impact",
                "summary",
                "updated_this_cycle",
            ],
            "properties": {
                "ref": {"type": "string"},
                "title": {"type": "string"},
                "version": {"type": "integer", "minimum": 1},
                "lifecycle": _enum(lifecycle),
                "rag": {"type": ["string", "null"], "enum": [*rag, None]},
                "impact": _enum(impact),
                "summary": {"type": "string", "description": "The latest progress summary"},
                "updated_this_cycle": {
                    "type": "boolean",
                    "description": "The action's latest update was recorded in this cycle",
                },
            },
        },
    }
