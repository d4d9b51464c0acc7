from tracker.web.inspections.views import bp

__all__ = ["bp"]
