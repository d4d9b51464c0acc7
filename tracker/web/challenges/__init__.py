from tracker.web.challenges.views import bp

__all__ = ["bp"]
