from tracker.web.returns.views import bp

__all__ = ["bp"]
