"""The OpenAPI description of the monthly self-evaluations (SEFs)."""

from __future__ import annotations

from typing import Any

from tracker.api.openapi_lists import LOCALITY_CODE, paged, paging, query
from tracker.domain.sef import TEXT_FIELDS, Grade, SefStatus
from tracker.domain.setup import Words

_MONTH = {"type": "string", "pattern": r"^\d{4}-\d{2}$", "maxLength": 7}
_DAY = {"type": "string", "format": "date"}
_TIME = {"type": "string", "format": "date-time"}
_STATUS = {"type": "string", "enum": [s.value for s in SefStatus]}


def _who(words: Words) -> str:
    return (
        "Anyone signed in reads submitted SEFs; drafts are read only by the "
        f"{words.area_lower}'s head, their named deputy and the administrator (others see the "
        "status, and the submitted versions). When the administrator has turned SEFs off, both "
        "answer 404."
    )


def sef_paths(problem: dict, words: Words) -> dict[str, Any]:
    who = _who(words)
    return {
        "/sefs": {
            "get": {
                "summary": f"Every {words.area_lower}'s SEF status for each month, paged",
                "description": "From the first month SEFs are asked for to this one, newest "
                f"month first, each {words.area_lower} in turn: its due day, status (not "
                "started, draft, submitted, submitted late, missing), how many versions are "
                f"saved and when the last was. `asked` is false for a month that began after "
                f"the {words.area_lower} was retired. " + who,
                "operationId": "listSefs",
                "parameters": [
                    query("locality", LOCALITY_CODE, f"Only this {words.area_lower}"),
                    *paging(100),
                ],
                "responses": {
                    "200": {
                        "description": "A page of SEF statuses",
                        "content": {
                            "application/json": {
                                "schema": paged("#/components/schemas/SefStatusCell")
                            }
                        },
                    },
                    "400": problem,
                    "401": problem,
                    "403": problem,
                    "404": problem,
                },
            }
        },
        "/localities/{locality}/sefs/{month}": {
            "get": {
                "summary": f"One {words.area_lower}'s SEF for one month, with its versions",
                "description": "Every version you may read, oldest first, each with its answers "
                "to the three questions and the focused sections asked, the council's own "
                "sections under the headings asked then, the evidence and the self-grade. "
                "Every save is a version; none is ever changed. " + who,
                "operationId": "getSef",
                "parameters": [
                    {
                        "name": "locality",
                        "in": "path",
                        "required": True,
                        "schema": LOCALITY_CODE,
                        "description": f"The {words.area_lower}'s code",
                    },
                    {
                        "name": "month",
                        "in": "path",
                        "required": True,
                        "schema": _MONTH,
                        "description": "The month, YYYY-MM, from the first asked to this one",
                    },
                ],
                "responses": {
                    "200": {
                        "description": "The SEF",
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Sef"}}
                        },
                    },
                    "401": problem,
                    "403": problem,
                    "404": problem,
                },
            }
        },
    }


def sef_schemas() -> dict[str, Any]:
    text = {"type": "string"}
    return {
        "SefStatusCell": {
            "type": "object",
            "required": [
                "locality",
                "locality_name",
                "month",
                "due_on",
                "status",
                "asked",
                "retired",
                "versions",
                "last_saved_at",
            ],
            "properties": {
                "locality": text,
                "locality_name": text,
                "month": _MONTH,
                "due_on": _DAY,
                "status": _STATUS,
                "asked": {"type": "boolean"},
                "retired": {"type": "boolean", "description": "The area is retired now"},
                "versions": {"type": "integer", "minimum": 0},
                "last_saved_at": {"type": ["string", "null"], "format": "date-time"},
            },
            "additionalProperties": False,
        },
        "SefVersion": {
            "type": "object",
            "required": [
                "version",
                "status",
                "late",
                "saved_at",
                "author",
                "self_grade",
                "answers",
                "own_sections",
            ],
            "properties": {
                "version": {"type": "integer", "minimum": 1},
                "status": {"type": "string", "enum": ["draft", "submitted"]},
                "late": {"type": "boolean", "description": "Submitted after its due day"},
                "saved_at": _TIME,
                "author": {"type": ["string", "null"]},
                "self_grade": {
                    "type": ["string", "null"],
                    "enum": [*(g.value for g in Grade), None],
                },
                "answers": {
                    "type": "object",
                    "required": list(TEXT_FIELDS),
                    "properties": {name: text for name in TEXT_FIELDS},
                    "additionalProperties": False,
                },
                "own_sections": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["heading", "answer"],
                        "properties": {"heading": text, "answer": text},
                        "additionalProperties": False,
                    },
                },
            },
            "additionalProperties": False,
        },
        "Sef": {
            "type": "object",
            "required": ["locality", "locality_name", "month", "due_on", "status", "versions"],
            "properties": {
                "locality": text,
                "locality_name": text,
                "month": _MONTH,
                "due_on": _DAY,
                "status": _STATUS,
                "versions": {
                    "type": "array",
                    "items": {"$ref": "#/components/schemas/SefVersion"},
                },
            },
            "additionalProperties": False,
        },
    }
