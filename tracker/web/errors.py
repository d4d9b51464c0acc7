"""Error pages in the GOV.UK design, and problem+json for the API. Never a stack trace."""

from __future__ import annotations

import errno

from flask import Flask, g, make_response, render_template, request
from flask_login import AnonymousUserMixin
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import (
    Forbidden,
    HTTPException,
    InternalServerError,
    NotFound,
    ServiceUnavailable,
)

from tracker.extensions import db
from tracker.http.problems import TITLES, problem, wants_problem_json

__all__ = ["TITLES", "init_app", "problem", "wants_problem_json"]


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError):
        message = "Your form expired or was sent from somewhere else. Go back and try again."
        if wants_problem_json():
            return problem(400, message)
        return render_template(
            "errors/error.html", status=400, title=TITLES[400], detail=message
        ), 400

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        status = exc.code or 500
        detail = exc.description if status in (400, 405, 429, 503) else _default_detail(status)
        if status == 403 and exc.description != Forbidden.description:
            detail = exc.description  # a refusal that says why (see access.refuse)
        if status == 404 and exc.description != NotFound.description:
            detail = exc.description  # a page the set-up leaves out, saying why
        if status == 429:
            detail = (
                "You have tried to sign in too many times. Wait a minute and try again."
                if request.blueprint == "auth"
                else "Too many requests came from your address. Wait a minute and try again."
            )
        if wants_problem_json():
            response = problem(status, detail)
        else:
            response = make_response(
                render_template(
                    "errors/error.html",
                    status=status,
                    title=TITLES.get(status, exc.name),
                    detail=detail,
                ),
                status,
            )
        # The exception's own headers go with it: a 405's Allow (RFC 9110), a 429's Retry-After.
        for name, value in exc.get_headers():
            if name.lower() != "content-type":
                response.headers[name] = value
        return response

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        try:
            db.session.rollback()
        except Exception:  # noqa: BLE001 - the database may be the thing that is down
            db.session.remove()
        reason = unavailable_reason(exc)
        if reason is None:
            app.logger.exception("Unhandled error on %s", request.path)
            return http_error(InternalServerError())
        app.logger.error("Service unavailable on %s (%s): %s", request.path, reason, exc)
        if "_login_user" not in g:  # the person could not be loaded: the page is drawn signed out
            g._login_user = AnonymousUserMixin()
        response = http_error(ServiceUnavailable(UNAVAILABLE[reason], retry_after=RETRY_AFTER))
        response.headers["Retry-After"] = str(RETRY_AFTER)
        return response


RETRY_AFTER = 30
UNAVAILABLE = {
    "database": "The tracker cannot reach its database just now (it may be restarting). "
    "What you were doing was not saved. Try again in a minute.",
    "disk": "The tracker's storage is full, so nothing can be saved just now. What you were "
    "doing was not saved. Try again later, and tell the tracker's administrator.",
}
_DOWN_WORDS = (
    "unable to open database file",
    "connection refused",
    "could not connect",
    "connection failed",
    "server closed the connection",
    "terminating connection",
    "the database system is starting up",
    "the database system is shutting down",
    "connection is closed",
    "ssl connection has been closed",
)
_FULL_WORDS = ("database or disk is full", "no space left on device", "disk i/o error")


def unavailable_reason(exc: BaseException) -> str | None:
    """ "database" when the database cannot be reached, "disk" when storage is full, else None
    (a fault of ours: a 500)."""
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
        return "disk"
    if isinstance(exc, PoolTimeout):
        return "database"
    if not isinstance(exc, DBAPIError):
        return None
    state = str(getattr(exc.orig, "sqlstate", None) or "")
    words = str(exc.orig).lower()
    if state.startswith("53") or any(w in words for w in _FULL_WORDS):
        return "disk"
    if (
        exc.connection_invalidated
        or state.startswith("08")
        or state in ("57P01", "57P02", "57P03")
        or any(w in words for w in _DOWN_WORDS)
    ):
        return "database"
    return None


def _default_detail(status: int) -> str:
    return {
        401: "You need to sign in to use this.",
        403: "If you think you should have access, contact the tracker's administrator.",
        404: "If you typed the web address, check it is correct.",
        500: "Try again later. If it keeps happening, contact the tracker's administrator.",
    }.get(status, "")
