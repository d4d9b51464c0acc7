"""The inspection: its judgements, the statutory deadline worked out in full, and whether the
action plan has been sent to Ofsted; the administrator's pages for every inspection event."""

from __future__ import annotations

import re
from datetime import date, timedelta

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from tracker.clock import now_utc, today_london
from tracker.domain.dates import parse_day
from tracker.domain.deadlines import weekdays_only_after
from tracker.domain.frameworks import FRAMEWORKS, Framework, get_framework, is_framework
from tracker.domain.inspection_events import (
    MAX_FINDINGS,
    EventInput,
    FindingInput,
    a_or_an,
    event_problems,
)
from tracker.domain.permissions import Permission
from tracker.services.errors import NotFound
from tracker.services.plan import inspection as inspection_service
from tracker.services.plan import inspection_events as events_service
from tracker.services.plan import queries
from tracker.web.access import actor_for, requires
from tracker.web.form_helpers import form_errors
from tracker.web.inspections.forms import (
    FINDING_ROWS,
    EventForm,
    FrameworkForm,
    PlanSentForm,
    event_form_class,
    kind_choices,
)

bp = Blueprint("inspections", __name__)


@bp.get("/inspection")
@requires(Permission.READ_PLAN)
def show():
    inspection = queries.get_inspection()
    if inspection is None:
        abort(404)
    deadline = queries.get_deadline(
        inspection,
        current_app.config["DEADLINE_ANCHOR"],
        current_app.config["DEADLINE_WORKING_DAYS"],
    )
    return render_template(
        "inspections/show.html",
        inspection=inspection,
        deadline=deadline,
        weekdays_only=weekdays_only_after(deadline.anchor_date, deadline.working_days)
        if deadline
        else None,
        calendar_days=deadline.anchor_date + timedelta(days=deadline.working_days)
        if deadline
        else None,
    )


@bp.route("/inspection/plan-sent", methods=["GET", "POST"])
@requires(Permission.RECORD_PLAN_SUBMISSION)
def plan_sent():
    inspection = queries.get_inspection()
    if inspection is None:
        abort(404)
    form = PlanSentForm()
    if form.validate_on_submit():
        try:
            inspection_service.record_plan_submission(
                actor_for(current_user),
                submitted_on=form.submitted_on.day,
                today=today_london(),
                now=now_utc(),
            )
        except inspection_service.SubmissionRefused as exc:
            form.submitted_on.errors = [str(exc)]
        else:
            flash("The day the action plan was sent to Ofsted is recorded.", "success")
            return redirect(url_for("inspections.show"))
    elif not form.is_submitted() and inspection.plan_submitted_on:
        form.submitted_on.data = inspection.plan_submitted_on.strftime("%-d/%-m/%Y")
    errors = form_errors(form)
    return render_template(
        "inspections/plan_sent.html", form=form, errors=errors, inspection=inspection
    ), (400 if errors else 200)


# Inspection events (issue 20.3): the administrator adds or changes an event and its findings.


@bp.route("/inspections/new", methods=["GET", "POST"])
@requires(Permission.ADMIN)
def new_event():
    """First the kind of inspection or visit (its judgements and findings follow from it)."""
    code = request.args.get("framework", "")
    if not is_framework(code):
        asked = request.method == "POST" or bool({"framework", "chosen"} & set(request.args))
        errors = [{"text": "Choose the kind of inspection or visit", "href": "#framework"}]
        return render_template(
            "inspections/choose.html",
            frameworks=list(FRAMEWORKS.values()),
            errors=errors if asked else [],
            rule_days=current_app.config["DEADLINE_WORKING_DAYS"],
        ), (400 if asked else 200)
    return _event_page(FRAMEWORKS[code], None)


@bp.route("/inspections/<int:inspection_id>/edit", methods=["GET", "POST"])
@requires(Permission.ADMIN)
def edit_event(inspection_id: int):
    try:
        page = events_service.get_event(inspection_id)
    except NotFound:
        abort(404)
    # The kind is changed on its own page, which checks that what is recorded fits the new one.
    return _event_page(get_framework(page.inspection.framework), page)


@bp.route("/inspections/<int:inspection_id>/framework", methods=["GET", "POST"])
@requires(Permission.ADMIN)
def change_framework(inspection_id: int):
    """Another kind of inspection or visit for a recorded event, when its judgements and
    findings fit the new kind; otherwise each one that does not is listed and nothing changes."""
    try:
        page = events_service.get_event(inspection_id)
    except NotFound:
        abort(404)
    form = FrameworkForm()
    general: list[dict[str, str]] = []
    if form.validate_on_submit():
        try:
            saved = events_service.change_framework(
                actor_for(current_user), inspection_id, form.framework.data, now=now_utc()
            )
        except events_service.EventRefused as refused:
            general = [{"text": message, "href": "#framework"} for _, message in refused.problems]
        else:
            framework = get_framework(saved.framework)
            flash(
                f"{saved.title or framework.name} is now {a_or_an(framework.name)}: "
                "its action plan deadline follows that kind's rule.",
                "success",
            )
            return redirect(url_for("inspections.edit_event", inspection_id=inspection_id))
    elif not form.is_submitted():
        form.framework.data = page.inspection.framework
    errors = general or form_errors(form)
    if general:
        # Beside the field, one message; the summary lists each judgement and finding.
        chosen = get_framework(form.framework.data)
        form.framework.errors = [f"What this event records does not all fit {a_or_an(chosen.name)}"]
    return render_template(
        "inspections/framework.html",
        form=form,
        page=page,
        errors=errors,
        framework=get_framework(page.inspection.framework),
        frameworks=list(FRAMEWORKS.values()),
        rule_days=current_app.config["DEADLINE_WORKING_DAYS"],
    ), (400 if errors else 200)


