"""The plan as a spreadsheet: every action the filters choose, one row each, streamed.

The rows come from one statement read in batches (`yield_per`), with each action's partners and
prerequisites aggregated in that same statement, so an export runs the same number of statements
whatever its size and its first bytes leave before its last rows are read."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Integer,
    Select,
    String,
    cast,
    func,
    literal,
    null,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import aliased

from tracker.extensions import db
from tracker.models import (
    Action,
    ActionDependency,
    ActionEdit,
    ActionUpdate,
    Evidence,
    Organisation,
    Plan,
    TargetDateRequest,
    UpdateCycle,
    User,
    action_partner,
)
from tracker.services.exchange.export_rows import (  # noqa: F401  (HEADER and the words: read here)
    _SEP,
    BATCH,
    HEADER,
    IMPACT_WORDS,
    LIFECYCLE_WORDS,
    RAG_WORDS,
    row_cells,
)
from tracker.services.exchange.plan_workbook import WorkbookRequest, build_workbook
from tracker.services.plan.filters import LIST_PARAMS, PlanFilters
from tracker.services.platform.audit import add_event
from tracker.services.reads.action_rows import action_rows_query
from tracker.services.reads.plan_lists import apply_filters, order_by_sort
from tracker.services.reads.state import state_for

# The import's columns (it reads what the export writes), then the evidence, which people
# read and the import leaves alone (tracker.domain.imports.EXPORT_ONLY).
BOM = "\ufeff"  # so Excel reads the file as UTF-8
# What an export is asked with: the list filters, the sort and `as_at` (no paging: a file holds
# every row). A link to an export carries these from the page and leaves anything else behind.
EXPORT_PARAMS = LIST_PARAMS


# An action's prerequisite, and the chair who moved a target date: built once, not per query.
_PREREQ = aliased(Action, name="prereq")
_DECIDER = aliased(User, name="decider")


def export_args(args: dict[str, str]) -> dict[str, str]:
    """The values in `args` that an export understands (a page's other values left behind)."""
    return {k: v for k, v in args.items() if k in EXPORT_PARAMS and v not in ("", None)}


FORMATS = ("csv", "xlsx")
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass
class PlanExport:
    """What the route sends: the file's name, how many actions, and the bytes (lazily); the
    size when it is known before the first byte leaves (the workbook, built first)."""

    filename: str
    count: int
    chunks: Iterator[bytes]
    size: int | None = None
    mimetype: str = "text/csv"
    total: int = 0  # rows of every kind, for a progress bar: actions, and history rows if asked
    history_count: int = 0


def _filtered(today: date, f: PlanFilters, as_at: datetime | None) -> Select:
    query = action_rows_query(as_at)
    if f.plan is not None:
        query = query.where(Plan.code == f.plan)
    return apply_filters(query, f, today, as_at)


def _with_partners_and_dependencies(query: Select, as_at: datetime | None) -> Select:
    """Add the latest reason, and each action's partners and prerequisites as one string each
    (aggregated in SQL, split and sorted in Python): no statement per row or per batch."""
    partners = (
        select(func.aggregate_strings(Organisation.name, _SEP))
        .select_from(action_partner)
        .join(Organisation, Organisation.id == action_partner.c.organisation_id)
        .where(action_partner.c.action_id == Action.id)
        .scalar_subquery()
    )
    depends_on = (
        select(func.aggregate_strings(_PREREQ.ref, _SEP))
        .select_from(ActionDependency)
        .join(_PREREQ, _PREREQ.id == ActionDependency.depends_on_id)
        .where(ActionDependency.action_id == Action.id)
        .scalar_subquery()
    )
    live = [Evidence.action_id == Action.id]
    if as_at is None:
        live.append(Evidence.withdrawn_at.is_(None))
    else:  # the evidence the action had then: added by then, not yet withdrawn
        live.append(Evidence.added_at <= as_at)
        live.append(or_(Evidence.withdrawn_at.is_(None), Evidence.withdrawn_at > as_at))
    evidence_count = select(func.count(Evidence.id)).where(*live).scalar_subquery()
    evidence_titles = (
        select(func.aggregate_strings(Evidence.title, _SEP)).where(*live).scalar_subquery()
    )
    state = state_for(as_at)
    return query.add_columns(
        state.reason.label("reason"),
        partners.label("partner_names"),
        depends_on.label("depends_on"),
        evidence_count.label("evidence_count"),
        evidence_titles.label("evidence_titles"),
    )


def _csv_chunks(
    query: Select, today: date, progress: Callable[[int], None] | None = None
) -> Iterator[bytes]:
    """BOM and header first, then one chunk per batch of rows as the database yields them."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)  # the excel dialect: CRLF line ends, quotes where needed
    writer.writerow(HEADER)
    yield (BOM + buffer.getvalue()).encode()
    # Core rows from the session's connection: no ORM result layer for plain columns.
    result = db.session.connection().execute(query.execution_options(yield_per=BATCH))
    for batch in result.partitions():
        buffer.seek(0)
        buffer.truncate()
        writer.writerows(row_cells(r, today) for r in batch)
        yield buffer.getvalue().encode()
        if progress is not None:
            progress(len(batch))


def _count(query: Select) -> int:
    return db.session.execute(
        select(func.count()).select_from(query.order_by(None).subquery())
    ).scalar_one()


# Filters whose value says what it is on its own (a plan's code, "red"); the others are named too.
_NAMED_BY_VALUE = ("plan", "recommendation", "lead_organisation", "rag", "lifecycle")
_UNSAFE = re.compile(r"[^a-z0-9]+")


def _slug(value: str) -> str:
    return _UNSAFE.sub("-", value.lower()).strip("-")[:40] or "x"


def export_filename(
    filters: PlanFilters, today: date, extension: str, stem: str = "action-plan"
) -> str:
    """<stem>[-<plan>]-<London day, or the as-at day>.<extension> (the board pack's name)."""
    plan = f"-{filters.plan}" if filters.plan else ""
    return f"{stem}{plan}-{today.isoformat()}.{extension}"


def plan_export_filename(
    filters: PlanFilters,
    today: date,
    extension: str,
    stem: str = "action-plan",
    *,
    asked: dict[str, str] | None = None,
    history: bool = False,
) -> str:
    """What is in the file, in its name: <stem>[_<plan>][_<filter>...]_as-at-<day>
    [_with-history].<extension>, e.g. action-plan_area-1_red_as-at-2025-03-27_with-history.xlsx.
    The day is London's today, or the as-at day; the filters are the ones asked for (the sort
    is left out: it changes no row)."""
    asked = asked or {}
    parts = [stem]
    if filters.plan:
        parts.append(_slug(filters.plan))
    for key in sorted(asked):
        if key in ("plan", "as_at", "sort", "history"):
            continue
        value = _slug(asked[key])
        parts.append(value if key in _NAMED_BY_VALUE else f"{_slug(key)}-{value}")
    parts.append(f"as-at-{today.isoformat()}")
    if history:
        parts.append("with-history")
    return "_".join(parts) + f".{extension}"


def record_export(
    target: str,
    detail: dict[str, object],
    *,
    user_id: int | None,
    now: datetime,
    remote_addr: str = "",
    via: str = "",
) -> None:
    """Every export is an audit event (who, what, the filters, how many rows), committed before
    the file is sent: the event is kept even if the download stops."""
    if via:
        detail["via"] = via
    add_event(
        "export",
        now=now,
        user_id=user_id,
        target=target,
        detail=detail,
        remote_addr=remote_addr,
    )
    db.session.commit()


def start_plan_export(
    *,
    today: date,
    filters: PlanFilters,
    as_at: datetime | None,
    asked: dict[str, str],
    user_id: int | None,
    now: datetime,
    remote_addr: str = "",
    file_format: str = "csv",
    history: bool = False,
    progress: Callable[[int, int], None] | None = None,
    via: str = "",
) -> PlanExport:
    """The plan (or the part of it the filters choose) at `today`, or as at a past moment, as CSV
    or as an Excel workbook (with every update's history when `history` is asked for).

    Count the rows, record the export as an audit event (who, the filters, how many rows) and
    commit, then hand back the rows to stream: the event is kept even if the download stops.
    `progress` is told, batch by batch, how many more rows have been written and how many there
    are in all (actions, and history rows if asked for): the command line's bar."""
    if file_format not in FORMATS:
        raise ValueError(f"unknown export format {file_format!r}")
    query = _filtered(today, filters, as_at)
    count = _count(query)
    detail: dict[str, object] = {"format": file_format, "filters": asked, "rows": count}
    history_query = history_rows_query(query, as_at) if history and file_format == "xlsx" else None
    history_count = _count(history_query) if history_query is not None else 0
    if history_query is not None:
        detail["history_rows"] = history_count
    record_export(
        f"plan.{file_format}",
        detail,
        user_id=user_id,
        now=now,
        remote_addr=remote_addr,
        via=via,
    )
    total = count + history_count
    tick = (lambda n: progress(n, total)) if progress is not None else None
    rows = order_by_sort(_with_partners_and_dependencies(query, as_at), filters, state_for(as_at))
    name = plan_export_filename(
        filters, today, file_format, asked=asked, history=history_query is not None
    )
    if file_format == "csv":
        return PlanExport(
            filename=name, count=count, chunks=_csv_chunks(rows, today, tick), total=count
        )
    built = build_workbook(
        WorkbookRequest(
            rows=rows,
            history=history_query,
            today=today,
            as_at=as_at,
            now=now,
            filters=asked,
            single_plan=filters.plan,
            count=count,
        ),
        progress=tick,
    )
    return PlanExport(
        filename=name,
        count=count,
        chunks=built.chunks,
        size=built.size,
        mimetype=XLSX_MIMETYPE,
        total=total,
        history_count=history_count,
    )


def history_rows_query(filtered: Select, as_at: datetime | None) -> Select:
    """Every change (recorded by `as_at`, when given) to the actions `filtered` chooses: their
    updates (with the cycle each belongs to), the edits to their plan entries, and each target
    date a chair moved; action by action in ref order, oldest first. One statement (a UNION
    ALL), read in batches. The cycle of an edit or a move is worked out from its day by
    the workbook (`cycle_for`): only an update names its cycle."""
    chosen = filtered.with_only_columns(Action.id).order_by(None)
    none_text = null().cast(String)
    none_int = null().cast(Integer)
    updates = (
        select(
            Action.ref.label("ref"),
            ActionUpdate.version.label("version"),
            ActionUpdate.recorded_at.label("recorded_at"),
            User.name.label("author_name"),
            ActionUpdate.cause.label("cause"),
            UpdateCycle.number.label("cycle"),
            literal("update", String).label("kind"),
            literal("", String).label("field"),
            literal("", String).label("old_value"),
            literal("", String).label("new_value"),
            ActionUpdate.lifecycle.label("lifecycle"),
            ActionUpdate.rag.label("rag"),
            ActionUpdate.impact.label("impact"),
            ActionUpdate.summary.label("summary"),
            ActionUpdate.reason.label("reason"),
            ActionUpdate.no_change.label("no_change"),
        )
        .join(Action, Action.id == ActionUpdate.action_id)
        .outerjoin(User, User.id == ActionUpdate.author_id)
        .outerjoin(UpdateCycle, UpdateCycle.id == ActionUpdate.cycle_id)
        .where(ActionUpdate.action_id.in_(chosen))
    )
    edits = (
        select(
            Action.ref,
            none_int,
            ActionEdit.recorded_at,
            User.name,
            ActionEdit.cause,
            none_int,
            ActionEdit.kind,
            ActionEdit.field,
            ActionEdit.old_value,
            ActionEdit.new_value,
            none_text,
            none_text,
            none_text,
            none_text,
            ActionEdit.reason,
            null().cast(Boolean),
        )
        .join(Action, Action.id == ActionEdit.action_id)
        .outerjoin(User, User.id == ActionEdit.author_id)
        .where(ActionEdit.action_id.in_(chosen))
    )
    moves = (
        select(
            Action.ref,
            none_int,
            TargetDateRequest.decided_at,
            _DECIDER.name,
            literal("person", String),
            none_int,
            literal("target_date_moved", String),
            literal("target_date", String),
            cast(TargetDateRequest.old_date, String),
            cast(TargetDateRequest.new_date, String),
            none_text,
            none_text,
            none_text,
            none_text,
            TargetDateRequest.reason,
            null().cast(Boolean),
        )
        .join(Action, Action.id == TargetDateRequest.action_id)
        .outerjoin(_DECIDER, _DECIDER.id == TargetDateRequest.decided_by_id)
        .where(
            TargetDateRequest.action_id.in_(chosen),
            TargetDateRequest.status == "approved",
        )
    )
    if as_at is not None:
        updates = updates.where(ActionUpdate.recorded_at <= as_at)
        edits = edits.where(ActionEdit.recorded_at <= as_at)
        moves = moves.where(TargetDateRequest.decided_at <= as_at)
    everything = union_all(updates, edits, moves).subquery("change")
    return select(everything).order_by(
        everything.c.ref, everything.c.recorded_at, everything.c.kind, everything.c.version
    )
