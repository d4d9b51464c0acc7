"""JSON API v1 and its OpenAPI document."""

from tracker.api.views import bp

__all__ = ["bp"]
