from tracker.web.updates.views import bp

__all__ = ["bp"]
