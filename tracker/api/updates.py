"""POST /api/v1/actions/{ref}/updates: one change to one action, carrying the version it was
read at. The rules, the version check and the history are the service's; this reads the JSON."""

from __future__ import annotations

import json
from typing import Any

from flask import jsonify, request, url_for
from flask_login import current_user
from werkzeug.exceptions import BadRequest, RequestEntityTooLarge

from tracker.api.evidence import _read_fields as read_evidence_fields
from tracker.api.serialise import history_json
from tracker.api.views import action_with_history, api_writes, bp
from tracker.clock import now_utc, today_london
from tracker.domain.permissions import Permission
from tracker.domain.states import Impact, Lifecycle, Rag
from tracker.domain.updates import TEXT_LIMIT, Proposal
from tracker.http import evidence_files
from tracker.http.access import actor_for, refuse
from tracker.http.edge import INTEGER_MAX, takes_files
from tracker.http.problems import problem
from tracker.services.access import settings as setup_settings
from tracker.services.errors import NotFound
from tracker.services.plan import evidence as evidence_service
from tracker.services.plan import updates as update_service
from tracker.services.plan.update_evidence import record_update_with_evidence

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
FIELDS = frozenset({*MISSING, *TEXT_FIELDS, "confirm_unchanged", "evidence_items"})
# Evidence sent with an update: links in the JSON, and with multipart one file beside them.
MOST_ITEMS = 5
FILE_FIELDS = {"evidence_title": "title", "evidence_type": "evidence_type"}
FILE_FIELDS |= {"evidence_date": "evidence_date"}


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


def parse_evidence_items(body: dict) -> list[evidence_service.NewEvidence]:
    """The links sent as `evidence_items` (their shape; the service checks the rest)."""
    items = body.get("evidence_items", [])
    if not isinstance(items, list) or len(items) > MOST_ITEMS:
        raise InvalidBody(
            {"evidence_items": f"evidence_items must be a list of at most {MOST_ITEMS} links"}
        )
    out, errors = [], {}
    for n, item in enumerate(items):
        if not isinstance(item, dict):
            errors[f"evidence_items[{n}]"] = "Each evidence item must be an object"
            continue
        values, problems = read_evidence_fields(item, link=True)
        errors |= {f"evidence_items[{n}].{k}": v for k, v in problems.items()}
        if not problems:
            out.append(evidence_service.NewEvidence(**values))
    if errors:
        raise InvalidBody(errors)
    return out


def parse_evidence_file() -> evidence_service.NewEvidence | None:
    """With multipart, one file as `evidence_file`, described by evidence_title, evidence_type
    and evidence_date (YYYY-MM-DD)."""
    upload = request.files.get("evidence_file")
    errors = {}
    if set(request.files) - {"evidence_file"}:
        errors["files"] = "Send one file, as the multipart field `evidence_file`"
    extra = set(request.form) - {"update", *FILE_FIELDS}
    errors |= {name: f"{name} is not a field of an update with evidence" for name in extra}
    if upload is None:
        if any(name in request.form for name in FILE_FIELDS):
            errors["evidence_file"] = "Send the file as the multipart field `evidence_file`"
        if errors:
            raise InvalidBody(errors)
        return None
    values, problems = read_evidence_fields(
        {FILE_FIELDS[k]: v for k, v in request.form.items() if k in FILE_FIELDS}, link=False
    )
    errors |= {f"evidence_{k}" if k == "title" else k: v for k, v in problems.items()}
    if errors:
        raise InvalidBody(errors)
    return evidence_service.NewEvidence(
        **values, filename=upload.filename or "", data=evidence_files.read_upload(upload)
    )


def _read_body() -> Any:
    """The update's JSON: the body, or with multipart the `update` field."""
    if request.mimetype == "multipart/form-data":
        text = request.form.get("update")
        if text is None:
            raise InvalidBody({"update": "Send the update's JSON as the multipart field `update`"})
        try:
            return json.loads(text)
        except ValueError:
            raise InvalidBody({"update": "The update field is not valid JSON"}) from None
    return request.get_json()


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
@takes_files
@api_writes(Permission.UPDATE_ACTION)
def create_update(ref: str):
    actor = actor_for(current_user)
    # Who may update this action is settled before what they sent is read: 404, 403, then 422.
    contexts = update_service.load_contexts(refs=[ref])
    if not contexts:
        return problem(404, f"There is no action {ref}.")
    if not update_service.may_update(actor, next(iter(contexts.values()))):
        refuse(Permission.UPDATE_ACTION)
    if not request.is_json and request.mimetype != "multipart/form-data":
        return problem(
            415,
            "Send the update as JSON, with Content-Type: application/json (or as multipart/"
            "form-data with the JSON as the field `update`, to send an evidence file).",
            title="Send JSON",
        )
    try:
        body = _read_body()
    except BadRequest:
        return problem(
            400,
            "The body is not valid JSON.",
            invalid_params=[{"name": "body", "reason": "The body is not valid JSON"}],
        )
    except InvalidBody as exc:
        return invalid(exc.errors)
    except RequestEntityTooLarge:
        return problem(413, evidence_files.too_big_message(), title="The file is too big")
    created: dict[str, Any] = {}

    def describe(_ctx: Any, _version: int) -> None:
        # Read inside the write's own transaction: the action as this write left it, at the
        # version it created. Read after the commit, a writer that came next could show through.
        created.update(action_with_history(ref, today=today_london()))

    try:
        version, proposal = parse_update(body)
        items = parse_evidence_items(body)
        if request.mimetype == "multipart/form-data":
            upload = parse_evidence_file()
            items += [upload] if upload else []
        record_update_with_evidence(
            ref,
            proposal,
            evidence=items,
            store=evidence_files.evidence_store(),
            expected_version=version,
            actor=actor,
            now=now_utc(),
            today=today_london(),
            cycle_start=setup_settings.schedule(),
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
