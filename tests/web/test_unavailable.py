"""When the database cannot be reached (stopped, restarting) or the disk is full, every page says
so with a 503 and a Retry-After, in the GOV.UK design or as a problem body for the API: never a
500, never a stack trace. Both databases: an unreachable server and a refused write of each kind."""

from __future__ import annotations

import sqlite3
import tempfile
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import event

from tests.conftest import IS_POSTGRES, ROLE_ACCOUNTS, _csrf_from, make_app, sign_in
from tracker.extensions import db


def _unreachable_url() -> str:
    if IS_POSTGRES:  # a server that is down: nothing listens on port 1
        return "postgresql+psycopg://postgres@127.0.0.1:1/test"
    missing = Path(tempfile.mkdtemp()) / "gone" / "tracker.db"  # its folder is not there
    return f"sqlite:///{missing}"


@pytest.fixture
def down_app(seeded_app):
    """The same tracker (same secret key) with its database gone."""
    return make_app(
        _unreachable_url(),
        SQLALCHEMY_ENGINE_OPTIONS={"connect_args": {"connect_timeout": 2}}
        if IS_POSTGRES
        else {},
    )


def test_a_page_when_the_database_is_down_is_a_503_page(seeded_app, down_app):
    before = seeded_app.test_client()
    sign_in(before, ROLE_ACCOUNTS["chair"])  # signed in while the database was up
    down_client = down_app.test_client()
    down_client.set_cookie("session", before.get_cookie("session").value)
    response = down_client.get("/")  # their home page needs the database
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "30"
    html = response.get_data(as_text=True)
    assert "govuk-heading-l" in html and "Sorry, the service is unavailable" in html
    assert "not saved" in html
    assert "Traceback" not in html and "OperationalError" not in html


def test_an_api_call_when_the_database_is_down_is_a_503_problem(down_app):
    response = down_app.test_client().get(
        "/api/v1/actions", headers={"Authorization": "Bearer not-a-real-token-but-looked-up"}
    )
    assert response.status_code == 503
    assert response.mimetype == "application/problem+json"
    assert response.headers["Retry-After"] == "30"
    body = response.get_json()
    assert body["status"] == 503 and "database" in body["detail"]


def _disk_full_error():
    if IS_POSTGRES:
        return psycopg.errors.DiskFull('could not extend file "base/1/2": No space left on device')
    return sqlite3.OperationalError("database or disk is full")


def test_a_write_on_a_full_disk_is_a_503_and_writes_nothing(seeded_app):
    client = seeded_app.test_client()

    def full(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith(("INSERT", "UPDATE")):
            raise _disk_full_error()

    with seeded_app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", full)
    try:
        form = client.get("/sign-in").get_data(as_text=True)  # reads only: served
        response = client.post(
            "/sign-in",
            data={
                "email": ROLE_ACCOUNTS["viewer"],
                "password": "not the password",
                "csrf_token": _csrf_from(form),
            },
        )  # a refused sign-in writes an audit event: the disk refuses it
    finally:
        event.remove(engine, "before_cursor_execute", full)
    assert response.status_code == 503
    assert 0 < int(response.headers["Retry-After"]) <= 30  # the sign-in limit may say sooner
    html = response.get_data(as_text=True)
    assert "Sorry, the service is unavailable" in html and "Traceback" not in html
