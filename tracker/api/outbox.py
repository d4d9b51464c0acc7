"""The outbox, for administrators: what the tracker has sent, is waiting to send, or gave up on."""

from __future__ import annotations

from typing import Any

from flask import jsonify, request

from tracker.api.views import api_requires, bp, read_paging
from tracker.domain.permissions import Permission
from tracker.services.errors import BadFilter
from tracker.services.mail import outbox as outbox_service

STATUSES = ("pending", "sent", "failed")
OUTBOX_PER_PAGE = 50


def _iso(value) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


def outbox_json(row: outbox_service.OutboxRow) -> dict[str, Any]:
    m = row.message
    return {
        "id": m.id,
        "key": m.key,
        "run_day": m.run_day.isoformat(),
        "to": {"name": row.recipient_name, "email": m.to_address},
        "subject": m.subject,
        "status": m.status,
        "attempts": m.attempts,
        "last_error": m.last_error or None,
        "created_at": _iso(m.created_at),
        "next_attempt_at": _iso(m.next_attempt_at) if m.status == "pending" else None,
        "sent_at": _iso(m.sent_at),
        "items": [
            {
                "key": i.key,
                "kind": i.kind,
                "period": i.period,
                "step": i.step,
                "text": i.text,
                "link": i.link,
                "note": i.note or None,
            }
            for i in row.items
        ],
    }


@bp.get("/v1/outbox")
@api_requires(Permission.ADMIN)
def outbox():
    unknown = sorted(set(request.args) - {"status", "page", "per_page"})
    if unknown:
        raise BadFilter(unknown[0], f"{unknown[0]} is not a filter the outbox understands")
    status = request.args.get("status")
    if status is not None and status not in STATUSES:
        raise BadFilter("status", "status must be one of pending, sent, failed")
    paging = read_paging(OUTBOX_PER_PAGE)
    rows = outbox_service.list_outbox(status, limit=paging.per_page, offset=paging.offset)
    return jsonify(paging.body([outbox_json(r) for r in rows], outbox_service.count_outbox(status)))
