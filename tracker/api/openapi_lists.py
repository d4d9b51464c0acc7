"""The OpenAPI description of the lists that share the plan filters: the overdue list and the CSV
export (the filters themselves are shared with `/actions`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tracker.domain.setup import Words
from tracker.http.edge import INTEGER_MAX
from tracker.services.exchange.exports import XLSX_MIMETYPE
from tracker.services.plan.filters import LONGEST_FILTER

# The API refuses an empty query value (`?as_at=`) with 400: leave the parameter out instead.
EMPTY_REFUSED = " An empty value is refused (400): leave the parameter out instead."
# No text the API takes holds a NUL byte (nor a lone surrogate, which a pattern cannot say):
# either is refused with 400 before anything is read, the same on every database.
NO_NUL = "^[^\\u0000]*$"
# Free text a filter matches on: a code or a ref, never empty, never longer than this.
FILTER_TEXT = {"type": "string", "minLength": 1, "maxLength": LONGEST_FILTER, "pattern": NO_NUL}
# The last page the API serves (per_page x this is far beyond any plan), and the most items a
# page holds: the one paging every list takes (`paging`) and answers with (`paged`).
LAST_PAGE = 100_000
MAX_PER_PAGE = 200


def query(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "schema": schema,
        "description": description + EMPTY_REFUSED,
    }


# A plan's and a locality's code: the database's codes, described once in the components (see
# `code_schemas`), since the served document lists the plans the database holds.
PLAN_CODE = {"$ref": "#/components/schemas/PlanCode"}
LOCALITY_CODE = {"$ref": "#/components/schemas/LocalityCode"}


def code_schemas(
    plan_codes: Sequence[str] | None, locality_codes: Sequence[str] | None, words: Words
) -> dict[str, Any]:
    """PlanCode and LocalityCode: an enum of the codes the database holds (the served document
    is built for each request), or, without them, any code (GET /api/openapi.json lists them)."""

    def code(values: Sequence[str] | None, what: str) -> dict[str, Any]:
        if values:
            # A retired area's codes stay: its actions and past returns are still read by them.
            return {
                **enum(list(values)),
                "description": f"{what}'s code (a retired area's too: its history stays)",
            }
        return {
            "type": "string",
            "minLength": 1,
            "maxLength": 32,
            "pattern": NO_NUL,
            "description": f"{what}'s code: the served document lists the database's",
        }

    return {
        "PlanCode": code(plan_codes, "A plan"),
        "LocalityCode": code(locality_codes, f"The code of {words.an_area}"),
    }


def enum(values: list[str], nullable: bool = False) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": ["string", "null"] if nullable else "string", "enum": values}
    if nullable:
        schema["enum"] = [*values, None]
    return schema


def action_filters(rag: list[str], lifecycle: list[str], *, overdue: bool = True) -> list[dict]:
    """The plan filters every list of actions takes (the overdue list leaves out `overdue`)."""
    return [
        query("plan", PLAN_CODE, "Which plan"),
        query("recommendation", FILTER_TEXT, "Recommendation ref, e.g. REC-3"),
        query(
            "event",
            {"type": "integer", "minimum": 1, "maximum": INTEGER_MAX},
            "An inspection event's id: actions answering any of its findings",
        ),
        query("lead_organisation", FILTER_TEXT, "Organisation code, e.g. trust"),
        query("rag", enum(rag), "Delivery confidence"),
        query("lifecycle", enum(lifecycle), "Lifecycle state"),
        *(
            [
                query(
                    "overdue",
                    {"type": "boolean"},
                    "Open work (not started or in progress) past its target date",
                )
            ]
            if overdue
            else []
        ),
        query(
            "lead", {"type": "integer", "minimum": 1, "maximum": INTEGER_MAX}, "The lead's user id"
        ),
        query(
            "involving",
            FILTER_TEXT,
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
            "Open, with no update recorded in the current update cycle",
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
        query(
            "awaiting_past_target",
            {"type": "boolean"},
            "Complete, awaiting sign-off, and past its target date (not counted as overdue)",
        ),
        query("open", {"type": "boolean"}, "Open: not closed with evidence or superseded"),
    ]


def paging(default: int) -> list[dict]:
    """The paging every list takes: `page`, and `per_page` with the list's own default. Every
    paged operation's parameters are these (tests/api/test_openapi_routes.py checks it)."""
    return [
        query(
            "page",
            {"type": "integer", "minimum": 1, "maximum": LAST_PAGE, "default": 1},
            "Page (a page past the last item is an empty page)",
        ),
        query(
            "per_page",
            {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE, "default": default},
            "Items per page",
        ),
    ]


