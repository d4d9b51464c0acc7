"""Known devices: a browser where a person has signed in before keeps a signed cookie naming
that account (OWASP's "device cookies"). Sign-ins from it are limited by the device, not by the
address or the account, so an attacker trying an account from many addresses, or spraying the
service, cannot lock its owner out of a browser they have used before. Only a digest of the
email is kept in the cookie, never the email or anything that signs anyone in."""

from __future__ import annotations

import hashlib
import secrets

from flask import current_app, request
from itsdangerous import BadSignature, URLSafeSerializer

COOKIE = "tracker_device"
MAX_AGE = 180 * 24 * 3600  # six months
MAX_ACCOUNTS = 5  # a shared office computer


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="sign-in-device")


def _digest(email: str) -> str:
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]


def _read() -> dict | None:
    raw = request.cookies.get(COOKIE, "")
    if not raw or len(raw) > 1000:
        return None
    try:
        value = _serializer().loads(raw)
    except BadSignature:
        return None
    if (
        not isinstance(value, dict)
        or not isinstance(value.get("d"), str)
        or not isinstance(value.get("a"), list)
    ):
        return None
    return value


def known_device_for(email: str) -> str | None:
    """The device's id when this browser has signed in to `email`'s account before."""
    value = _read()
    if value is None or _digest(email) not in value["a"]:
        return None
    return value["d"]


def remember(response, email: str) -> None:
    """After a successful sign-in: this browser is known for this account."""
    value = _read() or {"d": secrets.token_urlsafe(16), "a": []}
    digest = _digest(email)
    accounts = [digest] + [a for a in value["a"] if a != digest]
    response.set_cookie(
        COOKIE,
        _serializer().dumps({"d": value["d"], "a": accounts[:MAX_ACCOUNTS]}),
        max_age=MAX_AGE,
        secure=current_app.config.get("SESSION_COOKIE_SECURE", True),
        httponly=True,
        samesite="Lax",
        path="/sign-in",
    )
