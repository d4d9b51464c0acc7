"""Search over the API: the same index, ranking and permissions as the search page."""

from __future__ import annotations

from typing import Any

from flask import jsonify, request, url_for
from flask_login import current_user

from tracker.api.views import api_requires, bp, read_paging
from tracker.domain.permissions import Permission
from tracker.http.access import actor_for
from tracker.services import search as search_service
from tracker.services.errors import BadFilter

SEARCH_PARAMS = {"q", "kind", "page", "per_page"}


def _text(parts: list[tuple[str, bool]]) -> str:
    return "".join(text for text, _ in parts)


def hit_json(hit: search_service.Hit) -> dict[str, Any]:
    return {
        "kind": hit.kind,
        "kind_label": hit.label,
        "title": _text(hit.title),
        "snippet": _text(hit.snippet),
        "snippet_parts": [{"text": text, "match": match} for text, match in hit.snippet],
        "ref": hit.ref or None,
        "action_ref": hit.action_ref,
        "action_title": hit.action_title,
        "locality": hit.locality_code,
        "url": url_for(hit.link.endpoint, **hit.link.values) if hit.link else None,
    }


@bp.get("/v1/search")
@api_requires(Permission.READ_PLAN)
def search():
    unknown = sorted(set(request.args) - SEARCH_PARAMS)
    if unknown:
        raise BadFilter(unknown[0], f"{unknown[0]} is not a parameter search understands")
    query = request.args.get("q")
    if query is None:
        raise BadFilter("q", "q is required: the words to search for")
    kind = request.args.get("kind")
    if kind is not None and kind not in search_service.SOURCES:
        raise BadFilter("kind", f"kind must be one of {', '.join(search_service.SOURCES)}")
    paging = read_paging(20)
    try:
        results = search_service.search(
            query,
            actor=actor_for(current_user),
            kind=kind,
            page=paging.page,
            per_page=paging.per_page,
        )
    except search_service.QueryTooLong as exc:
        raise BadFilter("q", str(exc)) from None
    return jsonify(
        paging.body([hit_json(h) for h in results.hits], results.total, counts=results.counts)
    )
