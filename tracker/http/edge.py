"""Input no database should see, turned away at the edge before any view or query runs, so SQLite
and PostgreSQL answer it the same way (PostgreSQL refuses what SQLite would store):

- a NUL byte in the path (404: it names nothing), or in a query value, a form field or a JSON
  string (400);
- a JSON lone surrogate (`"\\ud800"`: not text any database can store), 400;
- a file where the form takes none (only views marked `@takes_files` do), 400;
- a whole number beyond PostgreSQL's INTEGER in a URL path: the `int` converter stops at
  2,147,483,647, so a bigger one matches no route (404). Forms bound their numbers with
  `INTEGER_MAX` (a form error).

Pages get the GOV.UK error page; the API gets a problem+json body naming the field."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from flask import Flask, abort, current_app, request
from werkzeug.routing import IntegerConverter

from tracker.http.problems import problem, wants_problem_json

# The largest value of PostgreSQL's INTEGER (and so of every id, version and cycle number).
INTEGER_MAX = 2**31 - 1
NUL = "\x00"
NOT_TEXT = "contains a character that is not text (a NUL byte or a lone surrogate)"


class BoundedIntegerConverter(IntegerConverter):
    """`<int:...>` that matches 0 to INTEGER_MAX only: a bigger number names nothing."""

    def __init__(self, map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", INTEGER_MAX)
        super().__init__(map, *args, **kwargs)


TAKES_FILES = "_takes_files"


def takes_files(view):
    """Mark a view whose form uploads a file (a CSV of values, a spreadsheet to import): the
    view checks the file itself (kind, size, encoding)."""
    setattr(view, TAKES_FILES, True)
    return view


def init_app(app: Flask) -> None:
    """Call before any blueprint is registered (routes take their converters when added) and
    after the security headers' set-up (an error page needs its CSP nonce)."""
    app.url_map.converters["int"] = BoundedIntegerConverter
    app.before_request(refuse_odd_input)


def refuse_odd_input():
    if NUL in request.path:
        abort(404)
    # A method or path no route takes is answered 405 or 404 by the routing, files or not.
    if request.routing_exception is None and request.files:
        view = current_app.view_functions.get(request.endpoint or "")
        if not getattr(view, TAKES_FILES, False):
            return _refuse("file", "Send the form's fields as text: this form does not take files.")
    for where, values in (("query", request.args), ("form", request.form)):
        for name in values:
            if not is_text(name) or not all(is_text(v) for v in values.getlist(name)):
                return _refuse(_printable(name), f"{_printable(name)} {NOT_TEXT}.", where=where)
    if request.is_json:
        body = request.get_json(silent=True)  # not JSON at all: the view says so
        for name in _bad_strings(body, "body"):
            return _refuse(name, f"{name} {NOT_TEXT}.")
    return None


def is_text(value: str) -> bool:
    """Text any database stores as it is: no NUL byte, no unpaired surrogate."""
    return NUL not in value and not any("\ud800" <= c <= "\udfff" for c in value)


def _bad_strings(value: Any, name: str) -> Iterator[str]:
    """The name of each key or string in a JSON value that is not text, e.g. `summary`."""
    if isinstance(value, str):
        if not is_text(value):
            yield name
    elif isinstance(value, dict):
        for key, item in value.items():
            child = key if name == "body" else f"{name}.{key}"
            if not is_text(key):
                yield _printable(child)
            else:
                yield from _bad_strings(item, child)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _bad_strings(item, f"{name}[{i}]")


def _printable(name: str) -> str:
    return "".join(c if is_text(c) else "\N{REPLACEMENT CHARACTER}" for c in name)[:64]


def _refuse(name: str, reason: str, where: str = "body"):
    if wants_problem_json():
        return problem(400, reason, invalid_params=[{"name": name, "in": where, "reason": reason}])
    abort(400, description=reason)
