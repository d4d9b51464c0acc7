"""The inspection, its recommendations, the plans and their actions."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Column, Date, ForeignKey, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.extensions import db
from tracker.models.org import Locality, Organisation, User, _in
from tracker.models.types import UTCDateTime

LEAD_BODIES = ("trust", "council", "joint", "safeguarding_board")
PLAN_KINDS = ("main", "locality")
ANCHORS = ("publication", "receipt")
# What an inspection finds (migration 0023): the domain's FindingKind values.
FINDING_KINDS = ("recommendation", "area_for_priority_action", "area_for_improvement")


class Inspection(db.Model):
    __tablename__ = "inspection"
    __table_args__ = (CheckConstraint(_in("deadline_anchor", ANCHORS), name="deadline_anchor"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    framework: Mapped[str] = mapped_column(String(32))
    local_authority: Mapped[str] = mapped_column(String(200))
    report_received: Mapped[date | None] = mapped_column(Date)
    report_published: Mapped[date] = mapped_column(Date)
    deadline_anchor: Mapped[str] = mapped_column(String(16), default="publication")
    # Ordered list of {"area": ..., "grade": ...}: the framework's areas are an open value.
    judgements: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # The day the action plan was sent to Ofsted, and who recorded it when (migration 0010).
    plan_submitted_on: Mapped[date | None] = mapped_column(Date)
    plan_submitted_recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    plan_submitted_recorded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    # An inspection event's own title and the days inspectors were on site (migration 0023).
    title: Mapped[str | None] = mapped_column(String(200))
    started_on: Mapped[date | None] = mapped_column(Date)
    ended_on: Mapped[date | None] = mapped_column(Date)

    plan_submitted_recorded_by: Mapped[User | None] = relationship(lazy="joined")


class Recommendation(db.Model):
    """A finding of an inspection event: a recommendation, an area for priority action or an
    area for improvement (`kind`). The table keeps its first name."""

    __tablename__ = "recommendation"
    __table_args__ = (
        CheckConstraint(_in("lead_body", LEAD_BODIES), name="lead_body"),
        CheckConstraint(_in("kind", FINDING_KINDS), name="kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspection.id"), index=True)
    ref: Mapped[str] = mapped_column(String(16), unique=True)
    number: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    judgement_area: Mapped[str] = mapped_column(String(200))
    lead_body: Mapped[str] = mapped_column(String(32))
    partners: Mapped[list[str]] = mapped_column(JSON, default=list)
    kind: Mapped[str] = mapped_column(
        String(32), default="recommendation", server_default="recommendation"
    )


class Plan(db.Model):
    __tablename__ = "plan"
    __table_args__ = (CheckConstraint(_in("kind", PLAN_KINDS), name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    locality_id: Mapped[int | None] = mapped_column(ForeignKey("locality.id"), unique=True)

    locality: Mapped[Locality | None] = relationship(lazy="joined")


action_partner = Table(
    "action_partner",
    db.metadata,
    Column("action_id", ForeignKey("action.id", ondelete="CASCADE"), primary_key=True),
    Column("organisation_id", ForeignKey("organisation.id"), primary_key=True),
)


# The further findings an action answers, beside its own `recommendation_id` (the primary one,
# never repeated here): an action may answer findings of more than one inspection event.
action_finding = Table(
    "action_finding",
    db.metadata,
    Column("action_id", ForeignKey("action.id", ondelete="CASCADE"), primary_key=True),
    Column(
        "recommendation_id",
        ForeignKey("recommendation.id", ondelete="CASCADE"),
        primary_key=True,
        index=True,
    ),
)


class Action(db.Model):
    __tablename__ = "action"
    __table_args__ = (
        CheckConstraint("version >= 1", name="version_positive"),
        CheckConstraint("plan_version >= 1", name="plan_version_positive"),
        CheckConstraint(
            "superseded_by_id IS NULL OR superseded_by_id <> id", name="not_self_superseded"
        ),
        CheckConstraint(
            "target_date IS NULL OR start_date IS NULL OR target_date >= start_date",
            name="dates_in_order",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(32), unique=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id"), index=True)
    recommendation_id: Mapped[int] = mapped_column(ForeignKey("recommendation.id"), index=True)
    main_action_id: Mapped[int | None] = mapped_column(ForeignKey("action.id"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    lead_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    lead_organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    start_date: Mapped[date | None] = mapped_column(Date)
    target_date: Mapped[date | None] = mapped_column(Date, index=True)
    success_measure: Mapped[str] = mapped_column(Text, default="")
    # Bumped by every accepted update: a form or API write naming an older version is refused.
    version: Mapped[int] = mapped_column(default=1)
    # Bumped by every change to the plan's own fields (an edit, a target date moved): a separate
    # counter, since `version` names the action's update history row by row.
    plan_version: Mapped[int] = mapped_column(default=1, server_default="1")
    # The target date first agreed, kept when an approved request moves `target_date`.
    baseline_target_date: Mapped[date | None] = mapped_column(Date)
    # The action that replaces this one, named when it is superseded.
    superseded_by_id: Mapped[int | None] = mapped_column(ForeignKey("action.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    plan: Mapped[Plan] = relationship(lazy="raise")
    recommendation: Mapped[Recommendation] = relationship(lazy="raise")
    main_action: Mapped[Action | None] = relationship(
        remote_side=[id], foreign_keys=[main_action_id], lazy="raise"
    )
    lead: Mapped[User | None] = relationship(lazy="raise")
    lead_organisation: Mapped[Organisation] = relationship(lazy="raise")
    partners: Mapped[list[Organisation]] = relationship(secondary=action_partner, lazy="raise")


class ActionDependency(db.Model):
    """`action` depends on `depends_on` (its prerequisite)."""

    __tablename__ = "action_dependency"
    __table_args__ = (
        CheckConstraint("action_id <> depends_on_id", name="not_self"),
        db.UniqueConstraint("action_id", "depends_on_id", name="uq_action_dependency_pair"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    action_id: Mapped[int] = mapped_column(ForeignKey("action.id"), index=True)
    depends_on_id: Mapped[int] = mapped_column(ForeignKey("action.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
