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
    # Pages name it with the organisation's word for an area (setup.role_label).
    Role.LOCALITY_HEAD: "Area head of service",
    Role.ACTION_LEAD: "Action lead",
    Role.PERFORMANCE_OFFICER: "Performance officer",
    Role.VIEWER: "Group member or viewer",
}


class Permission(StrEnum):
    READ_PLAN = "plan.read"
    UPDATE_ACTION = "action.update"
    SUBMIT_RETURN = "return.submit"
    READ_SEF_DRAFT = "sef.read_draft"
    SIGN_OFF = "action.sign_off"
    RECORD_MEETING = "meeting.record"
    WRITE_PACK_NOTE = "meeting.pack_note"
    READ_MEETING = "meeting.read"
    COMPLETE_FOLLOW_UP = "meeting.follow_up"
    RECORD_PLAN_SUBMISSION = "inspection.record_plan_submission"
    EXPORT = "plan.export"
    MANAGE_MEASURES = "measures.manage"
    EDIT_PLAN = "plan.edit"
    REQUEST_DATE_CHANGE = "action.request_date_change"
    DECIDE_DATE_CHANGE = "action.decide_date_change"
    READ_DASHBOARD = "dashboard.read"
    RAISE_CHALLENGE = "challenge.raise"
    READ_CHALLENGES = "challenge.read"
    ADMIN = "admin"


@dataclass(frozen=True)
class Actor:
    """The person asking, as plain values."""

    user_id: int | None
    role: Role | None
    locality: str | None = None
    active: bool = True
    # The locality whose return and SEF this person may do as its head's named deputy.
    deputy_for: str | None = None

    def speaks_for(self, locality: str | None) -> bool:
        """This locality's head, or its named deputy."""
        if locality is None:
            return False
        head = self.role is Role.LOCALITY_HEAD and self.locality == locality
        return head or self.deputy_for == locality

    @property
    def may_do_returns(self) -> bool:
        return self.role is Role.LOCALITY_HEAD or self.deputy_for is not None


@dataclass(frozen=True)
class Target:
    """What the permission is asked about, when it is about one thing."""

    lead_user_id: int | None = None
    locality: str | None = None
    # The people a meeting names: its chair, its attendees and the holders of its follow-ups.
    people: frozenset[int] = frozenset()


_EVERY_ROLE = frozenset(Role)
# Meetings are the board's record: these roles see every one; anyone else sees the meetings
# that name them (chaired, attended, or holding a follow-up from). See `can` and `sees_meeting`.
SEES_EVERY_MEETING = frozenset({Role.ADMIN, Role.CHAIR, Role.VIEWER})
# Separation of duties: only chairs sign off; only a locality's head (or deputy) writes its
# return and SEF; the admin manages people and settings. The right to update an action, or to ask
# for its target date to move, follows the work (leading it, or heading its locality), whatever
# the role: see `can`. Chairs and the admin change the plan itself; only a chair moves a date.
_GRANTS: dict[Permission, frozenset[Role]] = {
    Permission.READ_PLAN: _EVERY_ROLE,
    Permission.UPDATE_ACTION: _EVERY_ROLE,
    Permission.SUBMIT_RETURN: _EVERY_ROLE,
    Permission.READ_SEF_DRAFT: _EVERY_ROLE,
    Permission.SIGN_OFF: frozenset({Role.CHAIR}),
    Permission.RECORD_MEETING: frozenset({Role.ADMIN, Role.CHAIR}),
    Permission.READ_MEETING: _EVERY_ROLE,
    # A meeting pack's covering note: the chair or the group's secretary (its members) writes it.
    Permission.WRITE_PACK_NOTE: frozenset({Role.CHAIR, Role.VIEWER}),
    Permission.COMPLETE_FOLLOW_UP: _EVERY_ROLE,
    # The day the action plan went to Ofsted: the board's chair or the administrator.
    Permission.RECORD_PLAN_SUBMISSION: frozenset({Role.ADMIN, Role.CHAIR}),
    Permission.EXPORT: frozenset({Role.ADMIN, Role.CHAIR, Role.VIEWER, Role.PERFORMANCE_OFFICER}),
    Permission.MANAGE_MEASURES: frozenset({Role.ADMIN, Role.PERFORMANCE_OFFICER}),
    Permission.EDIT_PLAN: frozenset({Role.ADMIN, Role.CHAIR}),
    Permission.REQUEST_DATE_CHANGE: _EVERY_ROLE,
    Permission.DECIDE_DATE_CHANGE: frozenset({Role.CHAIR}),
    # The chair's dashboard for the board, readable by the group's members (viewers) and by the
    # admin, who prepares the meeting and its pack with the chair (as for RECORD_MEETING).
    Permission.READ_DASHBOARD: frozenset({Role.ADMIN, Role.CHAIR, Role.VIEWER}),
    # The challenge log (tracker/domain/challenges.py): chairs and group members put challenges;
    # everyone may open the log, which shows each person the challenges they may see, and the
    # service decides who answers, accepts or escalates each one.
    Permission.RAISE_CHALLENGE: frozenset({Role.CHAIR, Role.VIEWER}),
    Permission.READ_CHALLENGES: _EVERY_ROLE,
    Permission.ADMIN: frozenset({Role.ADMIN}),
}


def can(actor: Actor | None, permission: Permission | str, target: Target | None = None) -> bool:
    """Decide one permission for one person (and, where it matters, one action or locality).

    Without a target, the answer is whether the person could ever have it (a route guard); the
    view then asks again about the one action or locality."""
    if actor is None or actor.role is None or not actor.active:
        return False
    permission = Permission(permission)
    if actor.role not in _GRANTS[permission]:
        return False
    if permission in (Permission.UPDATE_ACTION, Permission.REQUEST_DATE_CHANGE):
        if target is None:
            return True  # anyone may lead an action: the view asks about the action itself
        if target.lead_user_id is not None and target.lead_user_id == actor.user_id:
            return True
        return actor.speaks_for(target.locality)
    if permission is Permission.SUBMIT_RETURN:
        return actor.may_do_returns if target is None else actor.speaks_for(target.locality)
    if permission is Permission.READ_SEF_DRAFT:
        if target is None:
            return actor.role is Role.ADMIN or actor.may_do_returns
        return actor.role is Role.ADMIN or actor.speaks_for(target.locality)
    if permission is Permission.READ_MEETING:
        return target is None or sees_meeting(actor, target.people)
    if permission is Permission.COMPLETE_FOLLOW_UP:
        # The follow-up's holder marks it done, or a chair or admin on their behalf.
        if target is None or actor.role in (Role.ADMIN, Role.CHAIR):
            return True
        return target.lead_user_id is not None and target.lead_user_id == actor.user_id
    return True


def sees_every_meeting(actor: Actor | None) -> bool:
    """Chairs, admins and viewers (group members) see every meeting's record."""
    return actor is not None and actor.active and actor.role in SEES_EVERY_MEETING


def sees_meeting(actor: Actor, people: frozenset[int]) -> bool:
    """A meeting is seen by the roles that see every meeting, and by the people it names."""
    return sees_every_meeting(actor) or actor.user_id in people
