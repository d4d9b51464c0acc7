from tracker.web.admin.views import bp

__all__ = ["bp"]
