"""Signing in, people and API tokens."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.security import check_password_hash, generate_password_hash

from tracker.domain import api_tokens
from tracker.domain.calendar import LONDON
from tracker.domain.permissions import Actor, Role
from tracker.extensions import db
from tracker.models import ApiToken, Locality, Organisation, User
from tracker.services.access import settings
from tracker.services.errors import NotFound
from tracker.services.platform.audit import add_event
from tracker.services.reads.reference import PlanChoice, get_user_with_plans


@lru_cache(maxsize=4)
def _dummy_hash(hash_method: str) -> str:
    """Checked when the email is unknown, made the way real passwords are: both failures then
    cost the same, so the time taken does not tell whether an address has an account."""
    return generate_password_hash("not-a-password", method=hash_method)


def _method_of(password_hash: str) -> str:
    return password_hash.split("$", 1)[0]


def normalise_email(email: str) -> str:
    return email.strip().lower()


def authenticate(
    email: str, password: str, *, now: datetime, remote_addr: str, hash_method: str
) -> User | None:
    """Check an email and password; record the sign-in or the failure either way.

    A password stored with other parameters than `hash_method` (older settings) still verifies,
    and is hashed again with `hash_method` once it has."""
    user = db.session.execute(
        select(User).where(User.email == normalise_email(email))
    ).scalar_one_or_none()
    ok = False
    if user is not None and user.password_hash and user.active:
        ok = check_password_hash(user.password_hash, password)
        # Compared in full form: "scrypt" is stored as "scrypt:32768:8:1".
        if ok and _method_of(user.password_hash) != _method_of(_dummy_hash(hash_method)):
            user.password_hash = generate_password_hash(password, method=hash_method)
    else:
        check_password_hash(_dummy_hash(hash_method), password)
    add_event(
        "sign_in" if ok else "sign_in_failed",
        now=now,
        user_id=user.id if ok and user else None,
        target=normalise_email(email),
        remote_addr=remote_addr,
    )
    db.session.commit()
    return user if ok else None


@dataclass
class NewUser:
    email: str
    name: str
    role: str
    organisation: str | None
    locality: str | None = None
    job_title: str = ""


def create_user(new: NewUser, password: str, *, now: datetime, hash_method: str) -> User:
    """Create a person who can sign in. Raises ValueError with a readable message on bad input."""
    email = normalise_email(new.email)
    if "@" not in email:
        raise ValueError(f"{new.email!r} is not an email address")
    if new.role not in {r.value for r in Role}:
        raise ValueError(f"role must be one of {', '.join(r.value for r in Role)}")
    if len(password) < 12:
        raise ValueError("the password must be at least 12 characters")
    if db.session.execute(select(User.id).where(User.email == email)).first():
        raise ValueError(f"a user with email {email} already exists")
    if new.organisation:
        org = db.session.execute(
            select(Organisation).where(Organisation.code == new.organisation)
        ).scalar_one_or_none()
    else:  # not named: the only organisation there is (as after `flask tracker init`)
        orgs = db.session.execute(select(Organisation).limit(2)).scalars().all()
        org = orgs[0] if len(orgs) == 1 else None
    if org is None:
        codes = db.session.execute(select(Organisation.code).order_by(Organisation.code)).scalars()
        known = ", ".join(codes) or "none yet: run `flask tracker init` first"
        raise ValueError(
            f"no organisation with code {new.organisation!r} (organisations: {known})"
            if new.organisation
            else f"name the person's organisation with --organisation (organisations: {known})"
        )
    locality = None
    if new.locality:
        locality = db.session.execute(
            select(Locality).where(Locality.code == new.locality)
        ).scalar_one_or_none()
        if locality is None:
            raise ValueError(f"no area with code {new.locality!r}")
    if new.role == Role.LOCALITY_HEAD and locality is None:
        raise ValueError("an area's head of service needs --locality")
    user = User(
        email=email,
        name=new.name,
        job_title=new.job_title,
        organisation_id=org.id,
        role=new.role,
        locality_id=locality.id if locality else None,
        password_hash=generate_password_hash(password, method=hash_method),
        active=True,
        created_at=now,
    )
    db.session.add(user)
    db.session.flush()
    add_event("user_created", now=now, target=email, detail={"role": new.role})
    db.session.commit()
    return user


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _user_by_email(email: str) -> User:
    user = db.session.execute(
        select(User).where(User.email == normalise_email(email))
    ).scalar_one_or_none()
    if user is None:
        raise NotFound(f"no user with email {email}")
    return user


class TokenRefused(ValueError):
    """A token the rules do not allow; `field` names the form field it is about."""

    def __init__(self, message: str, field: str = ""):
        super().__init__(message)
        self.message = message
        self.field = field


LABEL_MAX = 100


def create_token(
    email: str, *, now: datetime, label: str = "", expires_on: date | None = None
) -> str:
    """Issue a bearer token; only its hash is stored, so it is shown once."""
    return create_token_for(_user_by_email(email).id, now=now, label=label, expires_on=expires_on)


def _label_problem(label: str) -> str | None:
    if len(label) > LABEL_MAX:
        return f"The label must be {LABEL_MAX} characters or fewer"
    if any(ord(c) < 32 or ord(c) == 127 for c in label):
        return "The label must not hold control characters (such as a NUL byte or a new line)"
    return None


def create_token_for(
    user_id: int,
    *,
    now: datetime,
    label: str = "",
    expires_on: date | None = None,
    actor_id: int | None = None,
    read_only: bool = False,
) -> str:
    """Issue a bearer token for a person who has not left (shown once; only its hash is kept).
    It works until the end of the London day `expires_on`: today or later, at most a year on
    (90 days on when not given). Refused (TokenRefused), nothing is written."""
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(f"no person {user_id}")
    if not user.active:
        raise TokenRefused("This person has left: they cannot have an API token", "label")
    label_problem = _label_problem(label)
    if label_problem:
        raise TokenRefused(label_problem, "label")
    if read_only:  # made by its holder, who names each live token apart
        if not label:
            raise TokenRefused("Enter what the token is for", "label")
        if _live_label_taken(user.id, label, now=now):
            raise TokenRefused(
                f"You already have a live token called “{label}”: choose another name, "
                "or revoke that one first",
                "label",
            )
    today = now.astimezone(LONDON).date()
    expires_on = expires_on if expires_on is not None else api_tokens.default_expiry(today)
    date_problem = api_tokens.expiry_problem(expires_on, today=today)
    if date_problem:
        raise TokenRefused(date_problem, "expires_on")
    token = "trk_" + secrets.token_urlsafe(32)
    db.session.add(
        ApiToken(
            user_id=user.id,
            token_hash=_hash_token(token),
            label=label,
            created_at=now,
            expires_at=api_tokens.expires_at(expires_on),
            read_only=read_only,
        )
    )
    add_event(
        "token_created",
        now=now,
        user_id=actor_id or user.id,
        target=user.email or user.name,
        detail={
            "person_id": user.id,
            "label": label,
            "expires_on": expires_on.isoformat(),
            **({"read_only": True} if read_only else {}),
        },
    )
    db.session.commit()
    return token


def _live_label_taken(user_id: int, label: str, *, now: datetime) -> bool:
    rows = db.session.execute(
        select(ApiToken).where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
    ).scalars()
    return any(t.label.casefold() == label.casefold() and not t.expired(now) for t in rows)


def revoke_tokens(email: str, *, now: datetime) -> int:
    """Revoke every live token of a person; returns how many were revoked."""
    return revoke_tokens_for(_user_by_email(email).id, now=now)


def revoke_tokens_for(user_id: int, *, now: datetime, actor_id: int | None = None) -> int:
    """Revoke every live token of a person; returns how many were revoked."""
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(f"no person {user_id}")
    rows = (
        db.session.execute(
            select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        )
        .scalars()
        .all()
    )
    for token in rows:
        token.revoked_at = now
    add_event(
        "token_revoked",
        now=now,
        user_id=actor_id,
        target=user.email or user.name,
        detail={"person_id": user.id, "count": len(rows)},
    )
    db.session.commit()
    return len(rows)


def revoke_own_token(user_id: int, token_id: int, *, now: datetime) -> ApiToken:
    """A person revokes one of their own tokens. Another person's token is NotFound, as is
    one that does not exist (nobody learns whose ids are whose); revoking twice is harmless."""
    row = db.session.get(ApiToken, token_id) if 0 < token_id < 2**31 else None
    if row is None or row.user_id != user_id:
        raise NotFound(f"no token {token_id} of yours")
    if row.revoked_at is None:
        row.revoked_at = now
        add_event(
            "token_revoked",
            now=now,
            user_id=user_id,
            target=row.user.email or row.user.name,
            detail={"person_id": user_id, "count": 1, "label": row.label},
        )
        db.session.commit()
    return row


def tokens_of(user_id: int) -> list[ApiToken]:
    """A person's tokens, newest first (revoked and expired ones stay, as a record)."""
    return list(
        db.session.execute(
            select(ApiToken).where(ApiToken.user_id == user_id).order_by(ApiToken.id.desc())
        ).scalars()
    )


