"""Evidence on an action or a locality SEF: a file kept outside the database, or a link.

Nothing is deleted: an item is withdrawn with a reason, and stays listed as withdrawn."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.extensions import db
from tracker.models.org import User, _in
from tracker.models.types import UTCDateTime

EVIDENCE_KINDS = ("file", "link")
EVIDENCE_TYPES = ("audit", "minutes", "policy", "data", "training_record", "other")


class Evidence(db.Model):
    __tablename__ = "evidence"
    __table_args__ = (
        CheckConstraint(_in("kind", EVIDENCE_KINDS), name="kind"),
        CheckConstraint(_in("evidence_type", EVIDENCE_TYPES), name="evidence_type"),
        # On exactly one thing: an action, or a locality's SEF for a month.
        CheckConstraint(
            "(action_id IS NULL) <> (sef_locality_id IS NULL)"
            " AND (sef_locality_id IS NULL) = (sef_month IS NULL)",
            name="one_subject",
        ),
        CheckConstraint(
            "(kind = 'file' AND sha256 IS NOT NULL AND url IS NULL)"
            " OR (kind = 'link' AND url IS NOT NULL AND sha256 IS NULL)",
            name="file_or_link",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    action_id: Mapped[int | None] = mapped_column(ForeignKey("action.id"), index=True)
    sef_locality_id: Mapped[int | None] = mapped_column(ForeignKey("locality.id"), index=True)
    sef_month: Mapped[str | None] = mapped_column(String(7))  # YYYY-MM
    kind: Mapped[str] = mapped_column(String(8))
    title: Mapped[str] = mapped_column(String(200))
    evidence_type: Mapped[str] = mapped_column(String(32))
    evidence_date: Mapped[date] = mapped_column(Date)
    url: Mapped[str | None] = mapped_column(String(2000))
    # A file: stored under its SHA-256 in EVIDENCE_DIR; the name is the uploader's, for download.
    sha256: Mapped[str | None] = mapped_column(String(64))
    filename: Mapped[str | None] = mapped_column(String(200))
    content_type: Mapped[str | None] = mapped_column(String(100))
    size_bytes: Mapped[int | None] = mapped_column(Integer)
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    withdrawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    withdrawn_reason: Mapped[str | None] = mapped_column(Text)

    added_by: Mapped[User | None] = relationship(foreign_keys=[added_by_id], lazy="raise")
    withdrawn_by: Mapped[User | None] = relationship(foreign_keys=[withdrawn_by_id], lazy="raise")
