"""The chair's dashboard as JSON: the counts, what waits for sign-off, the returns and SEFs late
or missing, and the charts' figures."""

from __future__ import annotations

from flask import jsonify, request

from tracker.api.views import api_requires, bp
from tracker.clock import now_utc, today_london
from tracker.domain.permissions import Permission
from tracker.http.requests import dashboard_settings, request_plans
from tracker.services.governance.dashboard import dashboard_snapshot, parse_dashboard_filters


@bp.get("/v1/dashboard")
@api_requires(Permission.READ_DASHBOARD)
def dashboard():
    # BadFilter (an unknown parameter or value) becomes a 400 problem naming it.
    plans = request_plans()
    filters = parse_dashboard_filters(dict(request.args.items()), plans=plans)
    return jsonify(
        dashboard_snapshot(
            today_london(), filters, now=now_utc(), settings=dashboard_settings(), plans=plans
        )
    )
