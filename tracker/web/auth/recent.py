"""Admin changes (roles, people, tokens, resending mail) need a recent sign-in: someone who
finds an admin's unlocked screen cannot change who may do what without the password
(OWASP ASVS 3.7.1)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlsplit

from flask import current_app, redirect, request, session, url_for

from tracker.clock import real_now_utc


def mark_signed_in() -> None:
    session["signed_in_at"] = int(real_now_utc().timestamp())


def signed_in_recently() -> bool:
    at = session.get("signed_in_at")
    limit = current_app.config["REAUTH_MINUTES"] * 60
    return isinstance(at, int | float) and real_now_utc().timestamp() - at <= limit


def _back_to() -> str:
    """Where to come back to: this page, or for a form's POST the page the form was on."""
    if request.method == "GET":
        return request.full_path.rstrip("?")
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc == request.host and referrer.path.startswith("/"):
        return referrer.path
    return url_for("admin.users")


def recent_sign_in(view: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not signed_in_recently():
            return redirect(url_for("auth.confirm_sign_in", next=_back_to()))
        return view(*args, **kwargs)

    return wrapped
