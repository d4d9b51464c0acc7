"""Error pages in the GOV.UK design, and problem+json for the API. Never a stack trace."""

from __future__ import annotations

from flask import Flask, make_response, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import Forbidden, HTTPException, InternalServerError

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
        detail = exc.description if status in (400, 405, 429) else _default_detail(status)
        if status == 403 and exc.description != Forbidden.description:
            detail = exc.description  # a refusal that says why (see access.refuse)
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
        app.logger.exception("Unhandled error on %s", request.path)
        db.session.rollback()
        return http_error(InternalServerError())


def _default_detail(status: int) -> str:
    return {
        401: "You need to sign in to use this.",
        403: "If you think you should have access, contact the tracker's administrator.",
        404: "If you typed the web address, check it is correct.",
        500: "Try again later. If it keeps happening, contact the tracker's administrator.",
    }.get(status, "")
