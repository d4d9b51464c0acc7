"""The challenge log's rules: who raises, answers and closes a challenge, and what each step does.

A challenge is a question a chair or a group member (viewer) puts to whoever is accountable for an
action or a locality's fortnightly return. Its steps are kept for ever, in order:

    raised -> open (awaiting a response)
    response -> responded (awaiting the challenger)
    accepted -> accepted (closed: nothing more can be added)
    escalated -> escalated (still open: awaits a further response, then accept or escalate again)

Only a response moves an open or escalated challenge on; only the challenger, or any chair, accepts
or escalates it, and only once it has been answered.
"""

from __future__ import annotations

from enum import StrEnum

from tracker.domain.permissions import Actor, Role

QUESTION_LIMIT = 2000
RESPONSE_LIMIT = 4000
NOTE_LIMIT = 2000
# Who may put a challenge: the board's readers (Council and group members, chairs).
RAISERS = frozenset({Role.CHAIR, Role.VIEWER})
# Who sees every challenge; anyone else sees those they raised or must answer.
SEES_EVERY_CHALLENGE = frozenset({Role.ADMIN, Role.CHAIR, Role.VIEWER})


class Status(StrEnum):
    OPEN = "open"
    RESPONDED = "responded"
    ACCEPTED = "accepted"
    ESCALATED = "escalated"

    @property
    def label(self) -> str:
        return STATUS_LABELS[self]

    @property
    def is_open(self) -> bool:
        return self is not Status.ACCEPTED


STATUS_LABELS = {
    Status.OPEN: "Awaiting response",
    Status.RESPONDED: "Responded: awaiting the challenger",
    Status.ACCEPTED: "Accepted",
    Status.ESCALATED: "Escalated: awaiting a further response",
}
STEP_KINDS = ("response", "accepted", "escalated")
STEP_LABELS = {"response": "Response", "accepted": "Accepted", "escalated": "Escalated"}
OPEN_STATUSES = tuple(s.value for s in Status if s.is_open)


def check_text(text: str | None, *, what: str, limit: int, required: bool = True) -> str | None:
    """The message for a question, response or note that is empty or too long, else None."""
    value = (text or "").strip()
    if required and not value:
        return f"Enter the {what}"
    if len(value) > limit:
        return f"The {what} must be {limit:,} characters or fewer (it has {len(value):,})"
    return None


def may_raise(actor: Actor | None) -> bool:
    """A chair or a group member (viewer) puts a challenge."""
    return actor is not None and actor.active and actor.role in RAISERS


def answers_for(actor: Actor | None, *, lead_user_id: int | None, locality: str | None) -> bool:
    """The action's lead, or the head (or named deputy) of the locality whose plan or return it
    is, answers a challenge. Chairs and the admin do not answer on anyone's behalf: a challenge
    is put to whoever is accountable, and an answer from the board would be no answer."""
    if actor is None or not actor.active or actor.user_id is None:
        return False
    if lead_user_id is not None and lead_user_id == actor.user_id:
        return True
    return actor.speaks_for(locality)


def may_decide(actor: Actor | None, *, raised_by_id: int | None) -> bool:
    """The challenger, or any chair, accepts or escalates a challenge."""
    if actor is None or not actor.active or actor.user_id is None:
        return False
    return actor.role is Role.CHAIR or (raised_by_id is not None and raised_by_id == actor.user_id)


def sees_challenge(
    actor: Actor | None, *, raised_by_id: int | None, lead_user_id: int | None, locality: str | None
) -> bool:
    """The board (admin, chairs, group members) sees every challenge; anyone else the challenges
    they raised or must answer."""
    if actor is None or not actor.active:
        return False
    if actor.role in SEES_EVERY_CHALLENGE:
        return True
    if raised_by_id is not None and raised_by_id == actor.user_id:
        return True
    return answers_for(actor, lead_user_id=lead_user_id, locality=locality)


def after_step(status: Status, kind: str) -> Status | str:
    """The status a step moves a challenge to, or the reason the step is refused."""
    if status is Status.ACCEPTED:
        return "This challenge has been accepted and is closed: nothing more can be added"
    if kind == "response":
        if status is Status.RESPONDED:
            return "This challenge has been answered: the challenger accepts or escalates it next"
        return Status.RESPONDED
    if kind in ("accepted", "escalated"):
        if status is not Status.RESPONDED:
            return "This challenge is waiting for a response: accept or escalate it once answered"
        return Status.ACCEPTED if kind == "accepted" else Status.ESCALATED
    return "Choose whether to accept or escalate the challenge"