@dataclass(frozen=True)
class TokenCheck:
    """Whom a bearer token signs in, or why it signs in nobody (`problem`, for the 401)."""

    user: User | None
    problem: str = ""
    read_only: bool = False


def check_token(token: str, *, now: datetime) -> TokenCheck:
    """The active person a live, unexpired token belongs to; or None and why not."""
    row = db.session.execute(
        select(ApiToken).where(ApiToken.token_hash == _hash_token(token))
    ).scalar_one_or_none()
    if row is None:
        return TokenCheck(None, "The API token is not known.")
    if row.revoked_at is not None:
        return TokenCheck(None, "The API token has been revoked.")
    if row.expired(now):
        day = row.expires_on
        return TokenCheck(
            None,
            f"The API token has expired: it worked until the end of "
            f"{day.day} {day.strftime('%B %Y')}. Ask for a new one.",
        )
    if not row.user.active:
        return TokenCheck(None, "The API token's holder has left.")
    checked = TokenCheck(row.user, read_only=row.read_only)
    _mark_used(row, now)
    return checked


USE_MARKED_EVERY = timedelta(hours=1)


def _mark_used(row: ApiToken, now: datetime) -> None:
    """Note when a token was last used, at most once an hour (a busy script writes little).
    A failure to note it never stops the request it signs in."""
    if row.last_used_at is not None and now - row.last_used_at < USE_MARKED_EVERY:
        return
    row.last_used_at = now
    try:
        db.session.commit()
    except SQLAlchemyError:
        db.session.rollback()


