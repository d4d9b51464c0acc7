from tracker.web.search.views import bp

__all__ = ["bp"]
