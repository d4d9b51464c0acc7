"""The fortnightly locality return: one page per locality per cycle."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from config import parse_today
from tracker.clock import now_utc, today_london
from tracker.domain.permissions import Permission, Role
from tracker.http import evidence_files
from tracker.http.edge import takes_files
from tracker.services import returns as return_service
from tracker.services.errors import NotFound
from tracker.services.updates import Forbidden
from tracker.web.access import actor_for, refuse, requires
from tracker.web.challenges import views as challenges
from tracker.web.evidence.forms import new_evidence_from
from tracker.web.returns.entries import Entry, entries_for
from tracker.web.returns.forms import ReopenForm, ReturnForm
from tracker.web.updates.views import evidence_field_settings

bp = Blueprint("returns", __name__, url_prefix="/returns")
SIMULTANEOUS = (
    "Someone else changed these actions at the same moment. Nothing was submitted: "
    "check the actions and submit again"
)


def _cycle_start():
    return parse_today(current_app.config["CYCLE_START"])


@bp.get("")
@requires(Permission.READ_PLAN)
def index():
    """Locality heads go straight to this fortnight's return; everyone else sees every return."""
    today = today_london()
    current = return_service.current_cycle_number(today, _cycle_start())
    if current_user.role == Role.LOCALITY_HEAD and current_user.locality and current:
        return redirect(url_for("returns.show", locality=current_user.locality.code, cycle=current))
    grid = return_service.list_return_statuses(today=today, now=now_utc(), upto=current or 0)
    return render_template("returns/index.html", grid=grid, current=current)


def _entries_from(form: ReturnForm) -> list[return_service.Entry]:
    entries = []
    for sub in form.entries:
        entries.append(
            return_service.Entry(
                ref=sub.ref.data or "",
                version=sub.version.data or 0,
                summary=sub.summary.data or "",
                lifecycle=sub.lifecycle.data or "",
                rag=sub.rag.data or "",
                impact=sub.impact.data or "",
                reason=sub.reason.data or "",
                evidence=sub.evidence.data or "",
                confirm_unchanged=bool(sub.confirm_unchanged.data),
            )
        )
    return entries


@bp.route("/<locality>/<int:cycle>", methods=["GET", "POST"])
@takes_files
@requires(Permission.READ_PLAN)
def show(locality: str, cycle: int):
    actor = actor_for(current_user)
    may_submit = return_service.may_submit(actor, locality)
    today, now = today_london(), now_utc()
    try:
        view = return_service.get_return(locality, cycle, today=today, now=now)
    except NotFound:
        abort(404)
    form = ReturnForm()
    errors_by_ref: dict[str, dict[str, str]] = {}
    conflicts: dict = {}
    clashed = False
    held_back: return_service.DraftSaved | None = None
    typed_evidence: dict[str, dict[str, str]] = {}
    if request.method == "POST":
        if not may_submit:
            refuse(Permission.SUBMIT_RETURN, request.path)
        if any(not _EVIDENCE_FILE.fullmatch(name) for name in request.files):
            # Only an entry's evidence field takes a file; the edge lets files through here.
            abort(
                400, description="Send the form's fields as text: a text field does not take files."
            )
        entries = _entries_from(form)
        valid = form.validate_on_submit()
        attached, evidence_errors, typed_evidence = _evidence_from(form)
        errors_by_ref = evidence_errors if valid else _shape_errors(form)
        if not errors_by_ref:
            with_evidence = {"evidence": attached, "store": evidence_files.evidence_store()}
            try:
                if form.submit.data:
                    written = return_service.submit_return(
                        locality,
                        cycle,
                        entries,
                        actor=actor,
                        now=now,
                        remote_addr=request.remote_addr or "",
                        **with_evidence,
                    )
                    flash(_submitted_message(view, written), "success")
                    return redirect(url_for("returns.show", locality=locality, cycle=cycle))
                saved = return_service.save_draft(
                    locality,
                    cycle,
                    entries,
                    actor=actor,
                    now=now,
                    remote_addr=request.remote_addr or "",
                    **with_evidence,
                )
                if not saved.held_back and not saved.evidence_refused:
                    flash(
                        "Draft saved. You can come back to it at any time before you submit.",
                        "success",
                    )
                    return redirect(url_for("returns.show", locality=locality, cycle=cycle))
                # Saved, except the flagged text: it stays on screen (never stored) to correct.
                held_back = saved if saved.held_back else None
                errors_by_ref = _refused_evidence(saved)
            except Forbidden:
                refuse(Permission.SUBMIT_RETURN, request.path)
            except return_service.ReturnRejected as exc:
                errors_by_ref = exc.errors
            except return_service.ReturnConflict as exc:
                conflicts = exc.conflicts
                clashed = True
                if not conflicts:  # a simultaneous write that names no single action
                    errors_by_ref = {"": {"return": SIMULTANEOUS}}
        # Keep what was typed; a conflicting action takes its new version so it can resubmit.
        typed = {e.ref: e for e in entries}
        for ref, conflict in conflicts.items():
            if ref in typed:
                typed[ref].version = conflict.current_version
        view = return_service.get_return(locality, cycle, today=today, now=now, as_drawn=typed)
    # Sign-off is a chair's, on its own page.
    drawn = (
        entries_for(view, can_sign_off=False, typed_evidence=typed_evidence)
        if may_submit and view.editable
        else []
    )
    # A return no longer open is not drawn: its errors name the fields as posted.
    error_list = _error_list(drawn or list(form.entries), view, errors_by_ref)
    status = 409 if clashed else (400 if error_list else 200)
    return render_template(
        "returns/return.html",
        view=view,
        form=form,
        entries=drawn,
        may_submit=may_submit,
        may_reopen=may_submit and view.may_reopen(now),
        now=now,
        error_list=error_list,
        conflicts=conflicts,
        held_back=held_back,
        field_labels=FIELD_LABELS,
        **evidence_field_settings(),
        **challenges.section_for(locality=locality, cycle=cycle),
    ), status


