"""The OpenAPI description of the lists that share the plan filters: the overdue list and the CSV
export (the filters themselves are shared with `/actions`)."""

from __future__ import annotations

from typing import Any

from tracker.services.filters import PLAN_CODES


def query(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "schema": schema,
        "description": description,
    }


def enum(values: list[str], nullable: bool = False) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": ["string", "null"] if nullable else "string", "enum": values}
    if nullable:
        schema["enum"] = [*values, None]
    return schema


def action_filters(rag: list[str], lifecycle: list[str], *, overdue: bool = True) -> list[dict]:
    """The plan filters every list of actions takes (the overdue list leaves out `overdue`)."""
    return [
        query("plan", enum(list(PLAN_CODES)), "Which plan"),
        query("recommendation", {"type": "string"}, "Recommendation ref, e.g. R3"),
        query("lead_organisation", {"type": "string"}, "Organisation code, e.g. trust"),
        query("rag", enum(rag), "Delivery confidence"),
        query("lifecycle", enum(lifecycle), "Lifecycle state"),
        *(
            [query("overdue", {"type": "boolean"}, "Target date passed and not closed")]
            if overdue
            else []
        ),
        query("lead", {"type": "integer", "minimum": 1}, "The lead's user id"),
        query(
            "involving",
            {"type": "string"},
            "Organisation code that leads the action or is a partner on it",
        ),
        query(
            "due_within",
            {"type": "integer", "minimum": 1, "maximum": 52},
            "Open, with a target date from today to this many weeks ahead",
        ),
        query(
            "no_update",
            {"type": "boolean"},
            "Open, with no update recorded in the current fortnightly cycle",
        ),
        query(
            "blocked",
            {"type": "boolean"},
            "Open, with an open prerequisite that is red or overdue (not with as_at)",
        ),
        query(
            "date_clash",
            {"type": "boolean"},
            "Open, and due before an open prerequisite is due (not with as_at)",
        ),
    ]


def paging(default: int) -> list[dict]:
    return [
        query("page", {"type": "integer", "minimum": 1, "default": 1}, "Page"),
        query(
            "per_page",
            {"type": "integer", "minimum": 1, "maximum": 200, "default": default},
            "Items per page",
        ),
    ]


def paged(item_ref: str) -> dict[str, Any]:
    """A page of a list: its items, how many there are in all, and which page this is."""
    return {
        "type": "object",
        "required": ["items", "total", "page", "per_page"],
        "properties": {
            "items": {"type": "array", "items": {"$ref": item_ref}},
            "total": {"type": "integer"},
            "page": {"type": "integer"},
            "per_page": {"type": "integer"},
        },
    }


def list_paths(
    *, rag: list[str], lifecycle: list[str], sort: dict, as_at: dict, problem: dict
) -> dict[str, Any]:
    errors = {"400": problem, "401": problem, "403": problem}
    return {
        "/actions/overdue": {
            "get": {
                "summary": "Overdue actions across all plans, most days overdue first, paged",
                "description": "Open actions whose target date has passed (on `as_at`, when "
                "given), sorted by days overdue (calendar days since the target date), most "
                "first, then by ref. Takes the list's filters except `overdue` and `sort`.",
                "operationId": "listOverdueActions",
                "parameters": [
                    *action_filters(rag, lifecycle, overdue=False),
                    *paging(100),
                    as_at,
                ],
                "responses": {
                    "200": {
                        "description": "A page of overdue actions and how many there are",
                        "content": {
                            "application/json": {
                                "schema": paged("#/components/schemas/OverdueAction")
                            }
                        },
                    },
                    **errors,
                },
            }
        },
        "/exports/plan.csv": {
            "get": {
                "summary": "Every action the filters choose, as a CSV file (for a spreadsheet)",
                "description": "UTF-8 with a byte order mark, CRLF line ends, one row per action "
                "in the list's order, streamed as it is read. Cells that a spreadsheet would run "
                "as a formula (starting =, +, -, @, tab or carriage return) get a leading single "
                "quote. The header X-Total-Count says how many rows. Needs the export "
                "permission; each export is recorded in the audit log.",
                "operationId": "exportPlanCsv",
                "parameters": [*action_filters(rag, lifecycle), sort, as_at],
                "responses": {
                    "200": {
                        "description": "The CSV file, as an attachment",
                        "headers": {
                            "X-Total-Count": {"schema": {"type": "integer"}},
                            "Content-Disposition": {"schema": {"type": "string"}},
                        },
                        "content": {"text/csv": {"schema": {"type": "string"}}},
                    },
                    **errors,
                },
            }
        },
    }


def list_schemas() -> dict[str, Any]:
    return {
        "OverdueAction": {
            "allOf": [
                {"$ref": "#/components/schemas/Action"},
                {
                    "type": "object",
                    "required": ["days_overdue"],
                    "properties": {"days_overdue": {"type": "integer", "minimum": 1}},
                },
            ]
        }
    }
