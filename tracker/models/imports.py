"""What an import keeps: the column mapping of a sheet's shape, and the invitations a people
sheet made, waiting for the admin to send them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from tracker.extensions import db
from tracker.models.types import UTCDateTime


class ImportMapping(db.Model):
    """The columns the admin last mapped for a sheet of this shape (kind and header set): the
    next import of a sheet with the same headers is offered it."""

    __tablename__ = "import_mapping"

    id: Mapped[int] = mapped_column(primary_key=True)
    header_digest: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(16))  # "plan" or "people"
    mapping: Mapped[dict[str, str]] = mapped_column(JSON)  # field -> the sheet's header
    saved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ImportedInvitation(db.Model):
    """A person a people sheet added (they cannot sign in yet): the invitation waits here
    until the admin has reviewed it and sent it."""

    __tablename__ = "imported_invitation"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), unique=True)
    file_sha256: Mapped[str] = mapped_column(String(64))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sent_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
