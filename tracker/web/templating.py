"""Jinja set-up: GOV.UK Frontend macros, filters and what every page shows."""

from __future__ import annotations

from datetime import date, datetime

from flask import Flask, g
from flask_login import current_user
from govuk_frontend_wtf.main import WTFormsHelpers
from jinja2 import ChoiceLoader, FileSystemLoader, PackageLoader, PrefixLoader
from markupsafe import Markup
from werkzeug.local import LocalProxy

from tracker.clock import is_fixed_today, today_london
from tracker.domain.calendar import LONDON
from tracker.domain.measures import Status, describe_target, format_value
from tracker.domain.meetings import MeetingKind, kind_label, pack_name
from tracker.domain.permissions import Permission, Role
from tracker.domain.sef import month_label
from tracker.domain.setup import role_label
from tracker.domain.states import (
    IMPACT_LABELS,
    LIFECYCLE_LABELS,
    RAG_LABELS,
    Impact,
    Lifecycle,
    Rag,
    status_colour,
)
from tracker.http.requests import request_plans
from tracker.services.access import settings as setup_settings
from tracker.web.access import allowed


def init_app(app: Flask) -> None:
    app.jinja_loader = ChoiceLoader(
        [
            FileSystemLoader(app.template_folder),  # type: ignore[arg-type]
            PrefixLoader(
                {
                    "govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja"),
                    "govuk_frontend_wtf": PackageLoader("govuk_frontend_wtf"),
                }
            ),
        ]
    )
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    WTFormsHelpers(app)
    # The organisation's names for its board, group and scrutiny body, read when a page first
    # names them: a global, so the macros a page imports (without its context) have them too.
    app.jinja_env.globals["words"] = WORDS
    app.jinja_env.globals["region_id"] = region_id
    app.jinja_env.filters.update(
        long_date=long_date,
        iso_long_date=iso_long_date,
        london_time=london_time,
        london_clock=london_clock,
        month_label=month_label,
        day_month=day_month,
        from_iso=from_iso,
        lifecycle_label=lifecycle_label,
        rag_label=rag_label,
        impact_label=impact_label,
        colour=status_colour,
        rag_tag=rag_tag,
        overdue_tag=overdue_tag,
        awaiting_tag=awaiting_tag,
        status_cell=status_cell,
        measure_value=format_value,
        measure_target=describe_target,
        measure_status_tag=measure_status_tag,
    )

    @app.context_processor
    def page_context() -> dict:
        return {
            "today": today_london(),
            "demo_mode": app.config.get("DEMO_MODE", False),
            "fixed_today": is_fixed_today(),
            "can": allowed,
            # The plans, for the menu (loaded with the person who is signed in).
            "request_plans": request_plans,
            # The organisation's set-up (issue 20.2), read only if the page uses it: it comes
            # with the person signed in, so their pages run no statement for it.
            "setup": LocalProxy(setup_settings.current),
            "Permission": Permission,
            "Role": Role,
            "Lifecycle": Lifecycle,
            "Rag": Rag,
            "Impact": Impact,
            # No one is signed in outside a request (the command line's board pack).
            "role_label": LocalProxy(lambda: WORDS.role(current_user.role))
            if getattr(current_user, "is_authenticated", False)
            else "",
        }


class PageWords:
    """The organisation's words (`settings.current().words`) for templates, read the first time
    a page names them: a page that never does runs no statement for them."""

    def __getattr__(self, name: str) -> str:
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(setup_settings.current().words, name)

    def meeting(self, kind: MeetingKind | str) -> str:
        """A kind of meeting in the organisation's words."""
        return kind_label(kind, setup_settings.current().words)

    def pack(self, kind: MeetingKind | str) -> str:
        """What a meeting's pack is called."""
        return pack_name(kind, setup_settings.current().words)

    def role(self, role: Role | str) -> str:
        """A role's name, an area's head named with the organisation's word for an area."""
        return role_label(role, setup_settings.current().words)


WORDS = PageWords()


def long_date(value: date | datetime | None) -> str:
    if value is None:
        return "Not set"
    if isinstance(value, datetime):
        value = value.astimezone(LONDON).date()
    return f"{value.strftime('%A')} {value.day} {value.strftime('%B %Y')}"


