"""Who may do what: the one policy function every route asks."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    CHAIR = "chair"
    LOCALITY_HEAD = "locality_head"
    ACTION_LEAD = "action_lead"
    PERFORMANCE_OFFICER = "performance_officer"
    VIEWER = "viewer"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS = {
    Role.ADMIN: "Administrator",
    Role.CHAIR: "Chair or senior leader",
    Role.LOCALITY_HEAD: "Locality head of service",
    Role.ACTION_LEAD: "Action lead",
    Role.PERFORMANCE_OFFICER: "Performance officer",
    Role.VIEWER: "JSIG member or viewer",
}


class Permission(StrEnum):
    READ_PLAN = "plan.read"
    UPDATE_ACTION = "action.update"
    SUBMIT_RETURN = "return.submit"
    SIGN_OFF = "action.sign_off"
    RECORD_MEETING = "meeting.record"
    EXPORT = "plan.export"
    MANAGE_MEASURES = "measures.manage"
    ADMIN = "admin"


@dataclass(frozen=True)
class Actor:
    """The person asking, as plain values."""

    user_id: int | None
    role: Role | None
    locality: str | None = None
    active: bool = True


@dataclass(frozen=True)
class Target:
    """What the permission is asked about, when it is about one thing."""

    lead_user_id: int | None = None
    locality: str | None = None


_EVERY_ROLE = frozenset(Role)
_GRANTS: dict[Permission, frozenset[Role]] = {
    Permission.READ_PLAN: _EVERY_ROLE,
    Permission.UPDATE_ACTION: frozenset({Role.ADMIN, Role.LOCALITY_HEAD, Role.ACTION_LEAD}),
    Permission.SUBMIT_RETURN: frozenset({Role.ADMIN, Role.LOCALITY_HEAD}),
    Permission.SIGN_OFF: frozenset({Role.ADMIN, Role.CHAIR}),
    Permission.RECORD_MEETING: frozenset({Role.ADMIN, Role.CHAIR}),
    Permission.EXPORT: frozenset({Role.ADMIN, Role.CHAIR, Role.VIEWER, Role.PERFORMANCE_OFFICER}),
    Permission.MANAGE_MEASURES: frozenset({Role.ADMIN, Role.PERFORMANCE_OFFICER}),
    Permission.ADMIN: frozenset({Role.ADMIN}),
}


def can(actor: Actor | None, permission: Permission | str, target: Target | None = None) -> bool:
    """Decide one permission for one person (and, where it matters, one action or locality)."""
    if actor is None or actor.role is None or not actor.active:
        return False
    permission = Permission(permission)
    if actor.role not in _GRANTS[permission]:
        return False
    if actor.role is Role.ADMIN or target is None:
        return True
    if permission is Permission.UPDATE_ACTION:
        if target.lead_user_id is not None and target.lead_user_id == actor.user_id:
            return True
        return (
            actor.role is Role.LOCALITY_HEAD
            and target.locality is not None
            and target.locality == actor.locality
        )
    if permission is Permission.SUBMIT_RETURN:
        return target.locality is not None and target.locality == actor.locality
    return True
