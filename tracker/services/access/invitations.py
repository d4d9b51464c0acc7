"""Invitations: a one-time link, sent through the outbox, with which a person sets a password.

Only the link's SHA-256 hash is stored; it works once, until it expires, and a newer invitation
stops older unused links working.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select, update
from werkzeug.security import generate_password_hash

from tracker.domain.calendar import LONDON
from tracker.domain.people import LinkState, invitation_state, password_problem
from tracker.extensions import db
from tracker.models import Invitation, User
from tracker.services.access.auth import normalise_email
from tracker.services.access.people import (
    PersonDetails,
    Refused,
    check_details,
    commit_or_refuse,
    load_person,
    take_deputy,
)
from tracker.services.mail import outbox
from tracker.services.platform.audit import add_event


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _write_invitation(
    user: User, *, actor_id: int | None, now: datetime, lifetime: timedelta, base_url: str
) -> Invitation:
    """A fresh link (older unused links stop working) and its email in the outbox."""
    invitation, link = new_link(
        user, actor_id=actor_id, now=now, lifetime=lifetime, base_url=base_url
    )
    expires = (now + lifetime).astimezone(LONDON)
    values = {"name": user.name, "link": link, "expires": expires}
    env = current_app.jinja_env
    outbox.add_message(
        key=f"invitation|{invitation.id}",
        run_day=now.astimezone(LONDON).date(),
        recipient_id=user.id,
        to_address=user.email or "",
        subject="Set your password for the Ofsted action plan tracker",
        body_text=env.get_template("email/invitation.txt").render(**values),
        body_html=env.get_template("email/invitation.html").render(**values),
        now=now,
    )
    return invitation


def send_invitation(
    user: User, *, actor_id: int | None, now: datetime, lifetime: timedelta, base_url: str
) -> Invitation:
    """Email someone already added (who has not set a password) a one-time link through the
    outbox; older unused links stop working. Not committed: the caller commits once."""
    return _write_invitation(user, actor_id=actor_id, now=now, lifetime=lifetime, base_url=base_url)


def new_link(
    user: User, *, actor_id: int | None, now: datetime, lifetime: timedelta, base_url: str
) -> tuple[Invitation, str]:
    """A fresh one-time link for `user` to set a password (older unused links stop working):
    the row (only the token's hash is stored) and the link, which is shown nowhere else."""
    db.session.execute(
        update(Invitation)
        .where(Invitation.user_id == user.id, Invitation.used_at.is_(None))
        .values(expires_at=now)
    )
    token = secrets.token_urlsafe(32)
    invitation = Invitation(
        user_id=user.id,
        token_hash=_hash(token),
        created_by_id=actor_id,
        created_at=now,
        expires_at=now + lifetime,
    )
    db.session.add(invitation)
    db.session.flush()
    return invitation, f"{base_url.rstrip('/')}/invitations/{token}"


def invite_person(
    details: PersonDetails, *, actor_id: int, now: datetime, lifetime: timedelta, base_url: str
) -> User:
    """Add a person who cannot sign in yet and email them a one-time link to set a password."""
    check_details(details, None)
    user = User(
        email=normalise_email(details.email),
        name=details.name,
        job_title=details.job_title,
        organisation_id=details.organisation_id,
        role=details.role,
        locality_id=details.locality_id,
        line_manager_id=details.line_manager_id,
        password_hash=None,
        active=True,
        created_at=now,
    )
    db.session.add(user)
    db.session.flush()
    replaced = take_deputy(user, details.deputy_locality_id)
    _write_invitation(user, actor_id=actor_id, now=now, lifetime=lifetime, base_url=base_url)
    add_event(
        "person_invited",
        now=now,
        user_id=actor_id,
        target=user.email or "",
        detail={"person_id": user.id, "role": user.role} | replaced,
    )
    commit_or_refuse()
    return user


def reinvite_person(
    user_id: int, *, actor_id: int, now: datetime, lifetime: timedelta, base_url: str
) -> User:
    """Send a new link (the old ones stop working), for a lost, used or expired one."""
    user = load_person(user_id)
    if not user.active:
        raise Refused("This person has left: they cannot be invited")
    if not user.email:
        raise Refused("This person has no email address: add one first")
    if user.password_hash:
        # Nobody sets another's password: they choose a new one themselves ("Forgot your
        # password?" on the sign-in page sends the link to their own address).
        raise Refused(
            "This person has set a password, so they cannot be invited again. If they have "
            "forgotten it, they can use \u201cForgot your password?\u201d on the sign-in page."
        )
    _write_invitation(user, actor_id=actor_id, now=now, lifetime=lifetime, base_url=base_url)
    add_event("person_reinvited", now=now, user_id=actor_id, target=user.email)
    db.session.commit()
    return user


def request_new_password(
    email: str, *, now: datetime, lifetime: timedelta, base_url: str, remote_addr: str
) -> None:
    """ "Forgot your password?": a one-time link to the account's own address, if there is such
    an active account. Says nothing either way (the page reads the same), and is audited."""
    user = db.session.execute(
        select(User).where(User.email == normalise_email(email), User.active.is_(True))
    ).scalar_one_or_none()
    if user is not None and user.email:
        _write_invitation(user, actor_id=None, now=now, lifetime=lifetime, base_url=base_url)
    add_event(
        "new_password_requested",
        now=now,
        user_id=None,
        target=normalise_email(email)[:254],
        detail={"known": user is not None},
        remote_addr=remote_addr,
    )
    db.session.commit()


@dataclass(frozen=True)
class InvitationView:
    state: LinkState
    name: str = ""
    email: str = ""


def _find_invitation(token: str) -> Invitation | None:
    if not token or len(token) > 100:
        return None
    return db.session.execute(
        select(Invitation).where(Invitation.token_hash == _hash(token))
    ).scalar_one_or_none()


def _state(invitation: Invitation | None, now: datetime) -> LinkState:
    state = invitation_state(
        found=invitation is not None,
        expires_at=invitation.expires_at if invitation else None,
        used_at=invitation.used_at if invitation else None,
        now=now,
    )
    if state is LinkState.VALID and not invitation.user.active:  # type: ignore[union-attr]
        return LinkState.EXPIRED
    return state


def get_invitation(token: str, *, now: datetime) -> InvitationView:
    """Whether a link still works, and whose it is."""
    invitation = _find_invitation(token)
    state = _state(invitation, now)
    if invitation is None or state is not LinkState.VALID:
        return InvitationView(state)
    return InvitationView(state, invitation.user.name, invitation.user.email or "")


def accept_invitation(
    token: str, password: str, confirm: str, *, now: datetime, hash_method: str
) -> InvitationView:
    """Set the password once: a used or expired link raises Refused with its state as field."""
    invitation = _find_invitation(token)
    state = _state(invitation, now)
    if invitation is None or state is not LinkState.VALID:
        raise Refused("This link no longer works", state.value)
    problem = password_problem(password, confirm)
    if problem:
        raise Refused(problem[1], problem[0])
    # Claimed with a guarded update, so two tabs sending the form at once use it only once.
    if invitation.user.password_hash and invitation.created_by_id is not None:
        # A link an admin sent never replaces a password its person has set: only a link the
        # person asked for themselves ("Forgot your password?", no creator) does.
        raise Refused("This link no longer works", LinkState.USED.value)
    claimed = db.session.execute(
        update(Invitation)
        .where(Invitation.id == invitation.id, Invitation.used_at.is_(None))
        .values(used_at=now)
    ).rowcount
    if claimed != 1:
        db.session.rollback()
        raise Refused("This link no longer works", LinkState.USED.value)
    user = invitation.user
    user.password_hash = generate_password_hash(password, method=hash_method)
    user.end_sessions()  # a new password ends every session made with the old one
    add_event("invitation_used", now=now, user_id=user.id, target=user.email or "")
    db.session.commit()
    return InvitationView(LinkState.USED, user.name, user.email or "")
