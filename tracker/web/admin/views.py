from __future__ import annotations

from flask import Blueprint, render_template

from tracker.domain.permissions import Permission
from tracker.services import admin as admin_service
from tracker.services import auth as auth_service
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
