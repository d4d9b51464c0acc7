"""Request ids and structured logs: every request gets an id (the caller's X-Request-ID when it
is a sane one, else a new one), sent back in X-Request-ID and carried by every log line written
while the request runs; each request ends with one JSON line saying what it was and how long it
took. Production logs JSON lines to standard error (TRACKER_LOG_FORMAT=json); the demo logs text.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from datetime import UTC, datetime

from flask import Flask, g, has_request_context, request

log = logging.getLogger("tracker.request")
_SANE_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
_FIELDS = ("request_id", "method", "path", "status", "ms", "user_id", "remote_addr")


def current_request_id() -> str:
    return g.get("request_id", "-") if has_request_context() else "-"


class RequestIdFilter(logging.Filter):
    """Puts the current request's id on every record (or "-" outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = current_request_id()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time (UTC), level, logger, message, request id and any fields."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in _FIELDS:
            if hasattr(record, name):
                line[name] = getattr(record, name)
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


def init_app(app: Flask) -> None:
    app.before_request(_start)
    app.after_request(_finish)
    if not app.testing:
        _configure_logging(app.config.get("LOG_FORMAT", "json"))


def _configure_logging(fmt: str) -> None:
    logger = logging.getLogger("tracker")
    if any(getattr(h, "_tracker", False) for h in logger.handlers):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler._tracker = True  # type: ignore[attr-defined]
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(
        JsonFormatter()
        if fmt == "json"
        else logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")
    )
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False


def _start() -> None:
    asked = request.headers.get("X-Request-ID", "")
    g.request_id = asked if _SANE_ID.fullmatch(asked) else uuid.uuid4().hex
    g.request_started = time.perf_counter()


def _finish(response):
    response.headers["X-Request-ID"] = g.get("request_id", "-")
    started = g.get("request_started")
    user = g.get("_login_user")
    log.info(
        "%s %s %s",
        request.method,
        request.path,
        response.status_code,
        extra={
            "request_id": g.get("request_id", "-"),
            "method": request.method,
            "path": request.path[:300],
            "status": response.status_code,
            "ms": round((time.perf_counter() - started) * 1000, 1) if started else None,
            "user_id": getattr(user, "id", None),
            "remote_addr": request.remote_addr,
        },
    )
    return response
