"""JSON API v1 and its OpenAPI document."""

from tracker.api import (  # noqa: F401 - their routes join the blueprint
    challenges,
    changes,
    dashboard,
    date_requests,
    evidence,
    exports,
    measures,
    meetings,
    outbox,
    overdue,
    past_returns,
    returns,
    search,
    sefs,
    updates,
)
from tracker.api.views import bp

__all__ = ["bp"]
