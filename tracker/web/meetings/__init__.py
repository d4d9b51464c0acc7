from tracker.web.meetings.views import bp

__all__ = ["bp"]