FIELD_LABELS = {"summary": "progress summary", "reason": "reason", "evidence": "evidence"}


def _submitted_message(view: return_service.ReturnView, written: int) -> str:
    if not view.reopened:
        return f"Return submitted: {written} actions updated."
    if not written:
        return "Nothing was changed: the return stands as first submitted."
    return f"Return amended: {written} actions updated."


@bp.post("/<locality>/<int:cycle>/reopen")
@requires(Permission.SUBMIT_RETURN)
def reopen(locality: str, cycle: int):
    """Reopen a submitted return to amend it, until its deadline."""
    actor = actor_for(current_user)
    form = ReopenForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        return_service.reopen_return(
            locality, cycle, actor=actor, now=now_utc(), remote_addr=request.remote_addr or ""
        )
    except NotFound:
        abort(404)
    except Forbidden:
        refuse(Permission.SUBMIT_RETURN, request.path)
    except return_service.ReturnRejected as exc:
        flash(exc.errors[""]["return"], "error")
        return redirect(url_for("returns.show", locality=locality, cycle=cycle))
    flash(
        "Return reopened. Change the entries that need it and submit again: "
        "only the actions you change get a new history row.",
        "success",
    )
    return redirect(url_for("returns.show", locality=locality, cycle=cycle))


def _refused_evidence(saved: return_service.DraftSaved) -> dict[str, dict[str, str]]:
    """The draft's held-back text and refused evidence, by action; the draft itself is saved."""
    if saved.evidence_refused:
        flash(
            "Draft saved, except the evidence shown below, which was not added: "
            "correct it or choose another file, then save again.",
            "success",
        )
    errors = {ref: dict(fields) for ref, fields in saved.held_back.items()}
    for ref, fields in saved.evidence_refused.items():
        errors.setdefault(ref, {}).update(fields)
    return errors


def _evidence_from(form: ReturnForm):
    """(ref -> the evidence item given with the entry, ref -> errors of a badly named item,
    ref -> the evidence fields as typed, to draw them again)."""
    items, errors, typed = {}, {}, {}
    for sub in form.entries:
        ref = sub.ref.data or ""
        item, problems = new_evidence_from(sub, evidence_files.read_upload)
        if item is not None:
            items[ref] = item
        if problems:
            errors[ref] = problems
        typed[ref] = {
            name: (getattr(sub, name).raw_data or [""])[0]
            for name in ("evidence_url", "evidence_title", "evidence_type", "evidence_date")
        }
    return items, errors, typed


_EVIDENCE_FILE = re.compile(r"entries-\d{1,4}-evidence_file")
_ATTACHED = {
    "evidence_file": "file",
    "evidence_url": "url",
    "evidence_title": "title",
    "evidence_type": "type",
    "evidence_date": "date",
}


def _attached_field(sub, name: str):
    """An entry's evidence field in error, as drawn (templates/returns/_entry_evidence.html)."""
    attach = getattr(sub, "attach", None)
    return getattr(attach, _ATTACHED[name]) if attach and name in _ATTACHED else None


def _shape_errors(form: ReturnForm) -> dict[str, dict[str, str]]:
    """Errors WTForms found (a value not in a list, text too long), keyed by action ref."""
    errors: dict[str, dict[str, str]] = {}
    for sub in form.entries:
        for field in sub:
            if field.errors:
                errors.setdefault(sub.ref.data or "", {})[field.short_name] = field.errors[0]
    if form.csrf_token.errors:
        errors.setdefault("", {})["return"] = form.csrf_token.errors[0]
    return errors


def _error_list(entries: Sequence[Entry | Any], view, errors_by_ref: dict[str, dict[str, str]]):
    """One line per field in error, each naming its action and linking to its field."""
    items = [{"text": m, "href": "#return-actions"} for m in errors_by_ref.get("", {}).values()]
    for sub, line in zip(entries, view.lines, strict=False):
        for name, message in errors_by_ref.get(line.ref, {}).items():
            field = getattr(sub, name, None) or _attached_field(sub, name) or sub.summary
            field.errors = [message]
            items.append({"text": f"{line.ref}: {message}", "href": f"#{field.id}"})
    return items
