"""One search box across the plan: the results page the header's search box leads to."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request, url_for
from flask_login import current_user

from tracker.domain.permissions import Permission
from tracker.services import search as search_service
from tracker.services.errors import BadFilter
from tracker.web import listing
from tracker.web.access import actor_for, requires
from tracker.web.clean_query import drops_empty_values

bp = Blueprint("search", __name__)

PER_PAGE = 20


@bp.get("/search")
@requires(Permission.READ_PLAN)
@drops_empty_values(keep=("q",))
def results():
    """Ranked results the person may see, of every kind or one, 20 a page."""
    query = (request.args.get("q") or "").replace("\x00", "")
    kind = request.args.get("kind") or None
    if kind is not None and kind not in search_service.SOURCES:
        abort(400, description="Choose a kind of result from the list")
    try:
        page = listing.read_page()
    except BadFilter as exc:
        abort(400, description=exc.message)
    error = None
    results = None
    if query.strip():
        try:
            results = search_service.search(
                query, actor=actor_for(current_user), kind=kind, page=page, per_page=PER_PAGE
            )
        except search_service.QueryTooLong as exc:
            error = str(exc)
    pages = listing.Pages(page=page, total=results.total if results else 0, per_page=PER_PAGE)

    def link(**changes: object) -> str:
        args = {"q": query, "kind": kind, "page": None} | changes
        return url_for("search.results", **{k: v for k, v in args.items() if v not in (None, 1)})

    pagination = _pagination(pages, lambda n: link(page=n))
    return render_template(
        "search/results.html",
        query=query if not error else query[: search_service.MAX_QUERY],
        kind=kind,
        results=results,
        error=error,
        sources=search_service.SOURCES,
        pages=pages,
        pagination=pagination,
        link=link,
        url_of=lambda hit: url_for(hit.link.endpoint, **hit.link.values) if hit.link else None,
    ), (400 if error else 200)


def _pagination(pages: listing.Pages, link) -> dict | None:
    """GOV.UK pagination with ellipses: the first, the last, and the pages either side of this."""
    if pages.count < 2:
        return None
    shown = sorted(
        {1, pages.count, *range(max(1, pages.page - 1), min(pages.count, pages.page + 1) + 1)}
    )
    items: list[dict] = []
    for n in shown:
        if items and n - items[-1].get("number", n) > 1:
            items.append({"ellipsis": True})
        items.append({"number": n, "href": link(n), "current": n == pages.page})
    params: dict = {"items": items, "landmarkLabel": "Pages of results"}
    if pages.page > 1:
        params["previous"] = {"href": link(pages.page - 1)}
    if pages.page < pages.count:
        params["next"] = {"href": link(pages.page + 1)}
    return params
