"""Errors services raise for the web and API layers to turn into 404s, 400s and so on."""

from __future__ import annotations


class NotFound(Exception):
    """No such thing (an unknown ref, plan or token)."""


class BadFilter(ValueError):
    """A filter or query parameter is not one the tracker understands."""

    def __init__(self, parameter: str, message: str):
        super().__init__(message)
        self.parameter = parameter
        self.message = message
