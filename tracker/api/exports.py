"""Exports: the plan as CSV (streamed), as an Excel workbook or as the group's board pack (PDF),
with the plan pages' and the API list's filters."""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Iterator

from flask import Response, current_app, request, stream_with_context
from flask_login import current_user

from tracker.api.views import _as_at, api_requires, bp
from tracker.clock import now_utc, today_london
from tracker.domain.permissions import Permission
from tracker.http.packs import board_pack_response
from tracker.http.requests import current_cycle, dashboard_settings, plan_codes
from tracker.services.errors import BadFilter
from tracker.services.exchange import exports
from tracker.services.exchange.exports import EXPORT_PARAMS, export_args
from tracker.services.governance.board_pack import start_board_pack
from tracker.services.plan import queries

# The workbook also takes `history`: a sheet with every update of every action in it (at ten
# times the seed's size that is 167,000 rows and several seconds, so it is asked for).
XLSX_PARAMS = EXPORT_PARAMS | {"history"}


def _read(known: frozenset[str]):
    """An export's query string: refuse what it does not understand; the day, the as-at moment,
    the values asked for (for the audit event) and the filters."""
    unknown = sorted(set(request.args) - known)
    if unknown:
        raise BadFilter(unknown[0], f"{unknown[0]} is not a filter this export understands")
    as_at, day = _as_at()
    today = day or today_london()
    asked = export_args(request.args.to_dict())
    filters = queries.parse_filters(
        {k: v for k, v in asked.items() if k != "as_at"},
        cycle=current_cycle(today),
        plans=plan_codes(),
    )
    return today, as_at, asked, filters


def _start(file_format: str, known: frozenset[str]) -> exports.PlanExport:
    """Read an export's query string (refusing what it does not understand) and start it."""
    today, as_at, asked, filters = _read(known)
    history = False
    if "history" in known:
        history = bool(_flag("history"))
        if history:
            asked["history"] = "true"
    return exports.start_plan_export(
        today=today,
        filters=filters,
        as_at=as_at,
        asked=asked,
        user_id=current_user.id,
        now=now_utc(),
        remote_addr=request.remote_addr or "",
        file_format=file_format,
        history=history,
    )


def _flag(name: str) -> bool | None:
    value = request.args.get(name, "")
    if value in ("", None):
        return None
    if value not in {"true", "1", "yes", "false", "0", "no"}:
        raise BadFilter(name, f"{name} must be true or false")
    return value in {"true", "1", "yes"}


def _headers(export: exports.PlanExport) -> dict[str, str]:
    headers = {
        "Content-Disposition": f'attachment; filename="{export.filename}"',
        "X-Total-Count": str(export.count),
        "Cache-Control": "no-store",
    }
    if export.size is not None:
        headers["Content-Length"] = str(export.size)  # so the browser shows the download's progress
    return headers


@bp.get("/v1/exports/plan.csv")
@api_requires(Permission.EXPORT)
def plan_csv():
    export = _start("csv", EXPORT_PARAMS)
    headers = {**_headers(export), "Vary": "Accept-Encoding"}
    chunks: Iterable[bytes] = export.chunks
    if request.accept_encodings.quality("gzip") > 0:
        chunks = gzip_each(chunks, current_app.config["COMPRESS_LEVEL"])
        headers["Content-Encoding"] = "gzip"  # so Flask-Compress leaves it to us
    return Response(stream_with_context(chunks), mimetype="text/csv", headers=headers)


@bp.get("/v1/exports/plan.xlsx")
@api_requires(Permission.EXPORT)
def plan_xlsx():
    """The same actions as plan.csv, as an Excel workbook: built into a temporary file (never in
    memory), then streamed with its length. An XLSX file is already compressed: no gzip."""
    export = _start("xlsx", XLSX_PARAMS)
    return Response(export.chunks, mimetype=export.mimetype, headers=_headers(export))


@bp.get("/v1/exports/board-pack.pdf")
@api_requires(Permission.EXPORT)
def board_pack_pdf():
    """The group's board pack of the same actions as plan.csv, drawn by the meeting pack's renderer:
    written to a temporary file, then streamed with its length. Audited like the others."""
    today, as_at, asked, filters = _read(EXPORT_PARAMS)
    pack = start_board_pack(
        today=today,
        filters=filters,
        as_at=as_at,
        asked=asked,
        user_id=current_user.id,
        now=now_utc(),
        settings=dashboard_settings(),
        remote_addr=request.remote_addr or "",
    )
    return board_pack_response(pack)


def gzip_each(chunks: Iterable[bytes], level: int) -> Iterator[bytes]:
    """Gzip a stream, flushing after every chunk: Flask-Compress's streaming gzip holds the output
    back until zlib's buffers fill (for the seed's whole file, until the end), so the header and
    each batch of rows would not leave when they are ready. A sync flush per batch of 500 rows
    costs a few bytes."""
    compressor = zlib.compressobj(level, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    for chunk in chunks:
        yield compressor.compress(chunk) + compressor.flush(zlib.Z_SYNC_FLUSH)
    yield compressor.flush()
