from tracker.web.notify.views import bp

__all__ = ["bp"]
