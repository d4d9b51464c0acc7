"""JSON API v1 and its OpenAPI document."""

from tracker.api import changes, exports, outbox, overdue, returns, updates  # noqa: F401 - their routes join the blueprint
from tracker.api.views import bp

__all__ = ["bp"]
