"""GET /api/v1/actions/{ref}/date-requests: an action's requests to move its target date, and
chairs' decisions, newest first."""

from __future__ import annotations

from flask import jsonify

from tracker.api.serialise import date_request_json
from tracker.api.views import api_requires, bp
from tracker.domain.permissions import Permission
from tracker.http.problems import problem
from tracker.services.errors import NotFound
from tracker.services.reads.plan_changes import list_date_requests


@bp.get("/v1/actions/<ref>/date-requests")
@api_requires(Permission.READ_PLAN)
def action_date_requests(ref: str):
    try:
        rows = list_date_requests(ref)
    except NotFound:
        return problem(404, f"There is no action {ref}.")
    return jsonify({"items": [date_request_json(r) for r in rows]})
