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
from tracker.models.updates import ActionUpdate, UpdateCycle

__all__ = [
    "Action",
    "ActionDependency",
    "ActionUpdate",
    "ApiToken",
    "AuditEvent",
    "Inspection",
    "Locality",
    "Organisation",
    "Plan",
    "Recommendation",
    "UpdateCycle",
    "User",
    "action_partner",
]
