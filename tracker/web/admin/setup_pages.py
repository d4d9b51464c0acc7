"""The admin's set-up of the update rhythm, the monthly self-evaluation, chasing and the
meetings' usual days (issue 20.2). Each save is audited; a rhythm applies from the next cycle."""

from __future__ import annotations

from dataclasses import replace

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from tracker.clock import now_utc, today_london
from tracker.domain.meetings import MeetingKind, kind_labels, planned_meetings
from tracker.domain.permissions import Permission
from tracker.domain.setup import (
    MAX_OWN_SECTIONS,
    MEETING_KINDS,
    WEEKDAYS,
    Chasing,
    MeetingDay,
    MeetingDays,
    Rhythm,
    SelfEvaluation,
    SetupError,
    parse_time,
)
from tracker.services.access import settings as setup_settings
from tracker.web.access import requires
from tracker.web.admin.forms import date_errors
from tracker.web.admin.setup_forms import (
    ChasingForm,
    MeetingDaysForm,
    RhythmForm,
    SelfEvaluationForm,
)
from tracker.web.admin.views import bp
from tracker.web.form_helpers import form_errors

UPCOMING = 4


def _refuse(form, refused: SetupError) -> None:
    field = getattr(form, refused.field, None)
    (field.errors if field is not None else form.form_errors).append(refused.message)


@bp.route("/setup/rhythm", methods=["GET", "POST"])
@requires(Permission.ADMIN)
def setup_rhythm():
    """How often returns are due: the rhythm in force, the cycles it gives, and a new one."""
    today = today_london()
    setup = setup_settings.current()
    schedule = setup_settings.schedule(setup)
    earliest = setup_settings.earliest_rhythm_start(today, setup)
    first = earliest is None  # a new tracker: its first rhythm may start any day
    earliest = earliest or today
    rhythm = setup.rhythm
    form = RhythmForm(
        data=None
        if request.method == "POST"
        else {
            "every": rhythm.every,
            "due_weekday": str(rhythm.due_weekday),
            "due_time": rhythm.due_time.strftime("%H:%M"),
        }
    )
    if request.method == "GET":
        form.starts_on.raw_data = [str(earliest.day), str(earliest.month), str(earliest.year)]
    if form.validate_on_submit():
        try:
            new = Rhythm(
                every=form.every.data,
                starts_on=form.starts_on.data,
                due_weekday=int(form.due_weekday.data),
                due_time=parse_time(form.due_time.data),
            )
            setup_settings.save_rhythm(new, today=today, actor_id=current_user.id, now=now_utc())
        except SetupError as refused:
            _refuse(form, refused)
        else:
            flash(f"Saved: from {new.starts_on:%-d %B %Y}, {new.label.lower()}.", "success")
            return redirect(url_for("admin.setup_rhythm"))
        setup = setup_settings.current()
        schedule = setup_settings.schedule(setup)
    current = schedule.number_for(today)
    first_shown = current or 1
    cycles = [schedule.cycle(n) for n in range(first_shown, first_shown + UPCOMING + 1)]
    errors = date_errors(form_errors(form), "starts_on") + [
        {"text": message, "href": "#every"} for message in form.form_errors
    ]
    return render_template(
        "admin/setup_rhythm.html",
        form=form,
        errors=errors,
        rhythms=schedule.rhythms,
        cycles=cycles,
        current=current,
        earliest=earliest,
        first=first,
        weekdays=WEEKDAYS,
    ), (400 if form.is_submitted() else 200)


@bp.route("/setup/self-evaluation", methods=["GET", "POST"])
@requires(Permission.ADMIN)
def setup_self_evaluation():
    """Whether a monthly self-evaluation is asked for, from when, due when, which sections."""
    sef = setup_settings.current().self_evaluation
    form = SelfEvaluationForm(
        data=None
        if request.method == "POST"
        else {
            "enabled": sef.enabled,
            "first_month": sef.first_month,
            "due_working_day": sef.due_working_day,
            "sections": list(sef.sections),
        }
        | {f"heading_{n}": h for n, (h, _) in enumerate(sef.own_sections, start=1)}
        | {f"hint_{n}": t for n, (_, t) in enumerate(sef.own_sections, start=1)}
    )
    if form.validate_on_submit():
        slots = form.own_slots()
        try:
            setup_settings.save_self_evaluation(
                SelfEvaluation(
                    enabled=bool(form.enabled.data),
                    first_month=form.first_month.data,
                    due_working_day=form.due_working_day.data,
                    sections=tuple(form.sections.data or ()),
                    own_sections=tuple((heading, hint) for _, heading, hint in slots),
                ),
                actor_id=current_user.id,
                now=now_utc(),
            )
        except SetupError as refused:
            _refuse(form, _in_place(refused, slots))
        else:
            flash("Saved: the monthly self-evaluation.", "success")
            return redirect(url_for("admin.setup_self_evaluation"))
    return render_template(
        "admin/setup_self_evaluation.html",
        form=form,
        errors=form_errors(form),
        sef=sef,
        slots=range(1, MAX_OWN_SECTIONS + 1),
    ), (400 if form.is_submitted() else 200)


