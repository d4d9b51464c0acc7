"""The overdue list across all plans, most days overdue first: a call of its own."""

from __future__ import annotations

from flask import jsonify, request

from tracker.api.serialise import action_json
from tracker.api.views import (
    KNOWN_ACTION_PARAMS,
    _as_at,
    api_requires,
    bp,
    read_paging,
)
from tracker.clock import today_london
from tracker.domain.permissions import Permission
from tracker.domain.states import days_overdue
from tracker.http.requests import PER_PAGE, current_cycle, plan_codes
from tracker.services.errors import BadFilter
from tracker.services.plan import queries

# Always overdue and always by days overdue: the list's other filters, its paging and `as_at`.
OVERDUE_PARAMS = KNOWN_ACTION_PARAMS - {"overdue", "sort"}
_NOT_FILTERS = {"page", "per_page", "as_at"}


@bp.get("/v1/actions/overdue")
@api_requires(Permission.READ_PLAN)
def overdue_actions():
    unknown = sorted(set(request.args) - OVERDUE_PARAMS)
    if unknown:
        raise BadFilter(unknown[0], f"{unknown[0]} is not a filter this list understands")
    as_at, day = _as_at()
    today = day or today_london()
    filters = queries.parse_filters(
        {k: v for k, v in request.args.items() if k not in _NOT_FILTERS},
        cycle=current_cycle(today),
        plans=plan_codes(),
    )
    # Most days overdue first is the oldest target date first; ties by ref.
    filters.overdue, filters.sort, filters.descending = True, "target_date", False
    paging = read_paging(PER_PAGE)
    rows, total = queries.list_actions(
        today=today, filters=filters, as_at=as_at, page=paging.page, per_page=paging.per_page
    )
    return jsonify(
        paging.body(
            [
                {**action_json(r), "days_overdue": days_overdue(r.target_date, r.lifecycle, today)}
                for r in rows
            ],
            total,
        )
    )
