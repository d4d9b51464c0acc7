"""Persistence only: typed SQLAlchemy 2.x models, constraints and indexes."""

from tracker.models.audit import AuditEvent
from tracker.models.calendar import CalendarFeed
from tracker.models.challenges import Challenge, ChallengeStep
from tracker.models.evidence import Evidence
from tracker.models.imports import ImportedInvitation, ImportMapping
from tracker.models.measures import (
    Measure,
    MeasureTarget,
    MeasureValue,
    measure_action,
    measure_recommendation,
)
from tracker.models.meetings import (
    Meeting,
    MeetingDecision,
    MeetingFollowUp,
    PackNote,
    meeting_attendee,
)
from tracker.models.notify import ActionFollow, Notice
from tracker.models.org import ApiToken, Invitation, Locality, Organisation, User
from tracker.models.outbox import (
    DeliveryAttempt,
    OutboxItem,
    OutboxMessage,
    SchedulerHeartbeat,
    SchedulerRun,
)
from tracker.models.plan import (
    Action,
    ActionDependency,
    Inspection,
    Plan,
    Recommendation,
    action_finding,
    action_partner,
)
from tracker.models.plan_changes import ActionEdit, TargetDateRequest
from tracker.models.returns import LocalityReturn, ReturnDraft
from tracker.models.search import SearchDocument
from tracker.models.sef import SefVersion
from tracker.models.setup import Setting
from tracker.models.updates import ActionState, ActionUpdate, UpdateCycle

__all__ = [
    "Action",
    "ActionFollow",
    "ActionDependency",
    "ActionEdit",
    "ActionState",
    "ActionUpdate",
    "ApiToken",
    "AuditEvent",
    "CalendarFeed",
    "Challenge",
    "ChallengeStep",
    "DeliveryAttempt",
    "Evidence",
    "ImportMapping",
    "ImportedInvitation",
    "Inspection",
    "Invitation",
    "Locality",
    "Measure",
    "MeasureTarget",
    "MeasureValue",
    "LocalityReturn",
    "Meeting",
    "Notice",
    "MeetingDecision",
    "MeetingFollowUp",
    "PackNote",
    "Organisation",
    "OutboxItem",
    "OutboxMessage",
    "Plan",
    "Recommendation",
    "ReturnDraft",
    "SchedulerHeartbeat",
    "SchedulerRun",
    "SearchDocument",
    "SefVersion",
    "Setting",
    "TargetDateRequest",
    "UpdateCycle",
    "User",
    "action_finding",
    "action_partner",
    "measure_action",
    "measure_recommendation",
    "meeting_attendee",
]
