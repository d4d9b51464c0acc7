from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, request

from tracker.domain.permissions import Permission
from tracker.services import admin as admin_service
from tracker.services import auth as auth_service
from tracker.services import outbox as outbox_service
from tracker.web.access import requires

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.get("/users")
@requires(Permission.ADMIN)
def users():
    return render_template("admin/users.html", users=auth_service.list_users())


@bp.get("/audit")
@requires(Permission.ADMIN)
def audit():
    return render_template("admin/audit.html", events=admin_service.list_audit_events(limit=200))


STATUSES = ("pending", "sent", "failed")


@bp.get("/outbox")
@requires(Permission.ADMIN)
def outbox():
    status = request.args.get("status") or None
    if status is not None and status not in STATUSES:
        abort(400, description="status must be pending, sent or failed")
    return render_template(
        "admin/outbox.html",
        rows=outbox_service.list_outbox(status),
        status=status,
        smtp_configured=bool(current_app.config.get("SMTP_HOST")),
    )
