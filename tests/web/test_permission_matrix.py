"""Every route, requested as every role and anonymously: allowed or refused as the policy says."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.conftest import ROLE_ACCOUNTS
from tracker.extensions import db
from tracker.models import AuditEvent
from tracker.web.access import PUBLIC

ROLES = list(ROLE_ACCOUNTS)
EVERYONE = set(ROLES)

# One sample request for every endpoint, and who may make it.
ROUTES = {
    "pages.overview": ("GET", "/", EVERYONE),
    "pages.recommendation": ("GET", "/recommendations/R1", EVERYONE),
    "pages.accessibility": ("GET", "/accessibility", "public"),
    "plans.show": ("GET", "/plans/north", EVERYONE),
    "plans.action": ("GET", "/actions/MAP-001", EVERYONE),
    "admin.users": ("GET", "/admin/users", {"admin"}),
    "admin.audit": ("GET", "/admin/audit", {"admin"}),
    "api.recommendations": ("GET", "/api/v1/recommendations", EVERYONE),
    "api.actions": ("GET", "/api/v1/actions", EVERYONE),
    "api.action": ("GET", "/api/v1/actions/MAP-001", EVERYONE),
    "api.openapi": ("GET", "/api/openapi.json", EVERYONE),
    "auth.sign_in": ("GET", "/sign-in", "public"),
}
# Endpoints covered elsewhere: sign-out (POST, CSRF) in test_auth, static files and the API's 404.
NOT_IN_MATRIX = {
    "auth.sign_out",
    "static",
    "assets.govuk_assets",
    "assets.govuk_dist",
    "api.not_found",
}


def test_the_matrix_covers_every_route(seeded_app):
    endpoints = {rule.endpoint for rule in seeded_app.url_map.iter_rules()}
    assert endpoints - NOT_IN_MATRIX == set(ROUTES), "add new routes to the permission matrix"


def test_every_view_declares_a_permission_or_is_public(seeded_app):
    undeclared = []
    for endpoint, view in seeded_app.view_functions.items():
        if endpoint in {"static", "auth.sign_out"}:
            continue  # Flask's own static files; sign-out needs only a session (login_required)
        if not (getattr(view, "required_permission", None) or getattr(view, PUBLIC, False)):
            undeclared.append(endpoint)
    assert undeclared == []


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", sorted(ROUTES))
def test_role_is_allowed_or_refused(role_client, role, endpoint):
    method, url, allowed = ROUTES[endpoint]
    response = role_client(role).open(url, method=method)
    if allowed == "public":
        # Signed-in people are sent from the sign-in page to the overview.
        assert response.status_code in (200, 302)
    elif role in allowed:
        assert response.status_code == 200, f"{role} should see {url}"
    else:
        assert response.status_code == 403, f"{role} should be refused {url}"


@pytest.mark.parametrize("endpoint", sorted(ROUTES))
def test_anonymous_visitors_sign_in_first(seeded_client, endpoint):
    method, url, allowed = ROUTES[endpoint]
    response = seeded_client.open(url, method=method)
    if allowed == "public":
        assert response.status_code == 200
    elif url.startswith("/api/"):
        assert response.status_code == 401
    else:
        assert response.status_code == 302 and "/sign-in" in response.headers["Location"]


def test_a_locality_head_asking_for_admin_pages_gets_403_and_an_audit_event(
    role_client, seeded_app
):
    client = role_client("locality_head")
    with seeded_app.app_context():
        before = db.session.execute(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.kind == "permission_refused", AuditEvent.target == "/admin/users")
        ).scalar_one()
        db.session.remove()
    response = client.get("/admin/users")
    assert response.status_code == 403
    assert "You do not have permission" in response.get_data(as_text=True)
    with seeded_app.app_context():
        event = (
            db.session.execute(
                select(AuditEvent)
                .where(AuditEvent.kind == "permission_refused", AuditEvent.target == "/admin/users")
                .order_by(AuditEvent.id.desc())
            )
            .scalars()
            .first()
        )
        after = db.session.execute(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.kind == "permission_refused", AuditEvent.target == "/admin/users")
        ).scalar_one()
        assert after == before + 1
        assert event.detail["permission"] == "admin" and event.user_id is not None
        db.session.remove()
