"""`/healthz` and the request id every request carries into the logs."""

from __future__ import annotations

import json
import logging
from datetime import timedelta

from tracker.clock import now_utc
from tracker.extensions import db
from tracker.observability import JsonFormatter, RequestIdFilter
from tracker.services.platform import health


def test_healthz_says_the_scheduler_has_not_been_seen_until_it_beats(client, clean_db):
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["database"] == "ok" and body["scheduler"]["status"] == "not seen lately"
    assert client.get("/healthz?only=database").status_code == 200

    health.beat(now_utc())
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json()["status"] == "ok"
    assert response.headers["Cache-Control"] == "no-store"


def test_healthz_fails_when_the_heartbeat_is_older_than_two_intervals(client, clean_db):
    health.beat(now_utc() - health.HEARTBEAT_WITHIN - timedelta(seconds=1))
    assert client.get("/healthz").status_code == 503
    health.beat(now_utc() - health.HEARTBEAT_WITHIN + timedelta(seconds=30))
    assert client.get("/healthz").status_code == 200


def test_healthz_runs_two_statements(client, clean_db, count_queries):
    with count_queries(clean_db) as counted:
        client.get("/healthz")
    assert counted.count == 2


def test_healthz_says_when_the_database_is_unreachable(clean_db, monkeypatch):
    from sqlalchemy.exc import OperationalError

    def refuse(*args, **kwargs):
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    monkeypatch.setattr(db.session, "execute", refuse)
    response = clean_db.test_client().get("/healthz?only=database")
    assert response.status_code == 503
    assert response.get_json()["database"] == "unreachable"


def test_every_response_carries_a_request_id_and_the_log_line_has_it(client, caplog):
    with caplog.at_level(logging.INFO, logger="tracker.request"):
        mine = client.get("/sign-in", headers={"X-Request-ID": "abc-123"})
        made = client.get("/sign-in", headers={"X-Request-ID": "not sane\x00<script>"})
    assert mine.headers["X-Request-ID"] == "abc-123"
    new_id = made.headers["X-Request-ID"]
    assert new_id != "abc-123" and len(new_id) == 32 and new_id.isalnum()
    records = [r for r in caplog.records if r.name == "tracker.request"]
    assert [r.request_id for r in records] == ["abc-123", new_id]
    line = json.loads(JsonFormatter().format(records[0]))
    assert line["path"] == "/sign-in" and line["status"] == 200 and line["request_id"] == "abc-123"
    assert isinstance(line["ms"], float)


def test_log_lines_outside_a_request_say_so():
    record = logging.LogRecord("tracker.jobs", logging.INFO, __file__, 1, "chase done", (), None)
    RequestIdFilter().filter(record)
    assert json.loads(JsonFormatter().format(record))["request_id"] == "-"


def test_behind_a_trusted_proxy_the_visitor_s_address_is_the_one_limited(app):
    from config import TestConfig
    from tracker import create_app
    from tracker.web.access import public

    seen = {}
    proxied = create_app(TestConfig, SQLALCHEMY_DATABASE_URI="sqlite://", TRUSTED_PROXIES=1)

    @proxied.get("/_whoami")
    @public
    def whoami():
        from flask import request

        seen["addr"], seen["secure"] = request.remote_addr, request.is_secure
        return "ok"

    proxied.test_client().get(
        "/_whoami", headers={"X-Forwarded-For": "203.0.113.5", "X-Forwarded-Proto": "https"}
    )
    assert seen == {"addr": "203.0.113.5", "secure": True}
