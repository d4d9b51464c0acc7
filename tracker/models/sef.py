"""Monthly locality self-evaluation (SEF). Every save is a new version; nothing is overwritten."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from tracker.extensions import db
from tracker.models.org import _in
from tracker.models.types import UTCDateTime

SEF_STATUSES = ("draft", "submitted")
SELF_GRADES = ("outstanding", "good", "requires_improvement", "inadequate")


class SefVersion(db.Model):
    __tablename__ = "sef_version"
    __table_args__ = (
        CheckConstraint(_in("status", SEF_STATUSES), name="status"),
        CheckConstraint(
            f"self_grade IS NULL OR {_in('self_grade', SELF_GRADES)}", name="self_grade"
        ),
        db.UniqueConstraint("locality_id", "month", "version", name="uq_sef_version_number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    locality_id: Mapped[int] = mapped_column(ForeignKey("locality.id"), index=True)
    month: Mapped[str] = mapped_column(String(7), index=True)  # YYYY-MM
    version: Mapped[int]
    status: Mapped[str] = mapped_column(String(16))
    what_we_know: Mapped[str] = mapped_column(Text, default="")
    how_we_know: Mapped[str] = mapped_column(Text, default="")
    what_we_are_doing: Mapped[str] = mapped_column(Text, default="")
    management_oversight: Mapped[str] = mapped_column(Text, default="")
    practice_quality: Mapped[str] = mapped_column(Text, default="")
    evidence: Mapped[str] = mapped_column(Text, default="")
    self_grade: Mapped[str | None] = mapped_column(String(32))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # The council's own sections this version answered, with their headings as asked then:
    # [{"heading", "hint", "answer"}], so a later change of set-up never rewrites it.
    own_sections: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON, default=list)
