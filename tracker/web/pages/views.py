from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template
from flask_login import current_user

from tracker.clock import now_utc, today_london
from tracker.domain.frameworks import FindingKind
from tracker.domain.permissions import Permission
from tracker.services.access import settings as setup_settings
from tracker.services.errors import NotFound
from tracker.services.governance import challenges as challenge_service
from tracker.services.plan import home as home_service
from tracker.services.plan import queries
from tracker.services.reads.inspections import list_events
from tracker.services.reads.plan_changes import count_rebaselined
from tracker.web import listing
from tracker.web.access import actor_for, public, requires
from tracker.web.as_at import as_at_from_request

bp = Blueprint("pages", __name__)


@bp.get("/")
@requires(Permission.READ_PLAN)
def home():
    """Everyone's starting page: their own work, each count a link to the list it counts."""
    today = today_london()
    org = current_user.organisation
    view = home_service.get_home(
        actor_for(current_user),
        organisation_code=org.code,
        organisation_kind=org.kind,
        organisation_name=org.name,
        today=today,
        now=now_utc(),
        cycle=listing.current_cycle(today),
        sef_first_month=setup_settings.current().self_evaluation.first_month,
        sef_due_working_day=setup_settings.current().self_evaluation.due_working_day,
    )
    actor = actor_for(current_user)
    # Challenges waiting for this person's response (one statement; the board answers none).
    awaiting = (
        []
        if actor is None or actor.role in ("admin", "viewer")
        else challenge_service.awaiting_me(actor)
    )
    return render_template("pages/home.html", view=view, challenges_awaiting=awaiting)


@bp.get("/overview")
@requires(Permission.READ_PLAN)
def overview():
    today = today_london()
    as_at, as_at_day = as_at_from_request()
    effective_today = as_at_day or today
    progress = queries.get_progress(today=effective_today, as_at=as_at)
    anchor = current_app.config["DEADLINE_ANCHOR"]
    inspections = queries.list_inspections()
    events = list_events(
        progress,
        inspections,
        rule_days=current_app.config["DEADLINE_WORKING_DAYS"],
        default_anchor=anchor,
    )
    inspection = inspections[0] if inspections else None
    # The first inspection's deadline, by its framework's rule (none for a visit that asks
    # for no plan).
    deadline = events[0].deadline if events else None
    return render_template(
        "pages/overview.html",
        summaries=progress.findings,
        totals=progress.plan.as_totals(),
        events=events,
        inspection=inspection,
        deadline=deadline,
        plans=queries.list_plans(),
        as_at_day=as_at_day,
        effective_today=effective_today,
        # Target dates are not kept 'as at': the re-baselined count is only shown for now.
        rebaselined=None if as_at_day else count_rebaselined(),
    )


@bp.get("/recommendations/<ref>")
@requires(Permission.READ_PLAN)
def recommendation(ref: str):
    try:
        rec = queries.get_recommendation(ref)
    except NotFound:
        abort(404)
    today = today_london()
    as_at, as_at_day = as_at_from_request()
    rows, _ = queries.list_actions(
        today=as_at_day or today,
        filters=queries.PlanFilters(recommendation=rec.ref, sort="recommendation"),
        as_at=as_at,
    )
    return render_template(
        "pages/recommendation.html",
        rec=rec,
        kind_label=FindingKind(rec.kind).label,  # a finding of any kind, not only a recommendation
        rows=rows,
        as_at_day=as_at_day,
    )


@bp.get("/accessibility")
@public
def accessibility():
    return render_template("pages/accessibility.html")
