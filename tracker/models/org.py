"""Organisations, localities and the people who use the tracker."""

from __future__ import annotations

from datetime import date, datetime

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, Date, ForeignKey, String, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.domain.api_tokens import expiry_day
from tracker.extensions import db
from tracker.models.types import UTCDateTime

ROLES = ("admin", "chair", "locality_head", "action_lead", "performance_officer", "viewer")
ORG_KINDS = ("trust", "council", "police", "safeguarding_board", "health", "other")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Organisation(db.Model):
    __tablename__ = "organisation"
    __table_args__ = (CheckConstraint(_in("kind", ORG_KINDS), name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32))


class Locality(db.Model):
    __tablename__ = "locality"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    # When an admin retired the area: no returns are asked of it from then; its history stays.
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class User(UserMixin, db.Model):
    __tablename__ = "user_account"
    __table_args__ = (CheckConstraint(_in("role", ROLES), name="role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # A partner agency's lead may have no address: they cannot sign in, and are chased through
    # their line manager.
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    job_title: Mapped[str] = mapped_column(String(200), default="")
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    role: Mapped[str] = mapped_column(String(32))
    locality_id: Mapped[int | None] = mapped_column(ForeignKey("locality.id"), index=True)
    line_manager_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # When an admin marked them as left: they cannot sign in; their history stays.
    left_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The day they left, as the admin gave it (London); set with left_at.
    left_on: Mapped[date | None] = mapped_column(Date)
    # The locality whose return and SEF they may do while its head is away (one per locality).
    deputy_locality_id: Mapped[int | None] = mapped_column(ForeignKey("locality.id"), unique=True)
    # Part of every sign-in session's id: signing out, a new password, a role change or leaving
    # moves it on, and every session made before (even a copied cookie) stops working.
    session_generation: Mapped[int] = mapped_column(default=1, server_default="1")
    # How they are told of decisions and of what they follow: "digest" (the daily digest) or
    # "immediate" (a mail each time).
    mail_preference: Mapped[str] = mapped_column(
        String(16), default="digest", server_default="digest"
    )
    # How many days before a deadline their calendar feed reminds them (VALARM); 0 for none.
    reminder_days: Mapped[int] = mapped_column(default=2, server_default="2")

    organisation: Mapped[Organisation] = relationship(lazy="joined")
    locality: Mapped[Locality | None] = relationship(lazy="joined", foreign_keys=[locality_id])
    deputy_locality: Mapped[Locality | None] = relationship(
        lazy="joined", foreign_keys=[deputy_locality_id]
    )
    line_manager: Mapped[User | None] = relationship(remote_side=[id], lazy="select")

    @property
    def is_active(self) -> bool:  # Flask-Login: a person who has left cannot sign in
        return self.active

    def get_id(self) -> str:  # Flask-Login keeps this in the session: "id:generation"
        return f"{self.id}:{self.session_generation}"

    def end_sessions(self) -> None:
        """Every session signed in before now stops working at its next request."""
        self.session_generation = (self.session_generation or 1) + 1


class ApiToken(db.Model):
    """An API bearer token. Only its SHA-256 hash is stored; revoked tokens stay as a record."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The last moment it works: the end of the London day its maker chose (at most a year on).
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Made by its holder on their account page: it reads, and the API refuses its writes.
    read_only: Mapped[bool] = mapped_column(default=False, server_default=false())
    # When it last signed a request in (marked at most once an hour), or None if never.
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship(lazy="joined")

    @property
    def expires_on(self) -> date:
        """The London day it works until (the end of)."""
        return expiry_day(self.expires_at)

    def expired(self, now: datetime) -> bool:
        return now > self.expires_at


class Invitation(db.Model):
    """A one-time link to set a password. Only its SHA-256 hash is stored; it expires."""

    __tablename__ = "invitation"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship(lazy="joined", foreign_keys=[user_id])
