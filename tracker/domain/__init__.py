"""Plain-Python rules of the tracker. Imports nothing from Flask, SQLAlchemy or the rest of tracker."""
