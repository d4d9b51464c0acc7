"""The fortnightly locality return: one page per locality per cycle."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from tracker.clock import now_utc, today_london
from tracker.domain.permissions import Permission, Role
from tracker.http import evidence_files
from tracker.http.edge import takes_files
from tracker.services.access import settings as setup_settings
from tracker.services.errors import NotFound
from tracker.services.loop import return_history
from tracker.services.loop import returns as return_service
from tracker.services.plan import queries
from tracker.services.plan.updates import Forbidden
from tracker.web.access import actor_for, refuse, requires
from tracker.web.challenges import views as challenges
from tracker.web.evidence.forms import new_evidence_from
from tracker.web.returns.entries import Entry, entries_for
from tracker.web.returns.forms import MOST_ENTRIES, NoChangeForm, ReopenForm, ReturnForm
from tracker.web.templating import long_date
from tracker.web.updates.views import evidence_field_settings

bp = Blueprint("returns", __name__, url_prefix="/returns")
SIMULTANEOUS = (
    "Someone else changed these actions at the same moment. Nothing was submitted: "
    "check the actions and submit again"
)


def _view_args() -> dict[str, str]:
    """The compact view (one line per action) is kept across a save and the confirmation."""
    return {"view": "compact"} if request.values.get("view") == "compact" else {}


def _cycle_start():
    return setup_settings.schedule()


@bp.get("")
@requires(Permission.READ_PLAN)
def index():
    """Locality heads go straight to this fortnight's return; everyone else sees every return."""
    today = today_london()
    current = return_service.current_cycle_number(today, _cycle_start())
    own = current_user.locality
    if current_user.role == Role.LOCALITY_HEAD and own and own.retired_at is None and current:
        return redirect(url_for("returns.show", locality=current_user.locality.code, cycle=current))
    grid = return_service.list_return_statuses(today=today, now=now_utc(), upto=current or 0)
    return render_template("returns/index.html", grid=grid, current=current)


PAST_RETURN_ENDPOINTS = ("returns.history", "returns.all_history")


def past_returns_url() -> str | None:
    """The menu's "Past returns": a head's (or deputy's) own locality's list, the list across
    localities for whoever reads every return, or nothing."""
    if not current_user.is_authenticated:
        return None
    actor = actor_for(current_user)
    own = return_history.own_locality(actor)
    if own:
        return url_for("returns.history", locality=own)
    if return_history.reads_every_return(actor):
        return url_for("returns.all_history")
    return None


@bp.app_context_processor
def _past_returns_menu() -> dict[str, Any]:
    return {"past_returns_url": past_returns_url, "past_return_endpoints": PAST_RETURN_ENDPOINTS}


def _upto() -> int:
    current = return_service.current_cycle_number(today_london(), _cycle_start())
    return current or 0


@bp.get("/<locality>/history")
@requires(Permission.READ_PLAN)
def history(locality: str):
    """A locality's returns, newest cycle first: its head and deputy, and who reads them all."""
    actor = actor_for(current_user)
    if not return_history.may_read_returns(actor, locality):
        refuse(Permission.SUBMIT_RETURN, request.path)
    try:
        rows = return_history.list_past_returns(locality_code=locality, upto=_upto(), now=now_utc())
    except NotFound:
        abort(404)
    return render_template(
        "returns/history.html",
        rows=rows,
        locality_name=rows[0].locality_name if rows else queries.get_locality(locality).name,
        across=False,
        reads_every_return=return_history.reads_every_return(actor),
    )


@bp.get("/history")
@requires(Permission.READ_PLAN)
def all_history():
    """Every locality's returns, newest cycle first: for whoever reads every return."""
    actor = actor_for(current_user)
    if not return_history.reads_every_return(actor):
        refuse(Permission.SUBMIT_RETURN, request.path)
    rows = return_history.list_past_returns(locality_code=None, upto=_upto(), now=now_utc())
    return render_template(
        "returns/history.html",
        rows=rows,
        locality_name=None,
        across=True,
        reads_every_return=True,
    )


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
                kept = not saved.held_back and not saved.evidence_refused
                if kept and form.no_change.data:
                    # What was typed is kept; the rest is confirmed on its own page.
                    return redirect(
                        url_for("returns.no_change", locality=locality, cycle=cycle, **_view_args())
                    )
                if kept:
                    flash(
                        "Draft saved. You can come back to it at any time before you submit.",
                        "success",
                    )
                    return redirect(
                        url_for("returns.show", locality=locality, cycle=cycle, **_view_args())
                    )
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
    past = _past(actor, view, today)
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
        compact=bool(_view_args()),
        **past,
        **evidence_field_settings(),
        **challenges.section_for(locality=locality, cycle=cycle),
    ), status


