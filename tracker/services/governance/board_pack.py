"""The board pack for the group that signs off and exports (its name is a setting): the plan (or
the part of it a plan page's filters choose), today or as at a past day, as a snapshot document
like a meeting's.

The pack is drawn by the meeting pack's renderer (tracker/http/packs.py) from this document
alone: cover, contents, key, the key measures' scorecard for the latest quarter, the net changes
and the decisions since the group's last meeting, summary by plan, lead body and recommendation, the
exceptions (red, overdue or awaiting sign-off, with where each stands in its lifecycle and what
would close it), the chair's dashboard charts and the appendix of every action chosen. Building
it runs a fixed number of statements, whatever the size of the plan."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from tracker.domain.meetings import MeetingKind
from tracker.services.exchange.exports import export_filename, record_export
from tracker.services.governance.dashboard import DashboardSettings
from tracker.services.governance.meeting_snapshot import build_snapshot, exception_rows
from tracker.services.governance.pack_paper import Paper, build_paper
from tracker.services.plan import queries
from tracker.services.plan.filters import PlanFilters, describe_filters

MIMETYPE = "application/pdf"


@dataclass
class BoardPack:
    """What the renderer needs: the snapshot, the day it is as at, and what chose its rows."""

    snapshot: dict[str, Any]
    day: date
    as_at: datetime | None
    prepared_at: datetime
    filters: list[str]  # in words
    charts_scope: list[str]  # the filters the charts are narrowed by, in words
    filename: str
    # The paper's sections (services/governance/pack_paper.py): the key measures' scorecard, the
    # net changes and decisions since the group's last meeting, the exceptions' standing.
    paper: Paper | None = None

    @property
    def count(self) -> int:
        return int(self.snapshot["totals"]["actions"])

    @property
    def exceptions(self) -> list[dict[str, Any]]:
        return exception_rows(self.snapshot)


def start_board_pack(
    *,
    today: date,
    filters: PlanFilters,
    as_at: datetime | None,
    asked: dict[str, str],
    user_id: int | None,
    now: datetime,
    settings: DashboardSettings,
    remote_addr: str = "",
    via: str = "",
    record: bool = True,
) -> BoardPack:
    """Build the board pack's document and record the export as an audit event (who, the
    filters, how many actions and exceptions), committed before the PDF is drawn: the event is
    kept even if the download stops. The charts show the plan as it stands today, so a pack as
    at a past day has none (as a meeting recorded after the event has none)."""
    snapshot = build_snapshot(
        meeting_day=today, now=now, as_at=as_at, dashboard=settings, filters=filters
    )
    leads, organisations = queries.list_leads(), queries.list_organisations()
    # The event chosen, by its title: one statement, read only when a filter names one.
    events = queries.list_finding_menus()[1] if filters.event is not None else None
    words = describe_filters(filters, leads, organisations, show_plan=True, events=events)
    scope = PlanFilters(
        plan=filters.plan,
        recommendation=filters.recommendation,
        lead_organisation=filters.lead_organisation,
        lead=filters.lead,
        event=filters.event,
    )
    pack = BoardPack(
        snapshot=snapshot,
        day=today,
        as_at=as_at,
        prepared_at=now,
        filters=words,
        charts_scope=describe_filters(scope, leads, organisations, show_plan=True, events=events),
        filename=export_filename(filters, today, "pdf", stem="board-pack"),
        paper=build_paper(kind=MeetingKind.JSIG, day=today, snapshot=snapshot, only_chosen=True),
    )
    detail: dict[str, object] = {
        "format": "pdf",
        "filters": asked,
        "rows": pack.count,
        "exceptions": len(snapshot["exceptions"]),
    }
    if not record:  # drawn ahead by the scheduler: nobody has exported anything
        return pack
    record_export(
        "board-pack.pdf",
        detail,
        user_id=user_id,
        now=now,
        remote_addr=remote_addr,
        via=via,
    )
    return pack
