"""Route guards: every view names the permission it needs and the one policy function decides."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort, current_app, request
from flask_login import current_user

from tracker.clock import now_utc
from tracker.domain.permissions import Actor, Permission, Target, can
from tracker.services.access.auth import actor_of
from tracker.services.platform.audit import record_event

F = TypeVar("F", bound=Callable[..., Any])
PUBLIC = "_public"


def actor_for(user: Any) -> Actor | None:
    """The signed-in person as plain values for the policy."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return actor_of(user)


def allowed(permission: Permission | str, target: Target | None = None) -> bool:
    return can(actor_for(current_user), permission, target)


def refuse(permission: Permission | str, target: str = "", detail: str | None = None) -> None:
    """Log the refusal as an audit event, then 403 (saying `detail`, when given, on the page or
    in the problem body instead of the general words)."""
    record_event(
        "permission_refused",
        now=now_utc(),
        user_id=current_user.id if current_user.is_authenticated else None,
        target=target or request.path,
        detail={"permission": str(permission), "method": request.method},
        remote_addr=request.remote_addr or "",
    )
    if detail:
        abort(403, description=detail)
    abort(403)


def check(permission: Permission | str, target: Target | None = None, what: str = "") -> None:
    """Object-level check inside a view (for example, this action's lead)."""
    if not allowed(permission, target):
        refuse(permission, what)


def requires(permission: Permission | str) -> Callable[[F], F]:
    """Decorator: signed in and granted `permission`, or 401/redirect and 403."""

    def decorate(view: F) -> F:
        @wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return current_app.login_manager.unauthorized()  # type: ignore[attr-defined]
            if not allowed(permission):
                refuse(permission)
            return view(*args, **kwargs)

        guarded.required_permission = str(permission)  # type: ignore[attr-defined]
        return guarded  # type: ignore[return-value]

    return decorate


def public(view: F) -> F:
    """Mark a view that anyone may see (sign-in, accessibility statement, assets)."""
    setattr(view, PUBLIC, True)
    return view
