"""Sign-in sessions, bearer tokens for the API and security headers."""

from __future__ import annotations

from flask import Flask, current_app, flash, g, request, session
from flask_login import current_user, logout_user

from tracker.clock import now_utc, real_now_utc
from tracker.extensions import login_manager, talisman
from tracker.services.access import auth as auth_service

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
        strict_transport_security=app.config.get("HSTS", False)
        or app.config.get("FORCE_HTTPS", False),
        strict_transport_security_max_age=365 * 24 * 60 * 60,
    )
    app.before_request(_end_idle_session)
    app.after_request(_no_store_when_signed_in)


def _is_asset() -> bool:
    return request.endpoint == "static" or request.blueprint == "assets"


def _end_idle_session() -> None:
    """A signed-in session ends SESSION_ABSOLUTE_HOURS after its sign-in, however busy; and one
    unused for SESSION_IDLE_MINUTES ends: the request goes on signed out
    (to the sign-in page, saying why). Each request marks the session as used."""
    if _is_asset() or "_user_id" not in session:
        return
    now = real_now_utc().timestamp()
    started = session.get("started_at")
    hours = current_app.config["SESSION_ABSOLUTE_HOURS"]
    if not isinstance(started, int | float):
        session["started_at"] = int(now)  # a session from before this rule: counted from now
    elif now - started > hours * 3600:
        logout_user()
        session.clear()
        flash(
            f"You were signed out because you signed in more than {hours} hours ago. "
            "Sign in again to carry on.",
            "info",
        )
        return
    seen = session.get("seen_at")
    idle = current_app.config["SESSION_IDLE_MINUTES"] * 60
    if isinstance(seen, int | float) and now - seen > idle:
        logout_user()
        session.clear()
        flash(
            f"You were signed out after {current_app.config['SESSION_IDLE_MINUTES']} minutes "
            "without activity. Sign in again to carry on.",
            "info",
        )
        return
    if not isinstance(seen, int | float) or abs(now - seen) >= 30:
        session["seen_at"] = int(now)


def _no_store_when_signed_in(response):
    """Nothing a signed-in person sees, and no API answer, is kept by a browser or proxy cache."""
    if not _is_asset() and (request.path.startswith("/api/") or current_user.is_authenticated):
        response.headers["Cache-Control"] = "no-store"
    return response


@login_manager.user_loader
def _load_user(session_id: str):
    """The session names a person and their session generation ("id:generation"): a session
    from before they signed out, changed password or role, or left, names an old generation
    and is no longer signed in."""
    user_id, _, generation = session_id.partition(":")
    if not (user_id.isdigit() and generation.isdigit()) or int(user_id) >= 2**31:
        return None
    user, plans = auth_service.get_signed_in_user(int(user_id))
    if user is None or not user.active or str(user.session_generation) != generation:
        return None
    g.plans = plans  # read by tracker.http.requests.request_plans
    return user


@login_manager.request_loader
def _load_user_from_token(req):
    header = req.headers.get("Authorization", "")
    if header.startswith("Bearer ") and request.path.startswith("/api/"):
        checked = auth_service.check_token(header.removeprefix("Bearer ").strip(), now=now_utc())
        # Why nobody is signed in (an expired token, say), for the API's 401; and whether the
        # token may only read, for its writes' 403.
        g.token_problem = checked.problem
        g.token_read_only = checked.read_only
        return checked.user
    return None
