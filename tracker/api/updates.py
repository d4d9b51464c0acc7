"""POST /api/v1/actions/{ref}/updates: one change to one action, carrying the version it was
read at. The rules, the version check and the history are the service's; this reads the JSON."""

from __future__ import annotations

from typing import Any

from flask import current_app, jsonify, request, url_for
from flask_login import current_user
from werkzeug.exceptions import BadRequest

from config import parse_today
from tracker.api.serialise import history_json
from tracker.api.views import action_with_history, api_writes, bp
from tracker.clock import now_utc, today_london
from tracker.domain.permissions import Permission
from tracker.domain.states import Impact, Lifecycle, Rag
from tracker.domain.updates import TEXT_LIMIT, Proposal
from tracker.http.access import actor_for, refuse
from tracker.http.edge import INTEGER_MAX
from tracker.http.problems import problem
from tracker.services import updates as update_service
from tracker.services.errors import NotFound

CHOICES: dict[str, tuple[str, ...]] = {
    "lifecycle": tuple(s.value for s in Lifecycle),
    "rag": tuple(r.value for r in Rag),
    "impact": tuple(i.value for i in Impact),
}
MISSING = {
    "version": "Send version: the action's version when you read it (GET /api/v1/actions/{ref})",
    "summary": "Send summary: what has happened since the last update",
    "lifecycle": "Send lifecycle: one of " + ", ".join(CHOICES["lifecycle"]),
    "rag": "Send rag: red, amber or green (null only when closing the action)",
    "impact": "Send impact: one of " + ", ".join(CHOICES["impact"]),
}
TEXT_FIELDS = ("summary", "reason", "evidence", "superseded_by")
FIELDS = frozenset({*MISSING, *TEXT_FIELDS, "confirm_unchanged"})


class InvalidBody(Exception):
    """The JSON is not an update: field -> reason, for every field that is wrong."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def parse_update(body: Any) -> tuple[int, Proposal]:
    """(version, proposal) from the request's JSON, or InvalidBody naming each field in error.
    Only the shape is checked here: the service decides whether the change is allowed."""
    if not isinstance(body, dict):
        raise InvalidBody({"body": "Send a JSON object with the fields of the update"})
    errors = {name: f"{name} is not a field of an update" for name in body if name not in FIELDS}
    errors |= {name: message for name, message in MISSING.items() if name not in body}
    version = _whole_number(body.get("version"))
    if "version" in body and (version is None or not 1 <= version <= INTEGER_MAX):
        errors["version"] = f"version must be a whole number from 1 to {INTEGER_MAX}"
    for name in TEXT_FIELDS:
        value = body.get(name, "")
        if not isinstance(value, str):
            errors[name] = f"{name} must be text"
        elif len(value) > (32 if name == "superseded_by" else TEXT_LIMIT):
            limit = 32 if name == "superseded_by" else TEXT_LIMIT
            errors[name] = f"{name} must be {limit} characters or fewer"
    for name, values in CHOICES.items():
        value = body.get(name)
        if name in body and value not in values and not (name == "rag" and value is None):
            allowed = ", ".join(values) + (
                ", or null when closing the action" if name == "rag" else ""
            )
            errors[name] = f"{name} must be one of {allowed}"
    if not isinstance(body.get("confirm_unchanged", False), bool):
        errors["confirm_unchanged"] = "confirm_unchanged must be true or false"
    if errors:
        raise InvalidBody(errors)
    return version, Proposal(
        summary=body["summary"],
        lifecycle=Lifecycle(body["lifecycle"]),
        rag=Rag(body["rag"]) if body["rag"] is not None else None,
        impact=Impact(body["impact"]),
        reason=body.get("reason", ""),
        evidence=body.get("evidence", ""),
        confirm_unchanged=body.get("confirm_unchanged", False),
        superseded_by=body.get("superseded_by", ""),
    )


def _whole_number(value: Any) -> int | None:
    """JSON has one kind of number: 3 and 3.0 are the same whole number (as JSON Schema says);
    true, 3.5 and "3" are not numbers of versions."""
    if type(value) is int:
        return value
    if type(value) is float and value.is_integer():
        return int(value)
    return None


def invalid(errors: dict[str, str]):
    return problem(
        422,
        "The update was not saved: " + "; ".join(errors.values()),
        title="The update is not valid",
        invalid_params=[{"name": name, "reason": reason} for name, reason in errors.items()],
    )


@bp.post("/v1/actions/<ref>/updates")
@api_writes(Permission.UPDATE_ACTION)
def create_update(ref: str):
    actor = actor_for(current_user)
    # Who may update this action is settled before what they sent is read: 404, 403, then 422.
    contexts = update_service.load_contexts(refs=[ref])
    if not contexts:
        return problem(404, f"There is no action {ref}.")
    if not update_service.may_update(actor, next(iter(contexts.values()))):
        refuse(Permission.UPDATE_ACTION)
    if not request.is_json:
        return problem(
            415, "Send the update as JSON, with Content-Type: application/json.", title="Send JSON"
        )
    try:
        body = request.get_json()
    except BadRequest:
        return problem(
            400,
            "The body is not valid JSON.",
            invalid_params=[{"name": "body", "reason": "The body is not valid JSON"}],
        )
    created: dict[str, Any] = {}

    def describe(_ctx: Any, _version: int) -> None:
        # Read inside the write's own transaction: the action as this write left it, at the
        # version it created. Read after the commit, a writer that came next could show through.
        created.update(action_with_history(ref, today=today_london()))

    try:
        version, proposal = parse_update(body)
        update_service.record_update(
            ref,
            proposal,
            expected_version=version,
            actor=actor,
            now=now_utc(),
            today=today_london(),
            cycle_start=parse_today(current_app.config["CYCLE_START"]),
            remote_addr=request.remote_addr or "",
            before_commit=describe,
        )
    except InvalidBody as exc:
        return invalid(exc.errors)
    except update_service.Rejected as exc:
        return invalid(exc.errors)
    except update_service.Conflict as exc:
        return problem(
            409,
            f"{ref} has changed since version {exc.expected_version}: it is at version "
            f"{exc.current_version}. Nothing was saved. Read the changes, then send your update "
            f"again with version {exc.current_version}.",
            title="The action has changed since you read it",
            current_version=exc.current_version,
            changes=[history_json(h) for h in exc.changes],
        )
    except update_service.Forbidden:
        refuse(Permission.UPDATE_ACTION)
    except NotFound:
        return problem(404, f"There is no action {ref}.")
    return jsonify(created), 201, {"Location": url_for("api.action", ref=ref)}
