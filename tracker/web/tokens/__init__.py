from tracker.web.tokens.views import bp

__all__ = ["bp"]
