"""The monthly self-evaluations (SEFs): every area's status by month, and one area's SEF for one
month with its versions, as the SEF pages show them. Drafts are read only by those who may read
them on the pages (the area's head, their deputy and the administrator)."""

from __future__ import annotations

from typing import Any

from flask import jsonify, request
from flask_login import current_user

from tracker.api.views import api_requires, bp, page_of
from tracker.clock import today_london
from tracker.domain import sef as sef_rules
from tracker.domain.permissions import Permission
from tracker.http.access import actor_for
from tracker.http.problems import problem
from tracker.services.access import settings as setup_settings
from tracker.services.errors import BadFilter, NotFound
from tracker.services.loop import sefs as sef_service

_NONE_ASKED = "No monthly self-evaluation is asked for: the administrator has turned SEFs off."


def _cell_json(cell: sef_service.SefCell) -> dict[str, Any]:
    return {
        "locality": cell.locality_code,
        "locality_name": cell.locality_name,
        "month": cell.month,
        "due_on": cell.due_on.isoformat(),
        "status": cell.status.value,
        "asked": cell.asked,
        "retired": cell.retired,
        "versions": cell.versions,
        "last_saved_at": cell.last_saved_at.isoformat() if cell.last_saved_at else None,
    }


def _version_json(v: sef_service.SefVersionView) -> dict[str, Any]:
    return {
        "version": v.version,
        "status": v.status,
        "late": v.late,
        "saved_at": v.saved_at.isoformat(),
        "author": v.author_name,
        "self_grade": v.values.get(sef_rules.SELF_GRADE) or None,
        "answers": {name: v.values.get(name, "") for name in sef_rules.TEXT_FIELDS},
        "own_sections": [{"heading": o.heading, "answer": o.answer} for o in v.own],
    }


@bp.get("/v1/sefs")
@api_requires(Permission.READ_PLAN)
def sef_grid():
    """Every area's SEF status for each month from the first asked to this one, newest month
    first (`locality` narrows to one area): two statements."""
    unknown = sorted(set(request.args) - {"locality", "page", "per_page"})
    if unknown:
        raise BadFilter(unknown[0], f"{unknown[0]} is not a filter this API understands")
    setup = setup_settings.current().self_evaluation
    if not setup.enabled:
        return problem(404, _NONE_ASKED)
    today = today_london()
    locality = request.args.get("locality") or None
    months = sef_rules.sef_months(setup.first_month, today)
    grid = sef_service.list_sef_grid(
        months, today, locality=locality, due_working_day=setup.due_working_day
    )
    if locality is not None and months and not any(row.cells for row in grid):
        area = setup_settings.current().words.area_lower
        raise BadFilter("locality", f"There is no {area} with the code {locality[:40]}")
    return jsonify(page_of([_cell_json(cell) for row in grid for cell in row.cells], 100))


@bp.get("/v1/localities/<locality>/sefs/<month>")
@api_requires(Permission.READ_PLAN)
def locality_sef(locality: str, month: str):
    """One area's SEF for one month with its versions, oldest first: submitted ones for
    everyone, drafts too for those who may read them."""
    setup = setup_settings.current().self_evaluation
    if not setup.enabled:
        return problem(404, _NONE_ASKED)
    today = today_london()
    area = setup_settings.current().words.area_lower
    gone = f"There is no SEF for {area} {locality[:40]} for {month[:10]}."
    if not sef_rules.is_sef_month(month, setup.first_month, today):
        return problem(404, gone)
    actor = actor_for(current_user)
    try:
        sef = sef_service.get_sef(
            locality,
            month,
            today=today,
            due_working_day=setup.due_working_day,
            drafts_visible=sef_service.may_read_drafts(actor, locality),
        )
    except NotFound:
        return problem(404, gone)
    return jsonify(
        {
            "locality": sef.locality_code,
            "locality_name": sef.locality_name,
            "month": sef.month,
            "due_on": sef.due_on.isoformat(),
            "status": sef.status.value,
            "versions": [_version_json(v) for v in sef.versions],
        }
    )
