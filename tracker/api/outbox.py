"""The outbox, for administrators: what the tracker has sent, is waiting to send, or gave up on."""

from __future__ import annotations

from typing import Any

from flask import jsonify, request

from tracker.api.openapi_lists import LAST_PAGE
from tracker.api.views import MAX_PER_PAGE, _int_arg, api_requires, bp
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
    page = _int_arg("page", 1, 1, LAST_PAGE)
    per_page = _int_arg("per_page", OUTBOX_PER_PAGE, 1, MAX_PER_PAGE)
    rows = outbox_service.list_outbox(status, limit=per_page, offset=(page - 1) * per_page)
    return jsonify(
        {
            "items": [outbox_json(r) for r in rows],
            "total": outbox_service.count_outbox(status),
            "page": page,
            "per_page": per_page,
        }
    )
