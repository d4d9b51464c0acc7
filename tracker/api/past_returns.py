"""Past returns: each locality's list of returns, every locality's, and one return as submitted
(from the history, with amended entries and both versions). Its head and deputy read a
locality's; the board (return_history.READS_EVERY_RETURN) reads every one."""

from __future__ import annotations

from typing import Any

from flask import jsonify, request
from flask_login import current_user

from tracker.api.serialise import _utc
from tracker.api.views import api_requires, bp, page_of
from tracker.clock import now_utc, today_london
from tracker.domain.permissions import Permission
from tracker.http.access import actor_for, refuse
from tracker.http.problems import problem
from tracker.services.access import settings as setup_settings
from tracker.services.access.settings import current as current_setup
from tracker.services.errors import NotFound
from tracker.services.loop import return_history
from tracker.services.loop import returns as return_service


def _refused() -> str:
    words = current_setup().words
    return (
        f"Only the {words.area_lower}'s head and deputy, chairs, {words.group_short} members and "
        f"the administrator read {words.an_area}'s past returns."
    )


def _upto() -> int:
    return return_service.current_cycle_number(today_london(), setup_settings.schedule()) or 0


def past_return_json(r: return_history.PastReturn) -> dict[str, Any]:
    return {
        "locality": r.locality_code,
        "cycle": r.cycle_number,
        "due_at": _utc(r.due_at),
        "status": r.status,
        "submitted_at": _utc(r.submitted_at),
        "submitted_by": r.submitted_by,
        "amended_at": _utc(r.amended_at),
        "amended_by": r.amended_by,
        "late": r.late,
        "overdue": r.overdue,
        "reopened": r.reopened,
    }


def _entry_json(v: return_history.EntryVersion) -> dict[str, Any]:
    return {
        "version": v.version,
        "recorded_at": _utc(v.recorded_at),
        "author": v.author,
        "cause": v.cause,
        "lifecycle": v.lifecycle.value,
        "rag": v.rag.value if v.rag else None,
        "impact": v.impact.value,
        "summary": v.summary,
        "reason": v.reason,
        "evidence": v.evidence,
        "no_change": v.no_change,
    }


def submitted_return_json(v: return_history.SubmittedReturn) -> dict[str, Any]:
    return {
        "locality": v.locality_code,
        "cycle": v.cycle_number,
        "due_at": _utc(v.due_at),
        "submitted_at": _utc(v.submitted_at),
        "submitted_by": v.submitted_by,
        "late": v.late,
        "amended_at": _utc(v.amended_at),
        "amended_by": v.amended_by,
        "actions": [
            {
                "ref": line.ref,
                "title": line.title,
                "amended": line.amended,
                "submitted": _entry_json(line.submitted),
                "amendments": [_entry_json(a) for a in line.amendments],
            }
            for line in v.lines
        ],
    }


def _may_read(locality: str) -> None:
    if not return_history.may_read_returns(actor_for(current_user), locality):
        refuse(Permission.SUBMIT_RETURN, request.path, detail=_refused())


@bp.get("/v1/returns")
@api_requires(Permission.READ_PLAN)
def all_returns():
    """Every locality's returns, newest cycle first: for whoever reads every return."""
    if not return_history.reads_every_return(actor_for(current_user)):
        refuse(
            Permission.SUBMIT_RETURN,
            request.path,
            detail=f"Only chairs, {current_setup().words.group_short} members and the "
            f"administrator read every {current_setup().words.area_lower}'s returns.",
        )
    rows = return_history.list_past_returns(locality_code=None, upto=_upto(), now=now_utc())
    return jsonify(page_of([past_return_json(r) for r in rows]))


@bp.get("/v1/localities/<locality>/returns")
@api_requires(Permission.READ_PLAN)
def locality_returns(locality: str):
    """A locality's returns, newest cycle first."""
    _may_read(locality)
    try:
        rows = return_history.list_past_returns(locality_code=locality, upto=_upto(), now=now_utc())
    except NotFound:
        return problem(404, f"There is no {current_setup().words.area_lower} {locality}.")
    return jsonify(page_of([past_return_json(r) for r in rows]))


@bp.get("/v1/localities/<locality>/returns/<int:cycle_number>/as-submitted")
@api_requires(Permission.READ_PLAN)
def submitted_return(locality: str, cycle_number: int):
    """The return exactly as submitted, from the history, never the current state."""
    _may_read(locality)
    try:
        view = return_history.get_submitted_return(locality, cycle_number)
    except NotFound:
        area = current_setup().words.area_lower
        return problem(404, f"There is no return for {area} {locality} in cycle {cycle_number}.")
    except return_history.NotSubmitted:
        return problem(
            404,
            f"{current_setup().words.area} {locality} has not submitted its return for cycle "
            f"{cycle_number}.",
        )
    return jsonify(submitted_return_json(view))
