from tracker.web.changes.views import bp

__all__ = ["bp"]
