"""The OpenAPI description of evidence: an action's evidence, adding a file or a link, and
downloading a file. `openapi.py` merges these paths and schemas into its own."""

from __future__ import annotations

from typing import Any

from tracker.api.openapi_lists import paged, paging
from tracker.domain.evidence import TITLE_LIMIT, URL_LIMIT, EvidenceType
from tracker.domain.setup import Words

TYPES = tuple(t.value for t in EvidenceType)


def evidence_paths(problem_ref: dict, words: Words) -> dict[str, Any]:
    """The evidence operations for the OpenAPI document."""
    ref_param = {
        "name": "ref",
        "in": "path",
        "required": True,
        "schema": {"type": "string"},
        "description": "The action's ref, e.g. AP-012",
    }
    details = {
        "title": {
            "type": "string",
            "minLength": 1,
            "maxLength": TITLE_LIMIT,
            "pattern": "^[^\\u0000]*$",
            "description": "Never name or describe a child",
        },
        "evidence_type": {"type": "string", "enum": list(TYPES)},
        "evidence_date": {
            "type": "string",
            "format": "date",
            "description": "The day the evidence is dated: today or before",
        },
    }
    problem_json = {"application/problem+json": {"schema": problem_ref}}

    def answer(description: str) -> dict[str, Any]:
        return {"description": description, "content": problem_json}

    return {
        "/actions/{ref}/evidence": {
            "get": {
                "summary": "An action's evidence, newest first, withdrawn items included, paged",
                "operationId": "listActionEvidence",
                "parameters": [
                    ref_param,
                    *paging(50),
                ],
                "responses": {
                    "200": {
                        "description": "A page of the action's evidence",
                        "content": {
                            "application/json": {"schema": paged("#/components/schemas/Evidence")}
                        },
                    },
                    "400": answer("A page or per_page that is not a whole number in range"),
                    "401": answer("Not signed in"),
                    "404": answer("There is no action with this ref"),
                },
            },
            "post": {
                "summary": "Add evidence to an action: a file (multipart) or a link (JSON)",
                "description": "A file is sent as multipart/form-data with the fields and the "
                "file in `file`: a PDF, Word (.doc, .docx), Excel (.xls, .xlsx) or image (.png, "
                ".jpg, .gif), judged by its content (a program is always refused, and the name's "
                "extension must agree with the content), smaller than the configured limit "
                "(20 MB unless set), and scanned by ClamAV when configured. A link is sent as "
                f"JSON with `url` (https only). The action's lead, its {words.area_lower}'s head, "
                "chairs and "
                "the administrator may add evidence. Every refused file is recorded in the "
                "audit log; nothing else is stored.",
                "operationId": "createActionEvidence",
                "parameters": [ref_param],
                "requestBody": {
                    "required": True,
                    "content": {
                        "multipart/form-data": {
                            "schema": {
                                "type": "object",
                                "required": ["title", "evidence_type", "evidence_date", "file"],
                                "properties": {
                                    **details,
                                    "file": {"type": "string", "format": "binary"},
                                },
                                "additionalProperties": False,
                            }
                        },
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["title", "evidence_type", "evidence_date", "url"],
                                "properties": {
                                    **details,
                                    "url": {
                                        "type": "string",
                                        "maxLength": URL_LIMIT,
                                        "pattern": "^https://[^\\s/?#\\u0000]+[^\\s\\u0000]*$",
                                    },
                                },
                                "additionalProperties": False,
                            }
                        },
                    },
                },
                "responses": {
                    "201": {
                        "description": "Added: the evidence item",
                        "headers": {
                            "Location": {
                                "description": "The action's evidence list",
                                "schema": {"type": "string"},
                            }
                        },
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/Evidence"}
                            }
                        },
                    },
                    "400": answer(
                        "The body is not valid JSON, a field holds a NUL byte, or (session only) "
                        "no CSRF token"
                    ),
                    "401": answer(
                        "Not signed in, or the bearer token is wrong, revoked or expired"
                    ),
                    "403": answer("The caller may not add evidence to this action (recorded)"),
                    "404": answer("There is no action with this ref"),
                    "413": answer("The file is bigger than the limit: nothing was stored"),
                    "415": answer(
                        "Neither multipart/form-data nor JSON, or the file is not a type that is "
                        "taken (by its content or its name): nothing was stored"
                    ),
                    "422": answer(
                        "A field is missing or not valid, the link is not https, the date is in "
                        "the future, the file is infected, or the virus scan could not run: "
                        "`invalid_params` names each field. Nothing was stored."
                    ),
                },
            },
        },
        "/evidence/{evidence_id}/file": {
            "get": {
                "summary": "An evidence file, as an attachment",
                "description": "Only for people who may see the action (or the SEF) it is on; "
                "anyone else gets 404, as if it did not exist, and the attempt is recorded.",
                "operationId": "getEvidenceFile",
                "parameters": [
                    {
                        "name": "evidence_id",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1},
                    }
                ],
                "responses": {
                    "200": {
                        "description": "The file as it was uploaded",
                        "headers": {"Content-Disposition": {"schema": {"type": "string"}}},
                        "content": {
                            mime: {"schema": {"type": "string", "format": "binary"}}
                            for mime in (
                                "application/pdf",
                                "application/msword",
                                "application/vnd.openxmlformats-officedocument."
                                "wordprocessingml.document",
                                "application/vnd.ms-excel",
                                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                                "image/png",
                                "image/jpeg",
                                "image/gif",
                            )
                        },
                    },
                    "401": answer("Not signed in"),
                    "404": answer("No such evidence file, or not one the caller may see"),
                },
            }
        },
    }


def evidence_schemas() -> dict[str, Any]:
    nullable_text = {"type": ["string", "null"]}
    return {
        "Evidence": {
            "type": "object",
            "required": [
                "id",
                "action",
                "title",
                "evidence_type",
                "evidence_date",
                "kind",
                "url",
                "file",
                "added_by",
                "added_at",
                "withdrawn",
            ],
            "properties": {
                "id": {"type": "integer"},
                "action": nullable_text,
                "title": {"type": "string"},
                "evidence_type": {"type": "string", "enum": list(TYPES)},
                "evidence_date": {"type": "string", "format": "date"},
                "kind": {"type": "string", "enum": ["file", "link"]},
                "url": {**nullable_text, "description": "A link's address (https)"},
                "file": {
                    "type": ["object", "null"],
                    "properties": {
                        "name": {"type": "string"},
                        "size_bytes": {"type": "integer"},
                        "download": {"type": "string"},
                    },
                },
                "added_by": nullable_text,
                "added_at": {"type": "string", "format": "date-time"},
                "withdrawn": {
                    "type": ["object", "null"],
                    "description": "When, by whom and why it was withdrawn; null while current",
                    "properties": {
                        "at": {"type": "string", "format": "date-time"},
                        "by": nullable_text,
                        "reason": {"type": "string"},
                    },
                },
            },
        }
    }
