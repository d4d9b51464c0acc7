from tracker.web.plans.views import bp

__all__ = ["bp"]
