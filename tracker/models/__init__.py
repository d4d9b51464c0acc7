"""Persistence only: typed SQLAlchemy 2.x models, constraints and indexes."""

from tracker.models.audit import AuditEvent
from tracker.models.meetings import Meeting, MeetingDecision, MeetingFollowUp, meeting_attendee
from tracker.models.org import ApiToken, Invitation, Locality, Organisation, User
from tracker.models.outbox import DeliveryAttempt, OutboxItem, OutboxMessage, SchedulerRun
from tracker.models.plan import (
    Action,
    ActionDependency,
    Inspection,
    Plan,
    Recommendation,
    action_partner,
)
from tracker.models.returns import LocalityReturn, ReturnDraft
from tracker.models.sef import SefVersion
from tracker.models.updates import ActionState, ActionUpdate, UpdateCycle

__all__ = [
    "Action",
    "ActionDependency",
    "ActionState",
    "ActionUpdate",
    "ApiToken",
    "AuditEvent",
    "DeliveryAttempt",
    "Inspection",
    "Invitation",
    "Locality",
    "LocalityReturn",
    "Meeting",
    "MeetingDecision",
    "MeetingFollowUp",
    "Organisation",
    "OutboxItem",
    "OutboxMessage",
    "Plan",
    "Recommendation",
    "ReturnDraft",
    "SchedulerRun",
    "SefVersion",
    "UpdateCycle",
    "User",
    "action_partner",
    "meeting_attendee",
]