def paged(
    items: str | dict[str, Any],
    *,
    more: dict[str, Any] | None = None,
    more_required: Sequence[str] = (),
) -> dict[str, Any]:
    """A page of a list: its items (a schema's `$ref`, or a schema), how many there are in all,
    and which page this is; `more` adds a list's own properties beside them (`more_required`
    of them always there). Every paged operation answers with this shape."""
    return {
        "type": "object",
        "required": [*more_required, "items", "total", "page", "per_page"],
        "properties": {
            **(more or {}),
            "items": {
                "type": "array",
                "items": {"$ref": items} if isinstance(items, str) else items,
            },
            "total": {"type": "integer"},
            "page": {"type": "integer"},
            "per_page": {"type": "integer"},
        },
    }


def list_paths(
    *,
    rag: list[str],
    lifecycle: list[str],
    sort: dict,
    as_at: dict,
    problem: dict,
    words: Words,
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
        "/exports/plan.xlsx": {
            "get": {
                "summary": "Every action the filters choose, as an Excel workbook",
                "description": "Sheets: Summary (per recommendation: lead body, actions, closed "
                "with evidence, percentage closed, red, amber, green, overdue), one per plan with "
                "exactly the CSV's columns (dates as Excel dates), History when history=true "
                "(every update recorded by as_at), and Legend. RAG cells are coloured and spelled "
                "out; text is never written as a formula and is neutralised as in the CSV. Sent "
                "with Content-Length once built. Needs the export permission; each export is "
                "recorded in the audit log.",
                "operationId": "exportPlanXlsx",
                "parameters": [
                    *action_filters(rag, lifecycle),
                    sort,
                    as_at,
                    {
                        "name": "history",
                        "in": "query",
                        "description": "Add the History sheet (slower for a long list)",
                        "schema": {"type": "boolean", "default": False},
                    },
                ],
                "responses": {
                    "200": {
                        "description": "The workbook, as an attachment",
                        "headers": {
                            "X-Total-Count": {"schema": {"type": "integer"}},
                            "Content-Disposition": {"schema": {"type": "string"}},
                        },
                        "content": {
                            XLSX_MIMETYPE: {"schema": {"type": "string", "format": "binary"}},
                        },
                    },
                    **errors,
                },
            }
        },
        "/exports/board-pack.pdf": {
            "get": {
                "summary": f"The {words.group_short} board pack of the actions the filters "
                "choose, as a PDF",
                "description": "Drawn by the meeting pack's renderer: cover (as at when, with "
                "which filters), contents with page numbers, the key, summary tables by plan, "
                "lead body and recommendation, the exceptions (every chosen action red or "
                "overdue, most days overdue first, with its latest summary and reason) and the "
                "chair's dashboard charts (left out as at a past day: they show the plan as it "
                "stands). Tagged, with real text and 'Page X of Y'. Sent with Content-Length "
                "once drawn. Needs the export permission; each export is recorded in the audit "
                "log.",
                "operationId": "exportBoardPackPdf",
                "parameters": [*action_filters(rag, lifecycle), sort, as_at],
                "responses": {
                    "200": {
                        "description": "The PDF, as an attachment",
                        "headers": {
                            "X-Total-Count": {"schema": {"type": "integer"}},
                            "Content-Disposition": {"schema": {"type": "string"}},
                        },
                        "content": {
                            "application/pdf": {"schema": {"type": "string", "format": "binary"}}
                        },
                    },
                    **errors,
                    "503": {
                        **problem,
                        "description": "Too large to draw as a PDF within the server's bounds "
                        "(TRACKER_PDF_MEMORY_MB, TRACKER_PDF_SECONDS): choose fewer actions, or "
                        "the CSV or XLSX",
                    },
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
