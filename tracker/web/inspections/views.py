"""The inspection: its judgements, the statutory deadline worked out in full, and whether the
action plan has been sent to Ofsted."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_login import current_user

from tracker.clock import now_utc, today_london
from tracker.domain.deadlines import weekdays_only_after
from tracker.domain.permissions import Permission
from tracker.services import inspection as inspection_service
from tracker.services import queries
from tracker.web.access import actor_for, requires
from tracker.web.form_helpers import form_errors
from tracker.web.inspections.forms import PlanSentForm

bp = Blueprint("inspections", __name__)


@bp.get("/inspection")
@requires(Permission.READ_PLAN)
def show():
    inspection = queries.get_inspection()
    if inspection is None:
        abort(404)
    deadline = queries.get_deadline(inspection, current_app.config["DEADLINE_ANCHOR"])
    return render_template(
        "inspections/show.html",
        inspection=inspection,
        deadline=deadline,
        weekdays_only=weekdays_only_after(deadline.anchor_date, deadline.working_days),
        calendar_days=deadline.anchor_date + timedelta(days=deadline.working_days),
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
