from tracker.web.admin import audit as _audit  # noqa: F401  (its routes)
from tracker.web.admin import imports as _imports  # noqa: F401  (its routes)
from tracker.web.admin import mapped_imports as _mapped  # noqa: F401  (its routes)
from tracker.web.admin import setup as _setup  # noqa: F401  (its routes)
from tracker.web.admin import setup_pages as _setup_pages  # noqa: F401  (its routes)
from tracker.web.admin import words as _words  # noqa: F401  (its routes)
from tracker.web.admin.views import bp

__all__ = ["bp"]