def from_iso(value: str | date | None) -> date | datetime | None:
    """A date or moment written as ISO 8601 (the dashboard snapshot's plain values)."""
    if value is None or isinstance(value, date):
        return value
    return datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)


def day_month(value: str | date | datetime | None) -> str:
    """ "5 Feb", for chart labels (a moment as its London day)."""
    day = from_iso(value)
    if day is None:
        return ""
    if isinstance(day, datetime):
        day = day.astimezone(LONDON).date()
    return f"{day.day} {day.strftime('%b')}"


def iso_long_date(value: str | None) -> str:
    """A date kept as text in a history row (2025-03-27), written out as `long_date` does."""
    return long_date(date.fromisoformat(value)) if value else "Not set"


def london_time(value: datetime | None) -> str:
    if value is None:
        return ""
    local = value.astimezone(LONDON)
    return f"{local.day} {local.strftime('%B %Y')} at {local.strftime('%H:%M')}"


def london_clock(value: datetime | None) -> str:
    """The London wall-clock time, as in "12:00"."""
    return value.astimezone(LONDON).strftime("%H:%M") if value is not None else ""


# Keyed by the stored string: long tables call these once a row, so no enum is built per call.
_LIFECYCLE_LABELS = {lifecycle.value: label for lifecycle, label in LIFECYCLE_LABELS.items()}


def lifecycle_label(value: str | None) -> str:
    if not value:
        return ""
    try:
        return _LIFECYCLE_LABELS[value]
    except KeyError:
        raise ValueError(f"{value!r} is not a lifecycle") from None


def _tag(colour: str, text: str) -> Markup:
    return Markup('<strong class="govuk-tag govuk-tag--{} tracker-tag">{}</strong>').format(
        colour, text
    )


# The GOV.UK tag for a RAG rating (macros/status.html's rag_tag calls this): a filter, not a
# macro, because a macro call per row was a measurable part of rendering a long plan.
_RAG_TAGS = {
    "red": _tag("red", "Red"),
    "amber": _tag("orange", "Amber"),
    "green": _tag("green", "Green"),
}
_LIFECYCLE_TAGS = {
    "closed_evidenced": _tag("blue", "Blue: closed with evidence"),
    "superseded": _tag("grey", "None: superseded"),
}
_NO_RAG = Markup("<span>None</span>")
_OVERDUE = _tag("pink", "Overdue")


def rag_tag(rag: str | None, lifecycle: str | None = None) -> Markup:
    tag = _LIFECYCLE_TAGS.get(lifecycle) if lifecycle else None
    return tag or _RAG_TAGS.get(rag, _NO_RAG)  # type: ignore[arg-type]


def overdue_tag(overdue: bool) -> Markup | str:
    return _OVERDUE if overdue else "No"


def awaiting_tag(working_days: int) -> Markup:
    """Complete and awaiting sign-off, with its age: waiting work, shown instead of 'Overdue' or
    'Update this cycle' (the lead has finished; the sign-off is the chair's)."""
    unit = "working day" if working_days == 1 else "working days"
    return _tag("grey", f"Awaiting sign-off, {working_days} {unit}")


def status_cell(row) -> Markup | str:
    """A list's 'Overdue' cell: overdue open work, waiting work with its age, or 'No'."""
    if row.awaiting_since is not None:
        return awaiting_tag(row.working_days_awaiting)
    return overdue_tag(row.overdue)


def rag_label(value: str | None) -> str:
    return RAG_LABELS[Rag(value)] if value else "None (closed)"


def impact_label(value: str | None) -> str:
    return IMPACT_LABELS[Impact(value)] if value else ""


_MEASURE_TAGS = {s: _tag(s.colour, s.value) for s in Status}  # the contract's own words
_NO_VALUE = Markup('<strong class="govuk-tag govuk-tag--grey tracker-tag">No value</strong>')


def measure_status_tag(status: Status | str | None) -> Markup:
    """A measure's status as a GOV.UK tag: in words as well as colour."""
    return _MEASURE_TAGS[Status(status)] if status else _NO_VALUE


def region_id() -> str:
    """A fresh id on this page (`table-1`, `table-2`...): a wide table's scrolling region is
    named by its caption (`aria-labelledby`), and the same template may draw several, in loops
    and macros, so the id is counted per request, not written in the template."""
    count = g.get("_region_ids", 0) + 1
    g._region_ids = count
    return f"table-{count}"
