"""The OpenAPI description of the contract measures and the quarterly report's files."""

from __future__ import annotations

from typing import Any

from tracker.api.openapi_lists import enum, paged, paging, query
from tracker.domain.measures import Area, Kind, Polarity, Status, Unit

NUMBER = {"type": ["number", "null"]}
MEASURE = {
    "type": "object",
    "required": [
        "code",
        "title",
        "area",
        "kind",
        "polarity",
        "unit",
        "target",
        "tolerance",
        "value",
        "numerator",
        "denominator",
        "status",
    ],
    "properties": {
        "code": {"type": "string"},
        "title": {"type": "string"},
        "area": enum([a.value for a in Area]),
        "kind": enum([k.value for k in Kind]),
        "polarity": enum(
            [p.value for p in Polarity],
        ),
        "unit": enum([u.value for u in Unit]),
        "target": NUMBER,
        "tolerance": NUMBER,
        "value": NUMBER,
        "numerator": NUMBER,
        "denominator": NUMBER,
        "status": {
            **enum([s.value for s in Status], nullable=True),
            "description": "null when a measure with a target has no value for the period",
        },
    },
}


def measure_paths(*, problem: dict[str, Any]) -> dict[str, Any]:
    return {
        "/measures": {
            "get": {
                "summary": "Every contract measure for a month or a financial-year quarter, with "
                "the target in force and its status",
                "operationId": "listMeasures",
                "parameters": [
                    query(
                        "period",
                        {"type": "string", "pattern": r"^20\d{2}-(0[1-9]|1[0-2])$"},
                        "A month, YYYY-MM: not in the future (400 otherwise)",
                    ),
                    query(
                        "quarter",
                        {"type": "string", "pattern": r"^20\d{2}-Q[1-4]$"},
                        "A financial-year quarter: 2024-Q3 is October to December 2024. "
                        "Neither period nor quarter: the last full quarter",
                    ),
                    query("kind", enum([k.value for k in Kind]), "Key or operational only"),
                    *paging(100),
                ],
                "responses": {
                    "200": {
                        "description": "The measures, in scorecard order",
                        "content": {
                            "application/json": {
                                "schema": paged(
                                    MEASURE,
                                    more={
                                        "label": {"type": "string"},
                                        "period": {"type": "string"},
                                        "quarter": {"type": "string"},
                                    },
                                    more_required=["label"],
                                )
                            }
                        },
                    },
                    "400": problem,
                    "401": problem,
                    "403": problem,
                },
            }
        },
        "/reports/quarterly/{quarter}.{fmt}": {
            "get": {
                "summary": "The quarterly performance and action plan report as a file",
                "operationId": "getQuarterlyReport",
                "parameters": [
                    {
                        "name": "quarter",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "string", "pattern": r"^20\d{2}-Q[1-4]$"},
                    },
                    {
                        "name": "fmt",
                        "in": "path",
                        "required": True,
                        "schema": enum(["pdf", "docx"]),
                    },
                ],
                "responses": {
                    "200": {
                        "description": "The report",
                        "content": {
                            "application/pdf": {"schema": {"type": "string", "format": "binary"}},
                            "application/vnd.openxmlformats-officedocument.wordprocessingml"
                            ".document": {"schema": {"type": "string", "format": "binary"}},
                        },
                    },
                    "400": problem,
                    "401": problem,
                    "403": problem,
                    "404": problem,
                    "503": {
                        **problem,
                        "description": "The PDF is too large to draw within the server's bounds "
                        "(TRACKER_PDF_MEMORY_MB, TRACKER_PDF_SECONDS)",
                    },
                },
            }
        },
    }
