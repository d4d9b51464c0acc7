"""What the export tests share (issue 21.5): the export addresses, reading a CSV export, and
counting and reading the audit events exports write. The API tests' signed-in exporter on the
empty database is the `exporter` fixture (tests/api/conftest.py)."""

from __future__ import annotations

import csv
import io

from flask import Flask
from sqlalchemy import func, select

from tracker.extensions import db
from tracker.models import AuditEvent

CSV_URL = "/api/v1/exports/plan.csv"
XLSX_URL = "/api/v1/exports/plan.xlsx"
PDF_URL = "/api/v1/exports/board-pack.pdf"


def csv_table(response) -> list[list[str]]:
    """A CSV export's rows, its header first: UTF-8 with a byte order mark, for Excel."""
    assert response.status_code == 200, response.get_data()[:300]
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf"), "UTF-8 with a BOM, for Excel"
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))


def export_count(app: Flask, *, target: str | None = None, kind: str | None = "export") -> int:
    """How many exports the audit log holds (of one file, `target`, when given; events of any
    kind about it when `kind` is None)."""
    query = select(func.count()).select_from(AuditEvent)
    if kind is not None:
        query = query.where(AuditEvent.kind == kind)
    if target is not None:
        query = query.where(AuditEvent.target == target)
    with app.app_context():
        count = db.session.execute(query).scalar_one()
        db.session.remove()
    return count


def last_export(app: Flask) -> AuditEvent:
    """The newest export's audit event, readable after its session has gone."""
    with app.app_context():
        event = (
            db.session.execute(
                select(AuditEvent).where(AuditEvent.kind == "export").order_by(AuditEvent.id.desc())
            )
            .scalars()
            .first()
        )
        db.session.expunge(event)
        db.session.remove()
    return event
