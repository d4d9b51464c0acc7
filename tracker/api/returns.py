"""The fortnightly cycles and each locality's return for a cycle."""

from __future__ import annotations

from flask import jsonify

from tracker.api.serialise import cycle_json, return_json
from tracker.api.views import api_requires, bp, page_of
from tracker.clock import now_utc, today_london
from tracker.domain.permissions import Permission
from tracker.http.problems import problem
from tracker.services.access import settings as setup_settings
from tracker.services.errors import NotFound
from tracker.services.loop import returns as return_service


def _current_number() -> int | None:
    return return_service.current_cycle_number(today_london(), setup_settings.schedule())


@bp.get("/v1/cycles")
@api_requires(Permission.READ_PLAN)
def cycles():
    current = _current_number()
    return jsonify(
        page_of([cycle_json(c, current=c.number == current) for c in return_service.list_cycles()])
    )


@bp.get("/v1/cycles/current")
@api_requires(Permission.READ_PLAN)
def current_cycle():
    current = _current_number()
    for cycle in return_service.list_cycles():
        if cycle.number == current:
            return jsonify(cycle_json(cycle, current=True))
    return problem(404, "No update cycle is open today.")


@bp.get("/v1/localities/<locality>/returns/<int:cycle_number>")
@api_requires(Permission.READ_PLAN)
def locality_return(locality: str, cycle_number: int):
    try:
        view = return_service.get_return(
            locality, cycle_number, today=today_london(), now=now_utc()
        )
    except NotFound:
        area = setup_settings.current().words.area_lower
        return problem(404, f"There is no return for {area} {locality} in cycle {cycle_number}.")
    return jsonify(return_json(view))