def _in_place(refused: SetupError, slots: list[tuple[int, str, str]]) -> SetupError:
    """The domain counts the sections typed; the form's places may have gaps between them."""
    kind, _, number = refused.field.partition("_")
    if kind in ("heading", "hint") and number.isdigit() and 0 < int(number) <= len(slots):
        return SetupError(f"{kind}_{slots[int(number) - 1][0]}", refused.message)
    return refused


@bp.route("/setup/chasing", methods=["GET", "POST"])
@requires(Permission.ADMIN)
def setup_chasing():
    """When late returns are chased and who is told at each step."""
    chase = setup_settings.current().chasing
    form = ChasingForm(data=None if request.method == "POST" else chase.as_dict())
    if form.validate_on_submit():
        try:
            setup_settings.save_chasing(
                replace(
                    Chasing(),
                    remind_days_before=form.remind_days_before.data,
                    escalate_manager_after=form.escalate_manager_after.data,
                    escalate_chair_after=form.escalate_chair_after.data,
                    target_notice_days=form.target_notice_days.data,
                    chair_email=form.chair_email.data or None,
                ),
                actor_id=current_user.id,
                now=now_utc(),
            )
        except SetupError as refused:
            _refuse(form, refused)
        else:
            flash("Saved: chasing.", "success")
            return redirect(url_for("admin.setup_chasing"))
    return render_template("admin/setup_chasing.html", form=form, errors=form_errors(form)), (
        400 if form.is_submitted() else 200
    )


@bp.route("/setup/meetings", methods=["GET", "POST"])
@requires(Permission.ADMIN)
def setup_meetings():
    """When each kind of meeting usually meets: the planned meetings in calendar feeds."""
    setup = setup_settings.current()
    days = setup.meeting_days
    form = MeetingDaysForm(
        data=None
        if request.method == "POST"
        else {
            f"{kind}_{name}": value
            for kind in MEETING_KINDS
            for name, value in {
                "nth": str(days.of(kind).nth),
                "weekday": str(days.of(kind).weekday),
                "start": days.of(kind).start.strftime("%H:%M"),
                "minutes": days.of(kind).minutes,
            }.items()
        }
    )
    if form.validate_on_submit():
        try:
            new = MeetingDays(
                **{
                    kind: MeetingDay(
                        nth=int(form[f"{kind}_nth"].data),
                        weekday=int(form[f"{kind}_weekday"].data),
                        start=_start(form, kind),
                        minutes=form[f"{kind}_minutes"].data,
                    )
                    for kind in MEETING_KINDS
                }
            )
            setup_settings.save_meeting_days(new, actor_id=current_user.id, now=now_utc())
        except SetupError as refused:
            _refuse(form, refused)
        else:
            flash("Saved: the meetings' usual days.", "success")
            return redirect(url_for("admin.setup_meetings"))
    today = today_london()
    labels = kind_labels(setup.words)
    kinds = [
        {
            "code": kind,
            "label": labels[MeetingKind(kind)],
            "day": days.of(kind),
            "next": planned_meetings(kind, after=today, months=2, days=days)[:2],
        }
        for kind in MEETING_KINDS
    ]
    return render_template(
        "admin/setup_meetings.html", form=form, errors=form_errors(form), kinds=kinds
    ), (400 if form.is_submitted() else 200)


def _start(form, kind: str):
    """The start time typed, or a SetupError naming this kind's field."""
    try:
        return parse_time(form[f"{kind}_start"].data)
    except SetupError as refused:
        raise SetupError(f"{kind}_start", refused.message) from None
