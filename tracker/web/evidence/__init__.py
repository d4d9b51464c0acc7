from tracker.web.evidence.views import bp

__all__ = ["bp"]
