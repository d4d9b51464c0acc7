"""The OpenAPI description of past returns: the lists, and a return as submitted."""

from __future__ import annotations

from typing import Any

from tracker.api.openapi_lists import LOCALITY_CODE, paged, paging
from tracker.domain.setup import Words
from tracker.domain.states import Impact, Lifecycle, Rag
from tracker.http.edge import INTEGER_MAX


def _locality(words: Words) -> dict[str, Any]:
    return {
        "name": "locality",
        "in": "path",
        "required": True,
        "schema": LOCALITY_CODE,
        "description": f"The {words.area_lower}'s code",
    }


_TIME = {"type": ["string", "null"], "format": "date-time"}
_TEXT = {"type": ["string", "null"]}


def _who(words: Words) -> str:
    return (
        f"{words.area}'s head and named deputy read its returns; chairs, {words.group_short} "
        f"members and the administrator read every {words.area_lower}'s. Anyone else is refused "
        "(403)."
    )


def _list(description: str, problem: dict) -> dict[str, Any]:
    return {
        "200": {
            "description": description,
            "content": {"application/json": {"schema": paged("#/components/schemas/PastReturn")}},
        },
        "400": problem,
        "401": problem,
        "403": problem,
    }


def returns_paths(problem: dict, words: Words) -> dict[str, Any]:
    who = _who(words)
    return {
        "/returns": {
            "get": {
                "summary": f"Every {words.area_lower}'s returns, newest cycle first, paged",
                "description": f"Each cycle up to today's, for each {words.area_lower}: when it "
                "was due, "
                "submitted (and by whom), amended, and whether it was late. " + who,
                "operationId": "listAllReturns",
                "parameters": paging(50),
                "responses": _list("A page of returns", problem),
            }
        },
        "/localities/{locality}/returns": {
            "get": {
                "summary": f"One {words.area_lower}'s returns, newest cycle first, paged",
                "description": "Each cycle up to today's: when its return was due, submitted "
                "(and by whom), amended, and whether it was late. " + who,
                "operationId": "listLocalityReturns",
                "parameters": [_locality(words), *paging(50)],
                "responses": {
                    **_list(f"A page of the {words.area_lower}'s returns", problem),
                    "404": problem,
                },
            }
        },
        "/localities/{locality}/returns/{cycle_number}/as-submitted": {
            "get": {
                "summary": f"One {words.area_lower}'s return exactly as submitted",
                "description": "Each action's entry as submitted for the cycle, from the "
                "history (never the action's current state), with every change recorded in "
                "the cycle after the submission as an amendment (who and when). A return not "
                "submitted is a 404. " + who,
                "operationId": "getSubmittedReturn",
                "parameters": [
                    _locality(words),
                    {
                        "name": "cycle_number",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "integer", "minimum": 1, "maximum": INTEGER_MAX},
                        "description": "Cycle",
                    },
                ],
                "responses": {
                    "200": {
                        "description": "The return as submitted",
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/SubmittedReturn"}
                            }
                        },
                    },
                    "401": problem,
                    "403": problem,
                    "404": problem,
                },
            }
        },
    }


def returns_schemas() -> dict[str, Any]:
    entry_fields = {
        "version": {"type": "integer"},
        "recorded_at": {"type": "string", "format": "date-time"},
        "author": _TEXT,
        "cause": {"type": "string", "enum": ["person", "import", "scheduler"]},
        "lifecycle": {"type": "string", "enum": [s.value for s in Lifecycle]},
        "rag": {"type": ["string", "null"], "enum": [*(r.value for r in Rag), None]},
        "impact": {"type": "string", "enum": [i.value for i in Impact]},
        "summary": {"type": "string"},
        "reason": {"type": "string"},
        "evidence": {"type": "string"},
        "no_change": {"type": "boolean"},
    }
    return {
        "PastReturn": {
            "type": "object",
            "required": [
                "locality",
                "cycle",
                "due_at",
                "status",
                "submitted_at",
                "submitted_by",
                "amended_at",
                "amended_by",
                "late",
                "overdue",
                "reopened",
            ],
            "properties": {
                "locality": {"type": "string"},
                "cycle": {"type": "integer"},
                "due_at": {"type": "string", "format": "date-time"},
                "status": {"type": "string", "enum": ["not_started", "draft", "submitted"]},
                "submitted_at": _TIME,
                "submitted_by": _TEXT,
                "amended_at": _TIME,
                "amended_by": _TEXT,
                "late": {"type": "boolean", "description": "Submitted after it was due"},
                "overdue": {
                    "type": "boolean",
                    "description": "Not submitted and the cycle's due moment has passed",
                },
                "reopened": {"type": "boolean", "description": "Open for amendment now"},
            },
        },
        "ReturnEntryVersion": {
            "type": "object",
            "required": list(entry_fields),
            "properties": entry_fields,
        },
        "SubmittedReturn": {
            "type": "object",
            "required": [
                "locality",
                "cycle",
                "due_at",
                "submitted_at",
                "submitted_by",
                "late",
                "amended_at",
                "amended_by",
                "actions",
            ],
            "properties": {
                "locality": {"type": "string"},
                "cycle": {"type": "integer"},
                "due_at": {"type": "string", "format": "date-time"},
                "submitted_at": {"type": "string", "format": "date-time"},
                "submitted_by": _TEXT,
                "late": {"type": "boolean"},
                "amended_at": _TIME,
                "amended_by": _TEXT,
                "actions": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["ref", "title", "amended", "submitted", "amendments"],
                        "properties": {
                            "ref": {"type": "string"},
                            "title": {"type": "string"},
                            "amended": {"type": "boolean"},
                            "submitted": {"$ref": "#/components/schemas/ReturnEntryVersion"},
                            "amendments": {
                                "type": "array",
                                "items": {"$ref": "#/components/schemas/ReturnEntryVersion"},
                            },
                        },
                    },
                },
            },
        },
    }
