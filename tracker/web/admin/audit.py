"""The admin's audit log: every event in words, filtered and paged, and the same as CSV."""

from __future__ import annotations

from datetime import date

from flask import Response, abort, redirect, render_template, request, stream_with_context, url_for
from flask_login import current_user

from tracker.clock import now_utc
from tracker.domain.calendar import LONDON
from tracker.domain.dates import DATE_FORMAT_HINT, parse_day
from tracker.domain.permissions import Permission
from tracker.services.errors import BadFilter
from tracker.services.exchange.exports import record_export
from tracker.services.platform import audit_log
from tracker.web import listing
from tracker.web.access import requires
from tracker.web.admin.views import bp
from tracker.web.clean_query import drops_empty_values
from tracker.web.search.views import _pagination as search_pagination


def _audit_filters(
    directory: audit_log.Directory,
) -> tuple[audit_log.AuditFilters, int, dict[str, str], list[dict[str, str]]]:
    """The audit page's filters from the query string: (filters, page, the values as typed,
    the error summary's list)."""
    typed = {k: (request.args.get(k) or "").strip()[:100] for k in AUDIT_ARGS}
    errors: list[dict[str, str]] = []
    person_id = None
    if typed["person"]:
        if typed["person"].isdecimal() and len(typed["person"]) <= 12:
            person_id = int(typed["person"])
        else:
            errors.append({"text": "Choose a person from the list", "href": "#person"})
    days: dict[str, date | None] = {"from": None, "to": None}
    for name in days:
        if typed[name]:
            try:
                days[name] = parse_day(typed[name])
            except ValueError:
                errors.append(
                    {"text": f"Enter the ‘{name}’ date as {DATE_FORMAT_HINT}", "href": f"#{name}"}
                )
    filters = audit_log.AuditFilters(
        person_id=person_id,
        kind=typed["kind"] or None,
        from_day=days["from"],
        to_day=days["to"],
    )
    try:
        audit_log.check_filters(filters, directory.people)
    except BadFilter as exc:
        if not any(e["href"] == f"#{exc.parameter}" for e in errors):
            errors.append({"text": exc.message, "href": f"#{exc.parameter}"})
    page = 1
    try:
        page = listing.read_page()
    except BadFilter as exc:
        errors.append({"text": exc.message, "href": "#person"})
    return filters, page, typed, errors


AUDIT_ARGS = ("person", "kind", "from", "to")


@bp.get("/audit")
@requires(Permission.ADMIN)
@drops_empty_values
def audit():
    """The audit log in words, newest first, 50 a page: filtered by who did it or whom it was
    about, by kind and by London days."""
    directory = audit_log.get_directory()
    filters, page, typed, errors = _audit_filters(directory)
    chosen = {k: v for k, v in typed.items() if v}
    events = None
    pagination = None
    if not errors:
        events = audit_log.list_events(filters, directory, page=page)
        pages = listing.Pages(page=page, total=events.total, per_page=audit_log.PER_PAGE)
        if page > pages.count:
            return redirect(url_for("admin.audit", **chosen, page=pages.count))
        pagination = search_pagination(pages, lambda n: url_for("admin.audit", **chosen, page=n))
        if pagination:
            pagination["landmarkLabel"] = "Pages of the audit log"
    return render_template(
        "admin/audit.html",
        events=events,
        pages=pages if events is not None else None,
        pagination=pagination,
        typed=typed,
        chosen=chosen,
        errors=errors,
        people=directory.people,
        kinds=audit_log.kind_choices(),
    ), (400 if errors else 200)


@bp.get("/audit.csv")
@requires(Permission.ADMIN)
def audit_csv():
    """The same events as the page (the same filters, every page) as CSV; recorded as an export."""
    directory = audit_log.get_directory()
    filters, _, typed, errors = _audit_filters(directory)
    if errors:
        abort(400, description=" ".join(e["text"] for e in errors))
    chosen = {k: v for k, v in typed.items() if v}
    now = now_utc()
    record_export(
        "audit.csv",
        {"format": "csv", "filters": chosen},
        user_id=current_user.id,
        now=now,
        remote_addr=request.remote_addr or "",
    )
    filename = f"audit-log-{now.astimezone(LONDON).date().isoformat()}.csv"
    return Response(
        stream_with_context(audit_log.csv_chunks(filters, directory)),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )
