"""The OpenAPI description of the chair's dashboard (`GET /dashboard`)."""

from __future__ import annotations

from typing import Any

from tracker.api.openapi_lists import EMPTY_REFUSED, FILTER_TEXT, PLAN_CODE, enum, query
from tracker.domain.measures import Unit
from tracker.domain.setup import Words
from tracker.http.edge import INTEGER_MAX
from tracker.services.governance.dashboard import COUNT_KEYS

_INT = {"type": "integer", "minimum": 0}
_DAY = {"type": "string", "format": "date"}
_MOMENT = {"type": "string", "format": "date-time"}


def _object(properties: dict[str, Any]) -> dict[str, Any]:
    """Every property required and no others: the response is exactly this."""
    return {
        "type": "object",
        "required": list(properties),
        "properties": properties,
        "additionalProperties": False,
    }


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {**schema, "type": [schema["type"], "null"]}


def dashboard_paths(problem: dict, words: Words) -> dict[str, Any]:
    return {
        "/dashboard": {
            "get": {
                "summary": f"The chair's dashboard for {words.board_short}: counts and chart "
                "figures",
                "description": "Counts of open actions overdue (open work, not started or in "
                "progress, past its target date), red, amber, green, green while overdue "
                "(`watermelons`, open work only), with no update this cycle, blocked by a red or "
                "overdue prerequisite, due before a prerequisite (`date_clash`), complete awaiting "
                "sign-off, and complete awaiting sign-off past its target date "
                "(`awaiting_past_target`, never counted as overdue); returns and SEFs late or "
                "missing; and, per cycle, the RAG mix, the "
                "burn-down against target dates and overdue actions per plan. Past cycles are "
                "as they stood at their return deadline; the current cycle as it stands now. "
                "Each count equals the total of the list with the same filters (for example "
                "`/actions/overdue`, or `/actions?blocked=true`). Returns and SEFs belong to "
                f"{words.areas_lower}: only `plan` narrows them. Needs the dashboard permission "
                "(chairs, viewers and administrators).",
                "operationId": "getDashboard",
                "parameters": [
                    query("plan", PLAN_CODE, f"Which plan ({words.an_area}'s, or the main plan)"),
                    query(
                        "recommendation",
                        FILTER_TEXT,
                        "Recommendation ref, e.g. REC-3" + EMPTY_REFUSED,
                    ),
                    query(
                        "event",
                        {"type": "integer", "minimum": 1, "maximum": INTEGER_MAX},
                        "An inspection event's id: actions answering any of its findings",
                    ),
                    query("lead_organisation", FILTER_TEXT, "Organisation code" + EMPTY_REFUSED),
                    query(
                        "lead",
                        {"type": "integer", "minimum": 1, "maximum": INTEGER_MAX},
                        "The lead's user id",
                    ),
                ],
                "responses": {
                    "200": {
                        "description": "The dashboard's figures",
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/Dashboard"}
                            }
                        },
                    },
                    "400": problem,
                    "401": problem,
                    "403": problem,
                },
            }
        }
    }


def dashboard_schemas() -> dict[str, Any]:
    plan = PLAN_CODE
    cycle_point = {
        "cycle": {"type": "integer", "minimum": 1},
        "as_at": _DAY,
        "so_far": {"type": "boolean"},
    }
    return {
        "Dashboard": _object(
            {
                "today": _DAY,
                "cycle": {"type": ["integer", "null"]},
                "cycle_due_at": _nullable(_MOMENT),
                "filters": {
                    "type": "object",
                    "properties": {
                        "plan": plan,
                        "recommendation": {"type": "string"},
                        "event": {"type": "string"},
                        "lead_organisation": {"type": "string"},
                        "lead": {"type": "string"},
                    },
                    "additionalProperties": False,
                },
                "actions": _INT,
                "open": _INT,
                "closed": _INT,
                "superseded": _INT,
                "counts": _object({key: _INT for key in COUNT_KEYS}),
                "awaiting_sign_off": {
                    "type": "array",
                    "items": _object(
                        {
                            "ref": {"type": "string"},
                            "title": {"type": "string"},
                            "plan_name": {"type": "string"},
                            "lead_name": {"type": ["string", "null"]},
                            "since": _MOMENT,
                            "working_days_waiting": _INT,
                        }
                    ),
                },
                "open_challenges": {
                    "type": "array",
                    "description": "Challenges not yet accepted, oldest first, with their age "
                    "in days (London dates)",
                    "items": _object(
                        {
                            "id": {"type": "integer"},
                            "subject": {"type": "string"},
                            "question": {"type": "string"},
                            "raised_by": {"type": "string"},
                            "raised_on": _DAY,
                            "age_days": _INT,
                            "status": enum(["open", "responded", "escalated"]),
                            "status_label": {"type": "string"},
                            "plan": _nullable({"type": "string"}),
                        }
                    ),
                },
                "returns": {
                    "type": "array",
                    "items": _object(
                        {
                            "locality": {"type": "string"},
                            "locality_name": {"type": "string"},
                            "cycle": {"type": "integer"},
                            "due_at": _MOMENT,
                            "status": enum(["late", "missing"]),
                            "submitted_at": _nullable(_MOMENT),
                        }
                    ),
                },
                "green_off_target": {
                    "type": "array",
                    "description": "Open actions rated green while a measure they evidence is "
                    "OFF TARGET (its latest value up to this month)",
                    "items": _object(
                        {
                            "ref": {"type": "string"},
                            "title": {"type": "string"},
                            "measure": {"type": "string"},
                            "measure_title": {"type": "string"},
                            "period": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}$"},
                            "period_label": {"type": "string", "examples": ["December 2024"]},
                            "value": {"type": "number"},
                            "unit": enum([u.value for u in Unit]),
                            "value_text": {
                                "type": "string",
                                "description": "The value with its unit (money in pounds)",
                                "examples": ["£1,640,000", "88.89%"],
                            },
                        }
                    ),
                },
                "sefs": {
                    "type": "array",
                    "items": _object(
                        {
                            "locality": {"type": "string"},
                            "locality_name": {"type": "string"},
                            "month": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}$"},
                            "month_label": {"type": "string"},
                            "due_on": _DAY,
                            "status": enum(["late", "missing"]),
                        }
                    ),
                },
                "charts": _object(
                    {
                        "rag_mix": {
                            "type": "array",
                            "items": _object(
                                {
                                    **cycle_point,
                                    "red": _INT,
                                    "amber": _INT,
                                    "green": _INT,
                                    "closed": _INT,
                                }
                            ),
                        },
                        "burn_down": {
                            "type": "array",
                            "items": _object(
                                {
                                    "cycle": {"type": "integer", "minimum": 1},
                                    "due_on": _DAY,
                                    "planned_open": {"type": "integer"},
                                    "actual_open": {"type": ["integer", "null"]},
                                    "closed": {"type": ["integer", "null"]},
                                }
                            ),
                        },
                        "overdue_by_plan": _object(
                            {
                                "plans": {
                                    "type": "array",
                                    "items": _object({"code": plan, "name": {"type": "string"}}),
                                },
                                "cycles": {
                                    "type": "array",
                                    "items": _object(
                                        {
                                            **cycle_point,
                                            "counts": {
                                                "type": "object",
                                                "additionalProperties": _INT,
                                            },
                                        }
                                    ),
                                },
                            }
                        ),
                    }
                ),
            }
        )
    }
