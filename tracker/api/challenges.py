"""The challenge log over the API: the paged list (POST raises one), one challenge, a response,
and the outcome (accept or escalate). The rules are the service's; this reads the JSON."""

from __future__ import annotations

from typing import Any

from flask import jsonify, request, url_for
from flask_login import current_user
from werkzeug.exceptions import BadRequest

from tracker.api.serialise import _utc
from tracker.api.views import api_requires, api_writes, bp, read_paging
from tracker.clock import now_utc, today_london
from tracker.domain.permissions import Permission
from tracker.http.access import actor_for, refuse
from tracker.http.edge import INTEGER_MAX
from tracker.http.problems import problem
from tracker.http.requests import plan_codes
from tracker.services.errors import BadFilter, NotFound
from tracker.services.governance import challenges as service

KNOWN_PARAMS = {"status", "plan", "page", "per_page"}
RAISE_FIELDS = {"question": str, "action": str, "locality": str, "cycle": int}
RESPONSE_FIELDS = {"text": str}
OUTCOME_FIELDS = {"outcome": str, "note": str}
OUTCOMES = {"accept": "accepted", "escalate": "escalated"}


def challenge_json(c: service.ChallengeView) -> dict[str, Any]:
    today = today_london()
    return {
        "id": c.id,
        "status": c.status.value,
        "status_label": c.status.label,
        "question": c.question,
        "raised_by": c.raised_by,
        "raised_at": _utc(c.raised_at),
        "age_days": c.age_days(today),
        "last_step_at": _utc(c.last_step_at),
        "action": c.action_ref,
        "action_title": c.action_title,
        "lead": c.lead_name,
        "plan": c.plan,
        "locality": c.locality,
        "cycle": c.cycle,
        "subject": c.subject,
        "steps": [
            {
                "number": s.number,
                "kind": s.kind,
                "text": s.text,
                "by": s.author,
                "at": _utc(s.recorded_at),
            }
            for s in c.steps
        ],
    }


def _invalid(errors: dict[str, str]):
    return problem(
        422,
        "Nothing was saved: " + "; ".join(errors.values()),
        title="The request is not valid",
        invalid_params=[{"name": name, "reason": reason} for name, reason in errors.items()],
    )


def _body(fields: dict[str, type]) -> dict[str, Any] | Any:
    """The JSON object sent, with each field of the right type; a problem response otherwise."""
    if not request.is_json:
        return problem(415, "Send the body as JSON, with Content-Type: application/json.")
    try:
        body = request.get_json()
    except BadRequest:
        reason = "The body is not valid JSON"
        return problem(400, reason + ".", invalid_params=[{"name": "body", "reason": reason}])
    if not isinstance(body, dict):
        return _invalid({"body": "Send a JSON object"})
    errors = {name: f"{name} is not a field here" for name in body if name not in fields}
    for name, kind in fields.items():
        value = body.get(name)
        if value is None:
            continue
        if kind is int and (
            isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= INTEGER_MAX
        ):
            errors[name] = f"{name} must be a whole number from 1 to {INTEGER_MAX}"
        elif kind is str and not isinstance(value, str):
            errors[name] = f"{name} must be text"
    return _invalid(errors) if errors else body


def _created(challenge_id: int):
    view = service.get_challenge(challenge_id, actor_for(current_user))
    response = jsonify(challenge_json(view))
    response.status_code = 201
    response.headers["Location"] = url_for("api.challenge", challenge_id=challenge_id)
    return response


@bp.get("/v1/challenges")
@api_requires(Permission.READ_CHALLENGES)
def challenges():
    unknown = sorted(set(request.args) - KNOWN_PARAMS)
    if unknown:
        raise BadFilter(unknown[0], f"{unknown[0]} is not a filter this API understands")
    filters = service.parse_filters(request.args, plans=plan_codes())
    paging = read_paging(50)
    rows, total = service.list_challenges(
        actor_for(current_user), filters, page=paging.page, per_page=paging.per_page
    )
    return jsonify(paging.body([challenge_json(c) for c in rows], total))


@bp.post("/v1/challenges")
@api_writes(Permission.RAISE_CHALLENGE)
def raise_challenge():
    body = _body(RAISE_FIELDS)
    if not isinstance(body, dict):
        return body
    on_action = body.get("action") is not None
    on_return = body.get("locality") is not None or body.get("cycle") is not None
    if on_action == on_return or (on_return and None in (body.get("locality"), body.get("cycle"))):
        return _invalid(
            {"action": "Send `action` (a ref), or `locality` and `cycle` (a return), not both"}
        )
    try:
        challenge_id = service.raise_challenge(
            actor_for(current_user),
            question=body.get("question"),
            now=now_utc(),
            action_ref=body.get("action"),
            locality=body.get("locality"),
            cycle=body.get("cycle"),
            remote_addr=request.remote_addr or "",
        )
    except NotFound as exc:
        return problem(404, str(exc))
    except service.Forbidden:
        refuse(Permission.RAISE_CHALLENGE)
    except service.Rejected as exc:
        return _invalid(exc.errors)
    return _created(challenge_id)


@bp.get("/v1/challenges/<int:challenge_id>")
@api_requires(Permission.READ_CHALLENGES)
def challenge(challenge_id: int):
    try:
        view = service.get_challenge(challenge_id, actor_for(current_user))
    except NotFound:
        return problem(404, f"There is no challenge {challenge_id} you may see.")
    return jsonify(challenge_json(view))


def _step(challenge_id: int, kind: str, text: Any):
    try:
        service.add_step(
            challenge_id,
            kind,
            text=text,
            actor=actor_for(current_user),
            now=now_utc(),
            remote_addr=request.remote_addr or "",
        )
    except NotFound:
        return problem(404, f"There is no challenge {challenge_id} you may see.")
    except service.Forbidden:
        refuse(
            Permission.READ_CHALLENGES,
            detail="Only the people who answer for the action or return respond to a challenge"
            if kind == "response"
            else "Only the challenger or a chair accepts or escalates a challenge",
        )
    except service.StepRefused as exc:
        return problem(
            409,
            "Nothing was saved: " + "; ".join(exc.errors.values()),
            title="The challenge is not waiting for this",
        )
    except service.Rejected as exc:
        return _invalid(exc.errors)
    return _created(challenge_id)


@bp.post("/v1/challenges/<int:challenge_id>/responses")
@api_writes(Permission.READ_CHALLENGES)
def respond_to_challenge(challenge_id: int):
    body = _body(RESPONSE_FIELDS)
    if not isinstance(body, dict):
        return body
    return _step(challenge_id, "response", body.get("text"))


@bp.post("/v1/challenges/<int:challenge_id>/outcome")
@api_writes(Permission.READ_CHALLENGES)
def challenge_outcome(challenge_id: int):
    body = _body(OUTCOME_FIELDS)
    if not isinstance(body, dict):
        return body
    kind = OUTCOMES.get(body.get("outcome") or "")
    if kind is None:
        return _invalid({"outcome": "Send outcome: accept or escalate"})
    return _step(challenge_id, kind, body.get("note"))
