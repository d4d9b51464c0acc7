"""Plain-Python rules of the tracker: no Flask, no SQLAlchemy, nothing else from tracker."""