def user_for_token(token: str, *, now: datetime) -> User | None:
    """The active person a live token belongs to, or None (unknown, revoked or expired)."""
    return check_token(token, now=now).user


def confirm_password(user_id: int, password: str, *, now: datetime, remote_addr: str) -> bool:
    """A signed-in person proves it is still them before an admin change; recorded either way."""
    user = db.session.get(User, user_id)
    ok = bool(user and user.password_hash and check_password_hash(user.password_hash, password))
    add_event(
        "sign_in_confirmed" if ok else "sign_in_confirm_failed",
        now=now,
        user_id=user_id,
        target=(user.email or "") if user else "",
        remote_addr=remote_addr,
    )
    db.session.commit()
    return ok


def actor_of(user: User) -> Actor:
    """A person as the plain values the permission policy decides on."""
    return Actor(
        user_id=user.id,
        role=Role(user.role),
        locality=user.locality.code if user.locality else None,
        active=user.active,
        deputy_for=user.deputy_locality.code if user.deputy_locality else None,
    )


def sign_out(user_id: int, *, now: datetime, remote_addr: str) -> None:
    """End every session of this person (this one, and any copy of its cookie), and record it."""
    user = db.session.get(User, user_id)
    if user is not None:
        user.end_sessions()
    add_event("sign_out", now=now, user_id=user_id, remote_addr=remote_addr)
    db.session.commit()


def get_user(user_id: int) -> User | None:
    return db.session.get(User, user_id)


def get_signed_in_user(user_id: int) -> tuple[User | None, list[PlanChoice]]:
    """The person a session names, with every plan (the menu's links and the plan filter's
    check need them on every page) and the saved set-up, kept for the request: one
    statement."""
    user, plans, saved, changed = get_user_with_plans(user_id)
    if user is not None:
        settings.remember(saved, changed)
    return user, plans


def list_users() -> list[User]:
    return list(db.session.execute(select(User).order_by(User.role, User.name)).scalars())
