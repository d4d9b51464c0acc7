from tracker.web.dashboard.views import bp

__all__ = ["bp"]
