"""Contract measures: the scorecard, a measure's page, entering and uploading values, and the
quarterly report."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from tracker.clock import now_utc, today_london
from tracker.domain import measures as rules
from tracker.domain.measures import MeasureError, Quarter, Status
from tracker.domain.permissions import Permission
from tracker.http.edge import takes_files
from tracker.http.measures import read_kind, read_when
from tracker.http.report_files import report_context
from tracker.services.access import settings as setup_settings
from tracker.services.errors import BadFilter, NotFound
from tracker.services.performance import measures as measure_service
from tracker.services.performance.reports import build_quarterly_report
from tracker.services.reads import measures as reads
from tracker.web.access import requires
from tracker.web.clean_query import drops_empty_values
from tracker.web.form_helpers import form_errors
from tracker.web.measures.forms import TargetForm, UploadForm, ValueForm

bp = Blueprint("measures", __name__, url_prefix="/measures")


def _small_cohort() -> int:
    return current_app.config["MEASURE_SMALL_COHORT"]


def _quarters(today) -> list[Quarter]:
    """Quarters from the first with values to the current one, newest first."""
    out, q = [], rules.quarter_of(rules.month_of(today))
    configured = current_app.config.get("MEASURES_FIRST_QUARTER")
    if configured:
        first = rules.parse_quarter(configured)
    else:
        # Unset: the quarter of the first value recorded, or of the tracker's first update cycle
        # if that is earlier (no demo's date); a council's earlier figures stay in reach.
        month = rules.month_of(setup_settings.current().rhythms[0].starts_on)
        earliest = reads.earliest_value_month()
        first = rules.quarter_of(min(month, rules.month_of(earliest)) if earliest else month)
    while q >= first:
        out.append(q)
        q = q.previous()
    return out


@bp.get("")
@requires(Permission.READ_PLAN)
@drops_empty_values
def scorecard():
    """Every measure for a quarter (or a month), grouped by area like the report's Appendix A."""
    today = today_london()
    error = error_field = None
    try:
        kind = read_kind(request.args)
        when = read_when(request.args, today)
    except BadFilter as exc:
        error, error_field, kind = exc.message, exc.parameter, None
        when = rules.last_complete_quarter(today)
    card = reads.get_scorecard(when, kind=kind, small_cohort_below=_small_cohort())
    counts = card.counts()
    quarter = when if isinstance(when, Quarter) else rules.quarter_of(when)
    return render_template(
        "measures/scorecard.html",
        scorecard=card,
        counts=[(s, counts[s]) for s in Status],
        quarters=_quarters(today),
        chosen_quarter=quarter.text,
        chosen_period=request.args.get("period", "")
        if not isinstance(when, Quarter) or error
        else "",
        kind=kind,
        report_quarter=quarter.text,
        report_label=quarter.label,
        small_cohort=_small_cohort(),
        error=error,
        error_field=error_field,
    ), (400 if error else 200)


@bp.get("/<code>")
@requires(Permission.READ_PLAN)
def show(code: str):
    return _measure_page(code, TargetForm(formdata=None))


def _measure_page(code: str, form: TargetForm, status: int = 200):
    try:
        detail = reads.get_measure(code, today=today_london(), small_cohort_below=_small_cohort())
    except NotFound:
        abort(404)
    return render_template(
        "measures/measure.html",
        m=detail,
        form=form,
        errors=form_errors(form),
        small_cohort=_small_cohort(),
    ), status


@bp.post("/<code>/targets")
@requires(Permission.MANAGE_MEASURES)
def set_target(code: str):
    """A target change from the annual contract review: a new row from a month, never an edit."""
    form = TargetForm()
    if form.validate_on_submit():
        try:
            measure_service.set_target(code, form.fields(), actor_id=current_user.id, now=now_utc())
        except measure_service.ValueRejected as exc:
            if "measure" in exc.errors:
                abort(404)
            for name, message in exc.errors.items():
                getattr(form, name).errors = [message]
        else:
            flash(f"New target for {code} recorded from {form.effective_from.data}.", "success")
            return redirect(url_for("measures.show", code=code, _anchor="targets"))
    return _measure_page(code, form, 400)


@bp.route("/values/new", methods=["GET", "POST"])
@requires(Permission.MANAGE_MEASURES)
def enter_value():
    """A performance officer enters one month's value and narrative for a measure."""
    form = ValueForm()
    form.measure.choices = [SelectChoice("", "Choose a measure")] + [
        SelectChoice(code, f"{code} {title}") for code, title in reads.list_measure_codes()
    ]
    if request.method == "GET" and request.args.get("measure"):
        form.measure.data = request.args["measure"]
    if form.validate_on_submit():
        try:
            saved = measure_service.record_value(
                form.measure.data or "",
                form.fields(),
                actor_id=current_user.id,
                now=now_utc(),
                today=today_london(),
            )
        except measure_service.ValueRejected as exc:
            for name, message in exc.errors.items():
                getattr(form, name).errors = [message]
        else:
            flash(
                f"{saved.measure.code} for {rules.period_label(saved.period)} saved: "
                f"{rules.format_value(saved.entry.value, saved.measure.unit)}.",
                "success",
            )
            return redirect(url_for("measures.show", code=saved.measure.code))
    errors = form_errors(form)
    return render_template("measures/enter.html", form=form, errors=errors), (
        400 if errors else 200
    )


@bp.route("/values/upload", methods=["GET", "POST"])
@takes_files
@requires(Permission.MANAGE_MEASURES)
def upload_values():
    """A CSV of values: checked row by row; saved all together or not at all."""
    form = UploadForm()
    result = None
    dry_run = True
    if form.validate_on_submit():
        dry_run = not form.upload.data
        content = form.file.data.read(current_app.config["MAX_CONTENT_LENGTH"] + 1)
        result = measure_service.import_values(
            content,
            dry_run=dry_run,
            actor_id=current_user.id,
            now=now_utc(),
            today=today_london(),
        )
        if result.written:
            flash(
                f"{len(result.rows)} values saved ({len(result.rows) - result.replacing} new, "
                f"{result.replacing} replaced).",
                "success",
            )
            return redirect(url_for("measures.scorecard"))
    errors = form_errors(form)
    if result and result.errors:
        errors += [
            {"text": f"Line {line}: {message}", "href": "#row-errors"}
            for line, message in result.errors[:10]
        ]
    return render_template(
        "measures/upload.html", form=form, errors=errors, result=result, dry_run=dry_run
    ), (400 if errors else 200)


@bp.get("/reports/quarterly/<quarter>")
@requires(Permission.READ_PLAN)
def quarterly_report(quarter: str):
    """The quarterly scrutiny report, as a page, with its PDF and Word versions."""
    try:
        q = rules.parse_quarter(quarter)
        report = build_quarterly_report(
            q,
            today=today_london(),
            now=now_utc(),
            small_cohort_below=_small_cohort(),
            sef_first_month=setup_settings.current().self_evaluation.first_month,
            sef_due_working_day=setup_settings.current().self_evaluation.due_working_day,
        )
    except MeasureError as exc:
        abort(404, description=str(exc))
    return render_template("reports/quarterly.html", **report_context(report))
