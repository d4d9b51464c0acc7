from tracker.web.pages.views import bp

__all__ = ["bp"]
