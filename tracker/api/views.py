from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from functools import wraps
from typing import Any

from flask import Blueprint, current_app, g, jsonify, request, session
from flask_login import current_user

from tracker.api.openapi import openapi_document
from tracker.api.openapi_lists import LAST_PAGE, MAX_PER_PAGE
from tracker.api.serialise import action_json, history_json, recommendation_json
from tracker.clock import today_london
from tracker.domain.permissions import Permission
from tracker.extensions import csrf
from tracker.http.access import allowed, refuse
from tracker.http.problems import problem
from tracker.http.requests import current_cycle, parse_as_at, plan_codes, request_plans
from tracker.services.access.settings import current as current_setup
from tracker.services.errors import BadFilter, NotFound
from tracker.services.plan import queries
from tracker.services.plan.filters import LIST_PARAMS, check_plan

bp = Blueprint("api", __name__, url_prefix="/api")


def api_requires(permission: Permission) -> Callable:
    """Signed in (session or bearer token) and granted `permission`: else 401 or 403."""

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return problem(
                    401,
                    g.get("token_problem")
                    or "Sign in, or send an API token as 'Authorization: Bearer ...'.",
                )
            if not allowed(permission):
                refuse(permission)
            return view(*args, **kwargs)

        guarded.required_permission = str(permission)  # type: ignore[attr-defined]
        return guarded

    return decorate


def needs_csrf_token() -> bool:
    """A request the session cookie signs in needs a CSRF token: a browser sends the cookie by
    itself, even from another site. A bearer token is never sent by itself, so it needs none."""
    if not request.headers.get("Authorization", "").startswith("Bearer "):
        return True
    signed_in = current_user.is_authenticated  # loads the user: the session first, then the token
    return signed_in and "_user_id" in session


def api_writes(permission: Permission) -> Callable:
    """`api_requires` for a write, with the CSRF check a session needs (the X-CSRFToken header)
    and a bearer token does not. Nobody signed in gets the 401 first: with no one to act for
    there is nothing a forged request could do."""

    def decorate(view: Callable) -> Callable:
        guarded = api_requires(permission)(view)

        @wraps(guarded)
        def checked(*args: Any, **kwargs: Any) -> Any:
            if (
                current_app.config["WTF_CSRF_ENABLED"]
                and current_user.is_authenticated
                and needs_csrf_token()
            ):
                csrf.protect()
            if current_user.is_authenticated and g.get("token_read_only"):
                return problem(
                    403,
                    "This API token is read-only: it was made on its holder's account page, "
                    "for reading. Writing needs a token the administrator makes.",
                )
            return guarded(*args, **kwargs)

        return csrf.exempt(checked)

    return decorate


@bp.before_request
def refuse_empty_query_values():
    """`?as_at=` or `?status=` is not a date or a status: the API says so rather than read it as
    absent (the pages do, since a form sends its empty boxes). Leave a parameter out instead."""
    for name, value in request.args.items(multi=True):
        if value == "":
            reason = f"{name} is empty: give it a value or leave it out"
            return problem(400, reason, invalid_params=[{"name": name, "reason": reason}])
    return None


def _int_arg(name: str, default: int, lo: int, hi: int) -> int:
    raw = request.args.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadFilter(name, f"{name} must be a whole number") from None
    if not lo <= value <= hi:
        raise BadFilter(name, f"{name} must be between {lo} and {hi}")
    return value


def _as_at():
    try:
        return parse_as_at(request.args.get("as_at"))
    except ValueError as exc:
        raise BadFilter("as_at", str(exc)) from None


@bp.errorhandler(BadFilter)
def bad_filter(exc: BadFilter):
    return problem(
        400, exc.message, invalid_params=[{"name": exc.parameter, "reason": exc.message}]
    )


@bp.get("/openapi.json")
@api_requires(Permission.READ_PLAN)
def openapi():
    plans = request_plans()
    return jsonify(
        openapi_document(
            plan_codes=[p.code for p in plans],
            locality_codes=[p.locality_code for p in plans if p.locality_code],
            words=current_setup().words,
        )
    )


@bp.get("/v1/recommendations")
@api_requires(Permission.READ_PLAN)
def recommendations():
    as_at, day = _as_at()
    summaries = queries.list_recommendations(today=day or today_london(), as_at=as_at)
    return jsonify(page_of([recommendation_json(s) for s in summaries]))


@dataclass(frozen=True)
class Paging:
    """The page a list is asked for. Every paged list reads it with `read_paging` and answers
    with `body`: the shape the OpenAPI document describes once (`paging` and `paged` in
    openapi_lists.py)."""

    page: int
    per_page: int

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page

    def body(self, items: list, total: int, **more: Any) -> dict[str, Any]:
        """A page of a list: its items, how many there are in all, and which page this is."""
        return {
            "items": items,
            "total": total,
            "page": self.page,
            "per_page": self.per_page,
            **more,
        }


def read_paging(default_per_page: int) -> Paging:
    """`page` (from 1, up to LAST_PAGE) and `per_page` (up to MAX_PER_PAGE; the list's own
    default, as its OpenAPI entry says): BadFilter otherwise."""
    return Paging(
        _int_arg("page", 1, 1, LAST_PAGE), _int_arg("per_page", default_per_page, 1, MAX_PER_PAGE)
    )


def page_of(items: list, default_per_page: int = 50) -> dict[str, Any]:
    """A short list the service reads whole (the recommendations, the cycles), paged like the
    long ones so a client reads every list the same way."""
    paging = read_paging(default_per_page)
    return paging.body(items[paging.offset : paging.offset + paging.per_page], len(items))


KNOWN_ACTION_PARAMS = LIST_PARAMS | {"page", "per_page"}


@bp.get("/v1/actions")
@api_requires(Permission.READ_PLAN)
def actions():
    unknown = sorted(set(request.args) - KNOWN_ACTION_PARAMS)
    if unknown:
        raise BadFilter(unknown[0], f"{unknown[0]} is not a filter this API understands")
    as_at, day = _as_at()
    filters = queries.parse_filters(
        {k: v for k, v in request.args.items() if k not in {"plan", "page", "per_page", "as_at"}},
        cycle=current_cycle(day or today_london()),
    )
    paging = read_paging(50)
    plan = check_plan(request.args.get("plan"), plan_codes())
    rows, total = queries.list_actions(
        today=day or today_london(),
        plan=plan,
        filters=filters,
        as_at=as_at,
        page=paging.page,
        per_page=paging.per_page,
    )
    return jsonify(paging.body([action_json(r) for r in rows], total))


@bp.get("/v1/actions/<ref>")
@api_requires(Permission.READ_PLAN)
def action(ref: str):
    as_at, day = _as_at()
    try:
        return jsonify(action_with_history(ref, today=day or today_london(), as_at=as_at))
    except NotFound:
        return problem(404, f"There is no action {ref}.")


def action_with_history(ref: str, *, today: date, as_at: datetime | None = None) -> dict[str, Any]:
    """One action as the API shows it, with its history newest first. Raises NotFound."""
    row = queries.get_action(ref, today=today, as_at=as_at)
    body = action_json(row)
    body["history"] = [history_json(h) for h in queries.get_history(row.id, as_at=as_at)]
    return body