def _past(actor, view: return_service.ReturnView, today) -> dict[str, Any]:
    """A return no longer being filled in shows what was submitted, from the history (never
    the actions' current state), and a past cycle's return leads back to the list of returns."""
    current = return_service.current_cycle_number(today, _cycle_start()) or 0
    is_past = view.cycle_number < current
    shown: dict[str, Any] = {"past_cycle": is_past, "submitted": None}
    filling_in = return_service.may_submit(actor, view.locality_code) and view.editable
    if view.status == "submitted" and not filling_in:
        shown["submitted"] = return_history.get_submitted_return(
            view.locality_code, view.cycle_number, known=view
        )
    if return_history.may_read_returns(actor, view.locality_code):
        shown["history_href"] = url_for("returns.history", locality=view.locality_code)
        if is_past or shown["submitted"]:
            shown["back_href"] = shown["history_href"]
            shown["back_text"] = f"{view.locality_name} past returns"
    return shown


FIELD_LABELS = {"summary": "progress summary", "reason": "reason", "evidence": "evidence"}


def _submitted_message(view: return_service.ReturnView, written: return_service.Written) -> str:
    if not view.reopened:
        message = f"Return submitted: {written} actions updated."
    elif not written:
        return "Nothing was changed: the return stands as first submitted."
    else:
        message = f"Return amended: {written} actions updated."
    if written.on_top:
        refs = ", ".join(written.on_top)
        message += (
            f" Someone else updated {refs} after you opened this return, without changing what"
            " your entry sets: yours is written after theirs, and both are in the action's"
            " history."
        )
    return message


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


def _closed_message(view: return_service.ReturnView) -> str:
    """Why there is nothing to mark "no change" on this return, or an empty string."""
    if not view.opened:
        return (
            f"Cycle {view.cycle_number} opens on {long_date(view.opens_on)}: "
            "there is nothing to mark before then."
        )
    if view.reopened:
        return return_service.NOTHING_TO_MARK_REOPENED[""]["return"] + "."
    if not view.editable:
        return "This return has already been submitted, so there is nothing to mark."
    return ""


def _shown(values: list[str]) -> dict[str, int]:
    """The actions the confirmation page listed, each "REF:version"; anything else is ignored."""
    shown: dict[str, int] = {}
    for value in values[:MOST_ENTRIES]:
        ref, _, version = value.partition(":")
        if ref and version.isdigit() and len(version) < 10:
            shown[ref] = int(version)
    return shown


@bp.route("/<locality>/<int:cycle>/no-change", methods=["GET", "POST"])
@requires(Permission.SUBMIT_RETURN)
def no_change(locality: str, cycle: int):
    """Confirm "no change this cycle" for every action whose entry nobody has touched: the
    page lists them (and how many) before anything is marked."""
    actor = actor_for(current_user)
    if not return_service.may_submit(actor, locality):
        refuse(Permission.SUBMIT_RETURN, request.path)
    now = now_utc()
    try:
        view = return_service.get_return(locality, cycle, today=today_london(), now=now)
    except NotFound:
        abort(404)
    form = NoChangeForm()
    error = ""
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        try:
            marked = return_service.mark_no_change(
                locality,
                cycle,
                _shown(request.form.getlist("action")),
                actor=actor,
                now=now,
                remote_addr=request.remote_addr or "",
            )
        except Forbidden:
            refuse(Permission.SUBMIT_RETURN, request.path)
        except return_service.ReturnRejected as exc:
            error = exc.errors[""]["return"].rstrip(".") + "."
        else:
            if marked:
                flash(
                    f"{_actions(len(marked))} marked “no change this cycle”: each keeps its "
                    "last summary, RAG, lifecycle and impact. Check the return, then submit it.",
                    "success",
                )
            else:
                flash(
                    "Nothing was marked: every action listed already has an entry (this was "
                    "probably confirmed already). Check the return, then submit it.",
                    "notice",
                )
            return redirect(url_for("returns.show", locality=locality, cycle=cycle, **_view_args()))
    problem = error or _closed_message(view)
    return render_template(
        "returns/no_change.html",
        view=view,
        form=form,
        lines=[] if problem else view.untouched,
        problem=problem,
        error_list=[{"text": error, "href": "#no-change-problem"}] if error else [],
        view_args=_view_args(),
    ), (400 if error else 200)


def _actions(count: int) -> str:
    return f"{count} action" if count == 1 else f"{count} actions"


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
