"""`/healthz`: for monitoring and load balancers, no sign-in, nothing private."""

from __future__ import annotations

from flask import Blueprint, jsonify, request

from tracker.clock import now_utc
from tracker.services.platform import health
from tracker.web.access import public

bp = Blueprint("health", __name__)


@bp.get("/healthz")
@public
def healthz():
    """200 when the database answers and the scheduler beat lately; else 503, naming what
    failed. `?only=database` leaves the scheduler out (for a load balancer's check of one web
    server: the scheduler runs elsewhere)."""
    state = health.check(now_utc())
    only_database = request.args.get("only") == "database"
    ok = state.database if only_database else state.ok
    body = {
        "status": "ok" if ok else "failing",
        "database": "ok" if state.database else "unreachable",
        "scheduler": {
            "last_seen": state.scheduler_seen_at.isoformat() if state.scheduler_seen_at else None,
            "status": "ok" if state.scheduler_fresh else "not seen lately",
            "expected_every_seconds": int(health.HEARTBEAT_EVERY.total_seconds()),
        },
    }
    response = jsonify(body)
    response.status_code = 200 if ok else 503
    response.headers["Cache-Control"] = "no-store"
    return response
