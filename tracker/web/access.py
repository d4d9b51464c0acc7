"""Route guards for pages: they live in tracker.http.access, shared with the API."""

from tracker.http.access import PUBLIC, actor_for, allowed, check, public, refuse, requires

__all__ = ["PUBLIC", "actor_for", "allowed", "check", "public", "refuse", "requires"]
