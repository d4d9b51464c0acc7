"""Reading dates and cycles for a request, the same for pages and the API."""

from __future__ import annotations

from datetime import date, datetime

from flask import g

from tracker.clock import end_of_london_day_utc
from tracker.services.access import settings as setup_settings
from tracker.services.governance.dashboard import DashboardSettings
from tracker.services.reads.reference import PlanChoice, list_plan_choices

# A page of a long list of actions, on the pages and in the API's overdue list.
PER_PAGE = 100


def request_plans() -> list[PlanChoice]:
    """The plans, read once a request: with the person a session names (tracker/security.py),
    or in one statement of their own (a bearer token, a page for anyone)."""
    if "plans" not in g:
        g.plans = list_plan_choices()
    return g.plans


def plan_codes() -> list[str]:
    """The plans' codes, which a plan filter must be one of."""
    return [p.code for p in request_plans()]


def current_cycle(day: date) -> int | None:
    """The number of the update cycle holding `day` (None before the first one)."""
    return setup_settings.schedule().number_for(day)


def parse_as_at(value: str | None) -> tuple[datetime | None, date | None]:
    """The API's strict form, `YYYY-MM-DD`: raise ValueError with a readable message."""
    if not value:
        return None, None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise ValueError("as_at must be a date in the format YYYY-MM-DD") from None
    return end_of_london_day_utc(day), day


def dashboard_settings() -> DashboardSettings:
    """The settings the chair's dashboard is worked out with: the set-up in force."""
    setup = setup_settings.current()
    return DashboardSettings(
        cycle_start=setup_settings.schedule(setup),
        sef_first_month=setup.self_evaluation.first_month,
        sef_due_working_day=setup.self_evaluation.due_working_day,
        sef_enabled=setup.self_evaluation.enabled,
    )
