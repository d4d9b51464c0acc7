"""The OpenAPI description of search."""

from __future__ import annotations

from typing import Any

from tracker.api.openapi_lists import NO_NUL, enum, paged, paging, query
from tracker.domain.setup import Words
from tracker.services.search import MAX_QUERY, SOURCES

_NULLABLE_TEXT = {"type": ["string", "null"]}


def search_paths(problem: dict, words: Words) -> dict[str, Any]:
    page = paged(
        "#/components/schemas/SearchResult",
        more={
            "counts": {
                "type": "object",
                "description": "How many results of each kind (whatever `kind` chose)",
                "additionalProperties": {"type": "integer"},
            }
        },
        more_required=["counts"],
    )
    return {
        "/search": {
            "get": {
                "summary": "Search the plan, its updates, SEFs and challenges, ranked",
                "description": "Every word must match (letters and digits; anything else only "
                "separates words, so search syntax is never read as such). Words are stemmed "
                "(English). Results you may not see are never counted nor returned: SEF drafts "
                f"only reach their {words.area_lower}'s head, deputy and the administrator. A "
                "`q` of only "
                f"punctuation finds nothing; one over {MAX_QUERY} characters is refused (400). "
                "Best match first (title above body).",
                "operationId": "search",
                "parameters": [
                    {
                        **query(
                            "q",
                            {
                                "type": "string",
                                "minLength": 1,
                                "maxLength": MAX_QUERY,
                                "pattern": NO_NUL,
                            },
                            "The words to search for",
                        ),
                        "required": True,
                    },
                    query("kind", enum(list(SOURCES)), "Only results of this kind"),
                    *paging(20),
                ],
                "responses": {
                    "200": {
                        "description": "A page of results and how many there are",
                        "content": {"application/json": {"schema": page}},
                    },
                    "400": problem,
                    "401": problem,
                    "403": problem,
                },
            }
        }
    }


def search_schemas() -> dict[str, Any]:
    return {
        "SearchResult": {
            "type": "object",
            "required": [
                "kind",
                "kind_label",
                "title",
                "snippet",
                "snippet_parts",
                "ref",
                "action_ref",
                "action_title",
                "locality",
                "url",
            ],
            "properties": {
                "kind": {"type": "string", "description": "One of: " + ", ".join(SOURCES)},
                "kind_label": {"type": "string"},
                "title": {"type": "string", "description": "Empty for a progress update"},
                "snippet": {"type": "string", "description": "The best-matching part"},
                "snippet_parts": {
                    "type": "array",
                    "description": "The snippet in pieces, the matching words marked",
                    "items": {
                        "type": "object",
                        "required": ["text", "match"],
                        "properties": {"text": {"type": "string"}, "match": {"type": "boolean"}},
                    },
                },
                "ref": _NULLABLE_TEXT,
                "action_ref": _NULLABLE_TEXT,
                "action_title": _NULLABLE_TEXT,
                "locality": _NULLABLE_TEXT,
                "url": {**_NULLABLE_TEXT, "description": "The page the result is on"},
            },
        }
    }
