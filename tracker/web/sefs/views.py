"""Monthly locality SEFs: the chair's grid, one SEF per locality and month, two versions."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from tracker.clock import now_utc, today_london
from tracker.domain import sef as sef_rules
from tracker.domain.permissions import Permission
from tracker.services.access import settings as setup_settings
from tracker.services.errors import NotFound
from tracker.services.loop import sefs as sef_service
from tracker.services.plan import evidence as evidence_service
from tracker.services.plan.updates import Forbidden
from tracker.web.access import actor_for, refuse, requires
from tracker.web.clean_query import drops_empty_values
from tracker.web.sefs.forms import CompareForm, SefForm

bp = Blueprint("sefs", __name__, url_prefix="/sefs")


@bp.before_request
def _asked_for():
    """An organisation that asks for no monthly self-evaluation has no SEF pages (issue 20.2)."""
    _ = current_user.is_authenticated  # the set-up comes with the person signed in
    if not setup_settings.current().self_evaluation.enabled:
        abort(404, description="Your organisation does not ask for a monthly self-evaluation.")


def _due_working_day() -> int:
    return setup_settings.current().self_evaluation.due_working_day


def _require_month(month: str):
    """A well-formed month from the first SEF month up to this one, or 404."""
    today = today_london()
    if not sef_rules.is_sef_month(
        month, setup_settings.current().self_evaluation.first_month, today
    ):
        abort(404)
    return today


@bp.get("")
@requires(Permission.READ_PLAN)
def index():
    """Every locality's SEFs by month; a locality head sees their own locality's months."""
    today = today_london()
    months = sef_rules.sef_months(setup_settings.current().self_evaluation.first_month, today)
    home = current_user.locality.code if current_user.locality else None
    own = home if home and sef_service.may_edit(actor_for(current_user), home) else None
    grid = sef_service.list_sef_grid(
        months, today, locality=own, due_working_day=_due_working_day()
    )
    return render_template(
        "sefs/index.html",
        grid=grid,
        own=own,
        this_month=sef_rules.month_of(today),
        due_working_day=_due_working_day(),
    )


@bp.route("/<locality>/<month>", methods=["GET", "POST"])
@requires(Permission.READ_PLAN)
def edit(locality: str, month: str):
    """The form for the locality's own head (pre-filled from the latest version); a read-only
    view for everyone else. Every save adds a version."""
    today = _require_month(month)
    actor = actor_for(current_user)
    may_edit = sef_service.may_edit(actor, locality)
    drafts_visible = sef_service.may_read_drafts(actor, locality)
    try:
        sef = sef_service.get_sef(
            locality,
            month,
            today=today,
            due_working_day=_due_working_day(),
            drafts_visible=drafts_visible,
        )
    except NotFound:
        abort(404)
    form = SefForm()
    form.name_area(setup_settings.current().words)
    self_evaluation = setup_settings.current().self_evaluation
    asked = sef_rules.asked_sections(self_evaluation.sections)
    own_asked = sef.own_asked(self_evaluation.sections_for(sef.month))
    own_fields = form.ask_own(own_asked)
    conflict = None
    if request.method == "POST":
        if not may_edit:
            refuse(Permission.SUBMIT_RETURN, request.path)
        if form.validate_on_submit():
            submitting = bool(form.submit.data)
            try:
                version = sef_service.save_sef(
                    locality,
                    month,
                    form.values(),
                    submit=submitting,
                    actor=actor,
                    now=now_utc(),
                    expected_version=form.base_version.data,
                    remote_addr=request.remote_addr or "",
                    own_sections=own_asked,
                    asked_sections=asked,
                    own_answers=form.own_values(len(own_asked)),
                )
            except Forbidden:
                refuse(Permission.SUBMIT_RETURN, request.path)
            except sef_service.SefRejected as exc:
                for name, message in exc.errors.items():
                    getattr(form, name).errors = [message]
            except sef_service.SefConflict as exc:
                conflict = exc
                # Drawn from the newest version now, so they can save again after reading it.
                form.base_version.data = exc.current_version
                form.base_version.raw_data = [str(exc.current_version)]
                sef = sef_service.get_sef(
                    locality,
                    month,
                    today=today,
                    due_working_day=_due_working_day(),
                    drafts_visible=drafts_visible,
                )
            else:
                flash(_saved_message(version, submitting, sef), "success")
                return redirect(url_for("sefs.edit", locality=locality, month=month))
    elif may_edit:
        latest = sef.latest
        form.process(data=latest.values if latest else {})
        form.base_version.data = latest.version if latest else 0
        for field, saved in zip(own_fields, latest.own if latest else (), strict=False):
            field.data = saved.answer
    errors = [{"text": f.errors[0], "href": f"#{f.id}"} for f in form if f.errors]
    status = 409 if conflict else (400 if errors else 200)
    shown = sef.latest_submitted or sef.latest
    return render_template(
        "sefs/edit.html",
        **_evidence(actor, locality, month, drafts_visible or sef.latest_submitted is not None),
        sef=sef,
        form=form,
        may_edit=may_edit,
        own_fields=own_fields,
        asked_sections=asked,
        asked_heading=" and ".join(sef_rules.FIELD_LABELS[name] for name in asked).capitalize(),
        errors=errors,
        conflict=conflict,
        shown=shown,
        labels=sef_rules.shown_fields(shown.values if shown else {}, asked),
        display=sef_rules.display_value,
    ), status


def _evidence(actor, locality: str, month: str, visible: bool) -> dict:
    """The SEF's evidence, seen with the SEF: by everyone once it is submitted, before that
    only by those who may read its drafts."""
    # Read whether shown or not: the page runs the same statements either way.
    items = evidence_service.list_for_sef_month(locality, month)
    if not visible:
        return {"evidence": None}
    subject = evidence_service.Subject(locality=locality, month=month)
    may_add = evidence_service.may_add(actor, subject)
    return {
        "evidence": items,
        "evidence_for": subject.label,
        "add_url": url_for("evidence.add_to_sef", locality=locality, month=month)
        if may_add
        else None,
        "may_withdraw": may_add,
    }


def _saved_message(version: int, submitting: bool, sef: sef_service.SefView) -> str:
    if not submitting:
        return (
            f"Draft saved as version {version}. You can come back to it at any time "
            "before you submit."
        )
    if sef.latest_submitted is not None:
        return f"Revised SEF submitted as version {version}. Every earlier version is kept."
    return f"SEF submitted as version {version}."


@bp.get("/<locality>/<month>/compare")
@requires(Permission.READ_PLAN)
@drops_empty_values
def compare(locality: str, month: str):
    """Two versions side by side, with every changed part marked in words."""
    today = _require_month(month)
    try:
        a, b = (_version_arg(name) for name in ("a", "b"))
        comparison = sef_service.compare_sef(
            locality,
            month,
            a,
            b,
            today=today,
            due_working_day=_due_working_day(),
            drafts_visible=sef_service.may_read_drafts(actor_for(current_user), locality),
        )
    except (NotFound, ValueError):
        abort(404)
    form = CompareForm()
    choices = [
        (v.version, f"Version {v.version} ({'submitted' if v.submitted else 'draft'})")
        for v in comparison.sef.versions
    ]
    form.a.choices = form.b.choices = choices
    if comparison.a and comparison.b:
        form.a.data, form.b.data = comparison.a.version, comparison.b.version
    return render_template("sefs/compare.html", c=comparison, sef=comparison.sef, form=form)


def _version_arg(name: str) -> int | None:
    value = request.args.get(name)
    return None if value in (None, "") else int(value)
