"""Sign-in sessions, bearer tokens for the API and security headers."""

from __future__ import annotations

from flask import Flask, request

from tracker.extensions import login_manager, talisman
from tracker.services import auth as auth_service

CSP = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
    "base-uri": "'self'",
    "object-src": "'none'",
}


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.sign_in"
    login_manager.login_message = "Sign in to see the action plan."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"
    talisman.init_app(
        app,
        force_https=app.config.get("FORCE_HTTPS", False),
        session_cookie_secure=app.config.get("SESSION_COOKIE_SECURE", True),
        content_security_policy=CSP,
        content_security_policy_nonce_in=["script-src"],
        frame_options="DENY",
        referrer_policy="same-origin",
        strict_transport_security=app.config.get("FORCE_HTTPS", False),
    )


@login_manager.user_loader
def _load_user(user_id: str):
    user = auth_service.get_user(int(user_id))
    return user if user is not None and user.active else None


@login_manager.request_loader
def _load_user_from_token(req):
    header = req.headers.get("Authorization", "")
    if header.startswith("Bearer ") and request.path.startswith("/api/"):
        return auth_service.user_for_token(header.removeprefix("Bearer ").strip())
    return None
