"""problem+json (RFC 9457) bodies, and the titles error pages and problems share."""

from __future__ import annotations

from flask import jsonify, request

TITLES = {
    400: "There is a problem with your request",
    401: "Sign in to continue",
    403: "You do not have permission to see this page",
    404: "Page not found",
    405: "That action is not allowed here",
    429: "Too many attempts",
    500: "Sorry, there is a problem with the service",
    503: "Sorry, the service is unavailable",
}


def wants_problem_json() -> bool:
    return request.path.startswith("/api/")


def problem(status: int, detail: str, **extra: object):
    body = {
        "type": "about:blank",
        "title": TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
        **extra,
    }
    response = jsonify(body)
    response.status_code = status
    response.mimetype = "application/problem+json"
    return response
