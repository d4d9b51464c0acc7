"""Evidence through the API: an action's evidence (GET, paged), adding a file (multipart) or a
link (JSON) to it (POST), and a file's bytes (GET /evidence/{id}/file), for those who may see the
action. The checks are the pages' own (tracker.services.plan.evidence)."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import current_app, jsonify, request, url_for
from flask_login import current_user
from werkzeug.exceptions import BadRequest, RequestEntityTooLarge

from tracker.api.views import api_requires, api_writes, bp, page_of
from tracker.clock import now_utc, today_london
from tracker.domain.evidence import EvidenceType
from tracker.domain.permissions import Permission
from tracker.http import evidence_files
from tracker.http.access import actor_for, refuse
from tracker.http.edge import takes_files
from tracker.http.problems import problem
from tracker.services.errors import NotFound
from tracker.services.plan import evidence as evidence_service

UPLOAD_ENDPOINT = "api.create_action_evidence"
FIELDS = ("title", "evidence_type", "evidence_date")
TYPES = tuple(t.value for t in EvidenceType)


@bp.record_once
def _first_before_every_request(state) -> None:
    # Before CSRF reads the form: evidence may be bigger than MAX_CONTENT_LENGTH.
    state.app.before_request_funcs.setdefault(None, []).insert(0, _allow_evidence_files)


def _allow_evidence_files():
    if request.endpoint != UPLOAD_ENDPOINT or request.method != "POST":
        return None
    if evidence_files.allow_evidence_upload():
        return None
    if current_user.is_authenticated:
        evidence_files.record_too_big((request.view_args or {}).get("ref", request.path))
    return _too_big()


def _too_big():
    message = evidence_files.too_big_message()
    return problem(
        413,
        message + ". Nothing was stored.",
        title="The file is too big",
        invalid_params=[{"name": "file", "reason": message}],
    )


def evidence_json(item: evidence_service.EvidenceItem) -> dict[str, Any]:
    return {
        "id": item.id,
        "action": item.action_ref,
        "title": item.title,
        "evidence_type": item.evidence_type.value,
        "evidence_date": item.evidence_date.isoformat(),
        "kind": item.kind,
        "url": item.url,
        "file": {
            "name": item.filename,
            "size_bytes": item.size_bytes,
            "download": url_for("api.evidence_file", evidence_id=item.id),
        }
        if item.kind == "file"
        else None,
        "added_by": item.added_by,
        "added_at": item.added_at.isoformat(),
        "withdrawn": {
            "at": item.withdrawn_at.isoformat(),
            "by": item.withdrawn_by,
            "reason": item.withdrawn_reason,
        }
        if item.withdrawn_at
        else None,
    }


@bp.get("/v1/actions/<ref>/evidence")
@api_requires(Permission.READ_PLAN)
def action_evidence(ref: str):
    try:
        subject = evidence_service.action_subject(ref)
    except NotFound:
        return problem(404, f"There is no action {ref}.")
    items = evidence_service.list_for_action(subject.action_id)
    return jsonify(page_of([evidence_json(i) for i in items]))


def _invalid(errors: dict[str, str], status: int = 422):
    titles = {413: "The file is too big", 415: "The file is not a type that is taken"}
    return problem(
        status,
        "The evidence was not added: " + "; ".join(errors.values()),
        title=titles.get(status, "The evidence is not valid"),
        invalid_params=[{"name": name, "reason": reason} for name, reason in errors.items()],
    )


def _read_fields(values: Any, *, link: bool) -> tuple[dict[str, Any], dict[str, str]]:
    """The shape of the fields (the service checks the rest): values and field -> reason."""
    errors: dict[str, str] = {}
    allowed = {*FIELDS, "url"} if link else set(FIELDS)
    for name in values:
        if name not in allowed:
            errors[name] = f"{name} is not a field of evidence"
    out: dict[str, Any] = {}
    for name in (*FIELDS, "url") if link else FIELDS:
        value = values.get(name)
        if value is None:
            errors[name] = f"Send {name}"
        elif not isinstance(value, str):
            errors[name] = f"{name} must be text"
        else:
            out[name] = value
    if isinstance(out.get("evidence_date"), str):
        try:
            out["evidence_date"] = date.fromisoformat(out["evidence_date"])
        except ValueError:
            errors["evidence_date"] = "evidence_date must be a date, YYYY-MM-DD"
    if "evidence_type" in out and out["evidence_type"] not in TYPES:
        errors["evidence_type"] = "evidence_type must be one of " + ", ".join(TYPES)
    return out, errors


@bp.post("/v1/actions/<ref>/evidence")
@takes_files
@api_writes(Permission.UPDATE_ACTION)
def create_action_evidence(ref: str):
    actor = actor_for(current_user)
    # Who may add evidence here is settled before what they sent is read: 404, 403, then 4xx.
    try:
        subject = evidence_service.action_subject(ref)
    except NotFound:
        return problem(404, f"There is no action {ref}.")
    if not evidence_service.may_add(actor, subject):
        refuse(Permission.UPDATE_ACTION, ref)
    common = {"actor": actor, "now": now_utc(), "today": today_london()}
    common["remote_addr"] = request.remote_addr or ""
    try:
        if request.is_json:
            try:
                body = request.get_json()
            except BadRequest:
                return problem(
                    400,
                    "The body is not valid JSON.",
                    invalid_params=[{"name": "body", "reason": "The body is not valid JSON"}],
                )
            if not isinstance(body, dict):
                return _invalid({"body": "Send a JSON object with the fields of the evidence"})
            values, errors = _read_fields(body, link=True)
            if errors:
                return _invalid(errors)
            evidence_id = evidence_service.add_link(subject, **values, **common)
        elif request.mimetype == "multipart/form-data":
            values, errors = _read_fields(request.form, link=False)
            upload = request.files.get("file")
            if upload is None:
                errors["file"] = "Send the file as the multipart field `file`"
            if set(request.files) - {"file"}:
                errors["files"] = "Send one file, as the multipart field `file`"
            if errors:
                return _invalid(errors)
            evidence_id = evidence_service.add_file(
                subject,
                filename=upload.filename or "",
                data=evidence_files.read_upload(upload),
                store=evidence_files.store(),
                max_bytes=evidence_files.max_bytes(),
                clamd_socket=current_app.config.get("CLAMD_SOCKET"),
                **values,
                **common,
            )
        else:
            return problem(
                415,
                "Send a file as multipart/form-data, or a link as application/json.",
                title="Send a file or JSON",
            )
    except RequestEntityTooLarge:
        return _too_big()
    except evidence_service.EvidenceRejected as exc:
        return _invalid(exc.errors, exc.status)
    except evidence_service.Forbidden:
        refuse(Permission.UPDATE_ACTION, ref)
    item = evidence_service.get_item(evidence_id)
    return (
        jsonify(evidence_json(item)),
        201,
        {"Location": url_for("api.action_evidence", ref=ref)},
    )


@bp.get("/v1/evidence/<int:evidence_id>/file")
@api_requires(Permission.READ_PLAN)
def evidence_file(evidence_id: int):
    """The file, for those who may see its action or SEF; anyone else: 404, recorded."""
    try:
        return evidence_files.send_evidence(evidence_id)
    except NotFound:
        return problem(404, f"There is no evidence file {evidence_id}.")
