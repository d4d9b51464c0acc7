"""The OpenAPI 3.1 description of /api/v1."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tracker.api.openapi_challenges import challenge_paths, challenge_schemas
from tracker.api.openapi_changes import changes_paths, changes_schemas
from tracker.api.openapi_dashboard import dashboard_paths, dashboard_schemas
from tracker.api.openapi_evidence import evidence_paths, evidence_schemas
from tracker.api.openapi_lists import (
    PLAN_CODE,
    action_filters,
    code_schemas,
    list_paths,
    list_schemas,
    paged,
    paging,
)
from tracker.api.openapi_lists import enum as _enum
from tracker.api.openapi_lists import query as _query
from tracker.api.openapi_measures import measure_paths
from tracker.api.openapi_meetings import meeting_paths, meeting_schemas
from tracker.api.openapi_returns import returns_paths, returns_schemas
from tracker.api.openapi_search import search_paths, search_schemas
from tracker.api.openapi_sefs import sef_paths, sef_schemas
from tracker.api.openapi_workflow import workflow_paths, workflow_schemas
from tracker.domain.setup import Words
from tracker.domain.states import Impact, Lifecycle, Rag
from tracker.domain.updates import TEXT_LIMIT
from tracker.services.plan.queries import SORT_KEYS

SORT = _query(
    "sort",
    _enum([*SORT_KEYS, *(f"-{k}" for k in SORT_KEYS)]),
    "Sort key; a leading minus sorts descending",
)
AS_AT = _query(
    "as_at",
    {"type": "string", "format": "date"},
    "Show the state as it stood at the end of this London day (YYYY-MM-DD).",
)
PROBLEM = {
    "description": "Problem",
    "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}},
}


def openapi_document(
    plan_codes: Sequence[str] | None = None,
    locality_codes: Sequence[str] | None = None,
    words: Words | None = None,
) -> dict[str, Any]:
    """The document; with the database's plan and locality codes, their enums, and the
    organisation's words for its board and group (the served one)."""
    words = words or Words()
    lifecycle = [s.value for s in Lifecycle]
    rag = [r.value for r in Rag]
    impact = [i.value for i in Impact]
    action = {
        "type": "object",
        "required": [
            "ref",
            "plan",
            "recommendation",
            "title",
            "lead",
            "lead_organisation",
            "partners",
            "start_date",
            "target_date",
            "lifecycle",
            "rag",
            "impact",
            "overdue",
            "awaiting_past_target",
            "awaiting_sign_off_since",
            "working_days_awaiting_sign_off",
            "depends_on",
            "version",
            "updated_at",
            "baseline_target_date",
            "superseded_by",
        ],
        "properties": {
            "ref": {"type": "string"},
            "plan": PLAN_CODE,
            "recommendation": {"type": "string"},
            "title": {"type": "string"},
            "lead": {
                "type": ["object", "null"],
                "properties": {"name": {"type": "string"}, "email": {"type": ["string", "null"]}},
            },
            "lead_organisation": {"type": "string"},
            "partners": {"type": "array", "items": {"type": "string"}},
            "start_date": {"type": ["string", "null"], "format": "date"},
            "target_date": {"type": ["string", "null"], "format": "date"},
            "lifecycle": _enum(lifecycle),
            "rag": _enum(rag, nullable=True),
            "impact": _enum(impact),
            "overdue": {
                "type": "boolean",
                "description": "Open work (not started or in progress) past its target date",
            },
            "awaiting_past_target": {
                "type": "boolean",
                "description": "Complete, awaiting sign-off, and past its target date: waiting "
                "for the chair, never counted as overdue",
            },
            "awaiting_sign_off_since": {
                "type": ["string", "null"],
                "format": "date-time",
                "description": "When an action awaiting sign-off was marked complete; null "
                "otherwise",
            },
            "working_days_awaiting_sign_off": {
                "type": "integer",
                "minimum": 0,
                "description": "London working days since it was marked complete (0 when not "
                "awaiting sign-off)",
            },
            "depends_on": {"type": "array", "items": {"type": "string"}},
            "version": {"type": "integer", "minimum": 1},
            "updated_at": {"type": "string", "format": "date-time"},
            "baseline_target_date": {
                "type": ["string", "null"],
                "format": "date",
                "description": "The target date first agreed, once an approved request has "
                "moved target_date (re-baselined); null otherwise",
            },
            "superseded_by": {
                "type": ["string", "null"],
                "description": "The ref of the action that replaced this one, when superseded",
            },
        },
    }
    date_request = {
        "type": "object",
        "required": [
            "id",
            "action",
            "requested_by",
            "requested_at",
            "old_date",
            "new_date",
            "reason",
            "status",
            "decided_by",
            "decided_at",
            "decision_note",
        ],
        "properties": {
            "id": {"type": "integer"},
            "action": {"type": "string"},
            "requested_by": {"type": ["string", "null"]},
            "requested_at": {"type": "string", "format": "date-time"},
            "old_date": {"type": ["string", "null"], "format": "date"},
            "new_date": {"type": "string", "format": "date"},
            "reason": {"type": "string"},
            "status": _enum(["pending", "approved", "refused"]),
            "decided_by": {"type": ["string", "null"]},
            "decided_at": {"type": ["string", "null"], "format": "date-time"},
            "decision_note": {"type": "string"},
        },
    }
    history = {
        "type": "object",
        "required": [
            "version",
            "recorded_at",
            "author",
            "cause",
            "cycle",
            "lifecycle",
            "rag",
            "impact",
            "summary",
            "reason",
            "evidence",
            "changed",
        ],
        "properties": {
            "version": {"type": "integer"},
            "recorded_at": {"type": "string", "format": "date-time"},
            "author": {"type": ["string", "null"]},
            "cause": _enum(["person", "import", "scheduler"]),
            "cycle": {"type": ["integer", "null"]},
            "lifecycle": _enum(lifecycle),
            "rag": _enum(rag, nullable=True),
            "impact": _enum(impact),
            "summary": {"type": "string"},
            "reason": {"type": "string"},
            "evidence": {"type": "string"},
            "changed": {"type": "array", "items": {"type": "string"}},
        },
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Ofsted action plan tracker API",
            "version": "1.0.0",
            "description": "Read the inspection recommendations and the action plans, the "
            f"update cycles and the {words.area_lower} returns, and record updates to actions. "
            "Authenticate with the session cookie or 'Authorization: Bearer <token>' "
            "(create one with `flask --app wsgi tracker token create EMAIL`); a write with the "
            "session cookie also needs its CSRF token in the X-CSRFToken header. "
            "Errors are application/problem+json (RFC 9457).",
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}, {"session": []}],
        "paths": {
            "/recommendations": {
                "get": {
                    "summary": "List the recommendations with their action counts",
                    "operationId": "listRecommendations",
                    "parameters": [AS_AT, *paging(50)],
                    "responses": {
                        "200": {
                            "description": "A page of the recommendations, in ref order",
                            "content": {
                                "application/json": {
                                    "schema": paged("#/components/schemas/Recommendation")
                                }
                            },
                        },
                        "400": PROBLEM,
                        "401": PROBLEM,
                        "403": PROBLEM,
                    },
                }
            },
            "/actions": {
                "get": {
                    "summary": "List actions, filtered and paged",
                    "operationId": "listActions",
                    "parameters": [
                        *action_filters(rag, lifecycle),
                        SORT,
                        *paging(50),
                        AS_AT,
                    ],
                    "responses": {
                        "200": {
                            "description": "A page of actions",
                            "content": {
                                "application/json": {"schema": paged("#/components/schemas/Action")}
                            },
                        },
                        "400": PROBLEM,
                        "401": PROBLEM,
                        "403": PROBLEM,
                    },
                }
            },
            "/actions/{ref}": {
                "get": {
                    "summary": "One action with its full history, newest first",
                    "operationId": "getAction",
                    "parameters": [
                        {
                            "name": "ref",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string"},
                        },
                        AS_AT,
                    ],
                    "responses": {
                        "200": {
                            "description": "The action",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/ActionWithHistory"}
                                }
                            },
                        },
                        "400": PROBLEM,
                        "401": PROBLEM,
                        "403": PROBLEM,
                        "404": PROBLEM,
                    },
                }
            },
            "/actions/{ref}/date-requests": {
                "get": {
                    "summary": "An action's requests to move its target date and chairs' "
                    "decisions, newest first",
                    "operationId": "listActionDateRequests",
                    "parameters": [
                        {
                            "name": "ref",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string"},
                        },
                        *paging(50),
                    ],
                    "responses": {
                        "200": {
                            "description": "A page of the requests",
                            "content": {
                                "application/json": {
                                    "schema": paged("#/components/schemas/DateRequest")
                                }
                            },
                        },
                        "400": PROBLEM,
                        "401": PROBLEM,
                        "403": PROBLEM,
                        "404": PROBLEM,
                    },
                }
            },
            **list_paths(
                rag=rag, lifecycle=lifecycle, sort=SORT, as_at=AS_AT, problem=PROBLEM, words=words
            ),
            **workflow_paths(words),
            **changes_paths(PROBLEM),
            **dashboard_paths(PROBLEM, words),
            **measure_paths(problem=PROBLEM),
            **meeting_paths(PROBLEM),
            **search_paths(PROBLEM, words),
            **returns_paths(PROBLEM, words),
            **sef_paths(PROBLEM, words),
            **challenge_paths(PROBLEM, words),
            **evidence_paths({"$ref": "#/components/schemas/Problem"}, words),
            "/outbox": {
                "get": {
                    "summary": "The outbox, newest first, paged (administrators only)",
                    "operationId": "listOutbox",
                    "parameters": [
                        _query("status", _enum(["pending", "sent", "failed"]), "Only this status"),
                        *paging(50),
                    ],
                    "responses": {
                        "200": {
                            "description": "A page of messages with the chase items each carries",
                            "content": {
                                "application/json": {
                                    "schema": paged("#/components/schemas/OutboxMessage")
                                }
                            },
                        },
                        "400": PROBLEM,
                        "401": PROBLEM,
                        "403": PROBLEM,
                    },
                }
            },
        },
        "components": {
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "An API token. It works until the end of the London day "
                    "chosen when it was made (at most a year on); after that, and once revoked, "
                    "the answer is 401. A read-only token (made on one's own account page) gets "
                    "403 on every write.",
                },
                "session": {"type": "apiKey", "in": "cookie", "name": "session"},
            },
            "schemas": {
                "Recommendation": {
                    "type": "object",
                    "required": [
                        "ref",
                        "title",
                        "text",
                        "judgement_area",
                        "lead_body",
                        "partners",
                        "action_count",
                    ],
                    "properties": {
                        "ref": {"type": "string"},
                        "title": {"type": "string"},
                        "text": {"type": "string"},
                        "judgement_area": {"type": "string"},
                        "lead_body": _enum(["trust", "council", "joint", "safeguarding_board"]),
                        "partners": {"type": "array", "items": {"type": "string"}},
                        "action_count": {"type": "integer"},
                    },
                },
                **code_schemas(plan_codes, locality_codes, words),
                "Action": action,
                "HistoryEntry": history,
                "DateRequest": date_request,
                **list_schemas(),
                **workflow_schemas(TEXT_LIMIT),
                **changes_schemas(),
                **dashboard_schemas(),
                **meeting_schemas(words),
                **search_schemas(),
                **returns_schemas(),
                **sef_schemas(),
                **challenge_schemas(),
                **evidence_schemas(),
                "OutboxMessage": {
                    "type": "object",
                    "required": [
                        "id",
                        "key",
                        "run_day",
                        "to",
                        "subject",
                        "status",
                        "attempts",
                        "items",
                    ],
                    "properties": {
                        "id": {"type": "integer"},
                        "key": {"type": "string"},
                        "run_day": {"type": "string", "format": "date"},
                        "to": {
                            "type": "object",
                            "properties": {"name": {"type": "string"}, "email": {"type": "string"}},
                        },
                        "subject": {"type": "string"},
                        "status": _enum(["pending", "sent", "failed"]),
                        "attempts": {"type": "integer"},
                        "last_error": {"type": ["string", "null"]},
                        "created_at": {"type": "string", "format": "date-time"},
                        "next_attempt_at": {"type": ["string", "null"], "format": "date-time"},
                        "sent_at": {"type": ["string", "null"], "format": "date-time"},
                        "items": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "properties": {
                                    "key": {"type": "string"},
                                    "kind": {"type": "string"},
                                    "period": {"type": "string"},
                                    "step": {"type": "string"},
                                    "text": {"type": "string"},
                                    "link": {"type": "string"},
                                    "note": {"type": ["string", "null"]},
                                },
                            },
                        },
                    },
                },
                "Problem": {
                    "type": "object",
                    "required": ["title", "status"],
                    "properties": {
                        "type": {"type": "string"},
                        "title": {"type": "string"},
                        "status": {"type": "integer"},
                        "detail": {"type": "string"},
                        "invalid_params": {"type": "array", "items": {"type": "object"}},
                    },
                },
            },
        },
    }
