"""Contract measures and the quarterly report: `/api/v1/measures` and the report's files."""

from __future__ import annotations

from decimal import Decimal

from flask import Response, current_app, jsonify, request
from flask_login import current_user

from tracker.api.views import api_requires, bp, read_paging
from tracker.clock import now_utc, today_london
from tracker.domain import measures as rules
from tracker.domain.measures import MeasureError, Quarter
from tracker.domain.permissions import Permission
from tracker.http.measures import read_kind, read_when
from tracker.http.report_files import report_docx, report_pdf
from tracker.http.requests import PER_PAGE
from tracker.services.access import settings as setup_settings
from tracker.services.errors import BadFilter
from tracker.services.performance.reports import build_quarterly_report
from tracker.services.platform.audit import record_event
from tracker.services.reads.measures import MeasureRow, get_scorecard

MEASURE_PARAMS = {"period", "quarter", "kind", "page", "per_page"}
MEDIA_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


def _number(value: Decimal | None) -> int | float | None:
    """A stored decimal as a JSON number (exact: at most 2 decimal places)."""
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def measure_json(row: MeasureRow) -> dict:
    return {
        "code": row.code,
        "title": row.title,
        "area": row.area.value,
        "kind": row.kind,
        "polarity": row.polarity,
        "unit": row.unit,
        "target": _number(row.target),
        "tolerance": _number(row.tolerance),
        "value": _number(row.value),
        "numerator": _number(row.numerator),
        "denominator": _number(row.denominator),
        "status": row.status.value if row.status else None,
    }


@bp.get("/v1/measures")
@api_requires(Permission.READ_PLAN)
def measures():
    unknown = sorted(set(request.args) - MEASURE_PARAMS)
    if unknown:
        raise BadFilter(unknown[0], f"{unknown[0]} is not a filter this list understands")
    when = read_when(request.args, today_london())
    scorecard = get_scorecard(
        when,
        kind=read_kind(request.args),
        small_cohort_below=current_app.config["MEASURE_SMALL_COHORT"],
    )
    paging = read_paging(PER_PAGE)
    rows = scorecard.rows[paging.offset : paging.offset + paging.per_page]
    return jsonify(
        paging.body(
            [measure_json(r) for r in rows],
            len(scorecard.rows),
            label=scorecard.label,
            **{"quarter" if isinstance(when, Quarter) else "period": scorecard.text},
        )
    )


@bp.get("/v1/reports/quarterly/<quarter>.<any(pdf, docx):fmt>")
@api_requires(Permission.READ_PLAN)
def quarterly_report(quarter: str, fmt: str):
    today = today_london()
    try:
        q = rules.parse_quarter(quarter)
        report = build_quarterly_report(
            q,
            today=today,
            now=now_utc(),
            small_cohort_below=current_app.config["MEASURE_SMALL_COHORT"],
            sef_first_month=setup_settings.current().self_evaluation.first_month,
            sef_due_working_day=setup_settings.current().self_evaluation.due_working_day,
        )
    except MeasureError as exc:
        raise BadFilter("quarter", str(exc)) from None
    content = report_pdf(report) if fmt == "pdf" else report_docx(report)
    record_event(
        "report_generated",
        now=now_utc(),
        user_id=current_user.id,
        target=f"quarterly/{q.text}.{fmt}",
        remote_addr=request.remote_addr or "",
    )
    filename = f"quarterly-performance-{q.text}.{fmt}"
    return Response(
        content,
        mimetype=MEDIA_TYPES[fmt],
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )
