"""Persistence only: typed SQLAlchemy 2.x models, constraints and indexes."""

from tracker.models.audit import AuditEvent
from tracker.models.org import ApiToken, Locality, Organisation, User
from tracker.models.plan import (
    Action,
    ActionDependency,
    Inspection,
    Plan,
    Recommendation,
    action_partner,
)
from tracker.models.returns import LocalityReturn, ReturnDraft
from tracker.models.updates import ActionUpdate, UpdateCycle

__all__ = [
    "Action",
    "ActionDependency",
    "ActionUpdate",
    "ApiToken",
    "AuditEvent",
    "Inspection",
    "Locality",
    "LocalityReturn",
    "Organisation",
    "Plan",
    "Recommendation",
    "ReturnDraft",
    "UpdateCycle",
    "User",
    "action_partner",
]
