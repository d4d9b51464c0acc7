from tracker.web.plan_changes.views import bp

__all__ = ["bp"]