def _fill(form: EventForm, framework: Framework, page: events_service.EventPage | None) -> None:
    """The form as the event stands (or, for a new one, blank but for the local authority)."""
    if page is None:
        first = queries.get_inspection()
        form.local_authority.data = first.local_authority if first else ""
    else:
        event = page.inspection
        form.title.data = event.title or get_framework(event.framework).name
        form.local_authority.data = event.local_authority
        for name in ("started_on", "ended_on", "report_received", "report_published"):
            day = getattr(event, name)
            getattr(form, name).data = day.strftime("%-d/%-m/%Y") if day else ""
        grades = {j.get("area"): j.get("grade") for j in event.judgements or []}
        for n, field in enumerate(form.judgement_fields):
            field.data = grades.get(framework.areas[n], "")
        for finding in page.findings:
            form.findings.append_entry(
                {
                    "finding_id": str(finding.id),
                    "kind": finding.kind,
                    "ref": finding.ref,
                    "title": finding.title,
                    "text": finding.text,
                    "judgement_area": finding.judgement_area,
                    "lead_body": finding.lead_body,
                    "actions": ", ".join(page.linked_actions.get(finding.id, [])),
                }
            )
    for _ in range(FINDING_ROWS):
        form.findings.append_entry()


def _day(field) -> date | None:
    if not field.data:
        return None
    try:
        return parse_day(field.data)
    except ValueError as exc:
        field.errors = [*field.errors, str(exc)]
        return None


def _finding_id(value: str | None) -> int | None:
    value = (value or "").strip()
    if not value:
        return None
    # Not a number (or not one any row has): the service says it is not this event's.
    return int(value) if value.isdigit() and len(value) < 12 else -1


def _event_input(form: EventForm, framework: Framework, rows: list[int]) -> EventInput:
    return EventInput(
        framework=framework.code,
        title=form.title.data or "",
        local_authority=form.local_authority.data or "",
        started_on=_day(form.started_on),
        ended_on=_day(form.ended_on),
        report_received=_day(form.report_received),
        report_published=_day(form.report_published),
        judgements={
            framework.areas[n]: field.data or "" for n, field in enumerate(form.judgement_fields)
        },
        findings=tuple(
            FindingInput(
                id=_finding_id(entry.finding_id.data),
                kind=entry.kind.data or "",
                ref=entry.ref.data or "",
                title=entry.title.data or "",
                text=entry.text.data or "",
                judgement_area=entry.judgement_area.data or "",
                lead_body=entry.lead_body.data or "",
                actions=tuple(ref for ref in re.split(r"[\s,;]+", entry.actions.data or "") if ref),
            )
            for entry in (form.findings[n].form for n in rows)
        ),
    )


def _show_problems(form: EventForm, rows: list[int], problems: list[tuple[str, str]]) -> list:
    """Each problem beside its field; those about the whole event go to the summary alone."""
    general = []
    for name, message in problems:
        if name.startswith("findings-") and name.count("-") == 2:
            _, n, part = name.split("-")
            field = getattr(form.findings[rows[int(n)]].form, part)
        else:
            field = getattr(form, name, None) if name != "findings" else None
        if field is None:
            general.append({"text": message, "href": "#findings"})
        elif message not in field.errors:
            field.errors = [*field.errors, message]
    return general


def _event_page(framework: Framework, page: events_service.EventPage | None):
    form = event_form_class(framework)()
    submitted = form.is_submitted()
    if not submitted:
        _fill(form, framework, page)
    for entry in form.findings:
        entry.form.kind.choices = kind_choices(framework)
    valid = submitted and form.validate()
    general: list[dict[str, str]] = []
    if submitted and form.add_finding.data:
        if valid and len(form.findings) < MAX_FINDINGS:
            form.findings.append_entry()
            form.findings[-1].form.kind.choices = kind_choices(framework)
    elif valid:
        rows = [n for n, entry in enumerate(form.findings) if not entry.form.is_blank]
        event = _event_input(form, framework, rows)
        dates = (form.started_on, form.ended_on, form.report_received, form.report_published)
        try:
            if any(field.errors for field in dates):  # not a date: list the rest, write nothing
                raise events_service.EventRefused(event_problems(event))
            saved = events_service.save_event(
                actor_for(current_user),
                event,
                now=now_utc(),
                inspection_id=page.inspection.id if page else None,
                default_anchor=current_app.config["DEADLINE_ANCHOR"],
            )
        except events_service.EventRefused as refused:
            general = _show_problems(form, rows, refused.problems)
        else:
            flash(f"{saved.title} is saved.", "success")
            return redirect(url_for("pages.overview", _anchor="inspections"))
    errors = general + form_errors(form)
    errors += [e for entry in form.findings for e in form_errors(entry.form)]
    status = 400 if errors or (submitted and not form.add_finding.data) else 200
    return render_template(
        "inspections/event.html",
        form=form,
        framework=framework,
        page=page,
        errors=errors,
        frameworks=list(FRAMEWORKS.values()),
        rule_days=current_app.config["DEADLINE_WORKING_DAYS"][framework.code],
        max_findings=MAX_FINDINGS,
    ), status
