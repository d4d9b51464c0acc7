from tracker.web.sefs.views import bp

__all__ = ["bp"]
