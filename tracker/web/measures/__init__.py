from tracker.web.measures.views import bp

__all__ = ["bp"]
