from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user

from tracker.clock import now_utc
from tracker.extensions import limiter
from tracker.services import auth as auth_service
from tracker.services.audit import record_event
from tracker.web.access import public
from tracker.web.auth.forms import SignInForm

bp = Blueprint("auth", __name__)


def _sign_in_key() -> str:
    email = (request.form.get("email") or "").strip().lower()
    return f"{request.remote_addr}|{email}"


def _safe_next(target: str | None) -> str:
    if target:
        parts = urlsplit(target)
        if (
            not parts.scheme
            and not parts.netloc
            and target.startswith("/")
            and not target.startswith("//")
        ):
            return target
    return url_for("pages.overview")


@bp.route("/sign-in", methods=["GET", "POST"])
@public
@limiter.limit(
    lambda: current_app.config["SIGN_IN_RATE_LIMIT"], key_func=_sign_in_key, methods=["POST"]
)
def sign_in():
    if current_user.is_authenticated:
        return redirect(url_for("pages.overview"))
    form = SignInForm()
    error = None
    if form.validate_on_submit():
        user = auth_service.authenticate(
            form.email.data,
            form.password.data,
            now=now_utc(),
            remote_addr=request.remote_addr or "",
            hash_method=current_app.config["PASSWORD_HASH_METHOD"],
        )
        if user is not None:
            login_user(user)
            return redirect(_safe_next(request.args.get("next")))
        error = "The email address or password is not right"
        form.password.errors = [error]
    return render_template("auth/sign_in.html", form=form, error=error), (
        200 if not form.errors else 400
    )


@bp.post("/sign-out")
@login_required
def sign_out():
    record_event(
        "sign_out", now=now_utc(), user_id=current_user.id, remote_addr=request.remote_addr or ""
    )
    logout_user()
    flash("You have signed out.", "success")
    return redirect(url_for("auth.sign_in"))
