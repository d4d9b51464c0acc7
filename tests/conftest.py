"""Shared fixtures. The suite runs on SQLite by default and on PostgreSQL when
TRACKER_TEST_DATABASE_URL names one (it fails, never skips, if that server cannot be reached).

Three databases are used:
- an empty one, cleaned after every test, for tests that build their own rows (`app`, `client`);
- a seeded one, loaded once per run with the illustrative seed, for tests that only read the
  plan (`seeded_app`, `seeded_client`). Those tests may add audit events but never change the plan;
- another seeded one for the browser journeys (`browser_app`), which write as people do.
A fourth, holding the second illustrative council (seed/second), is made only when a test asks
for it (`second_app`) and is read like `seeded_app`.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import settings
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url

from config import BASE_DIR, TestConfig, seed_demo_today, suite_database_url
from tracker import create_app
from tracker.extensions import db, limiter
from tracker.services.platform.seed import load_seed

# Property tests (hypothesis, schemathesis) are derandomized and keep no example database: a run
# is the same on every machine and in CI, and leaves nothing behind.
settings.register_profile("tracker", database=None, derandomize=True)
settings.load_profile("tracker")

DEMO_PASSWORD = "illustrative-demo-2016"
ROLE_ACCOUNTS = {
    "admin": "admin@trust.example",
    "chair": "chief.executive@trust.example",
    "locality_head": "north.hos@trust.example",
    "action_lead": "hos.mash@trust.example",
    "performance_officer": "performance@trust.example",
    "viewer": "jsig.member@council.example",
}
SEED_NOW = datetime(2016, 1, 4, 9, 0, tzinfo=UTC)

# The second illustrative council: its seed, its demo accounts by role, and the settings its
# demo runs with (its own "today", read from its reference.yaml; its rhythm is in its setup).
SECOND_SEED_DIR = str(BASE_DIR / "seed" / "second")
SECOND_ACCOUNTS = {
    "admin": "admin@westmere.example",
    "chair": "dcs@westmere.example",
    "locality_head": "hos.frontdoor@westmere.example",
    "action_lead": "principal.sw@westmere.example",
    "performance_officer": "performance@westmere.example",
    "viewer": "scrutiny.member@westmere.example",
}


def second_settings() -> dict[str, str]:
    """The test configuration's overrides for the second council's app."""
    return {"SEED_DIR": SECOND_SEED_DIR, "TODAY": seed_demo_today(SECOND_SEED_DIR)}


def _urls(kinds: tuple[str, ...] = ("empty", "seeded", "browser")) -> tuple[str, ...]:
    """A database URL for each kind: by default the empty, the seeded and the browser journeys'
    seeded ones. On PostgreSQL each is created for this run (named after the process, so two
    runs on one server do not trample each other) and dropped at the end; the server in
    TRACKER_TEST_DATABASE_URL must be reachable."""
    base = suite_database_url()
    if base and base.startswith("postgresql"):
        url = make_url(base)
        names = [f"{url.database}_{kind}_{os.getpid()}" for kind in kinds]
        admin = create_engine(base, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:  # fails loudly if PostgreSQL is not there
            for name in names:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                conn.execute(text(f'CREATE DATABASE "{name}"'))
                # A commit does not wait for its WAL to reach the disk: a killed process still
                # loses nothing committed (only a machine crash would), and the suite is quicker.
                conn.execute(text(f'ALTER DATABASE "{name}" SET synchronous_commit TO off'))
        admin.dispose()
        atexit.register(_drop_databases, base, names)
        return tuple(url.set(database=name).render_as_string(hide_password=False) for name in names)
    folder = Path(tempfile.mkdtemp(prefix="tracker-tests-"))
    return tuple(f"sqlite:///{folder / kind}.db" for kind in kinds)


def _drop_databases(base: str, names: list[str]) -> None:
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        for name in names:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


EMPTY_URL, SEEDED_URL, BROWSER_URL = _urls()
IS_POSTGRES = EMPTY_URL.startswith("postgresql")


def engine_options_for(url: str) -> dict:
    if url.startswith("postgresql"):
        # A stuck lock fails the test instead of hanging the run.
        return {"pool_pre_ping": True, "connect_args": {"options": "-c statement_timeout=30000"}}
    return {"connect_args": {"timeout": 30}}


def make_app(url: str, **overrides: object) -> Flask:
    app = create_app(
        TestConfig,
        SQLALCHEMY_DATABASE_URI=url,
        **({"SQLALCHEMY_ENGINE_OPTIONS": engine_options_for(url)} | overrides),
    )
    return app


def _fresh_schema(app: Flask) -> None:
    with app.app_context():
        db.session.remove()
        db.drop_all()
        db.create_all()
        db.session.remove()


@pytest.fixture(scope="session")
def app() -> Iterator[Flask]:
    """An app on the empty database; `clean_db` empties it after each test."""
    application = make_app(EMPTY_URL)
    _fresh_schema(application)
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


def _seeded(url: str, settings: dict | None = None, **engine_options: object) -> Flask:
    """An app on `url` holding the illustrative seed (with `settings` overriding the test
    configuration, such as another TODAY)."""
    options = engine_options_for(url) | engine_options
    application = make_app(url, SQLALCHEMY_ENGINE_OPTIONS=options, **(settings or {}))
    _fresh_schema(application)
    with application.app_context():
        load_seed(
            application.config["SEED_DIR"],
            now=SEED_NOW,
            demo_password=DEMO_PASSWORD,
            hash_method=application.config["PASSWORD_HASH_METHOD"],
        )
        db.session.remove()
    return application


# The seed's rows as load_seed first wrote them in this run, by its arguments: loading the seed
# again into an emptied database inserts those rows (ids included) in a fraction of the time.
_SEED_ROWS: dict[tuple, list[tuple[object, list[dict]]]] = {}


def load_seed_rows(
    application: Flask, *, demo_password: str | None = None, hash_method: str = "x"
) -> None:
    """The illustrative seed in `application`'s (empty) database, inside its app context and
    committed: by `load_seed` the first time in this run, after that by inserting the rows that
    first load wrote. Tests that load the seed into `clean_db` use this; a test of `load_seed`
    itself calls it directly."""
    key = (application.config["SEED_DIR"], demo_password, hash_method)
    tables = db.metadata.sorted_tables
    if key not in _SEED_ROWS:
        load_seed(
            application.config["SEED_DIR"],
            now=SEED_NOW,
            demo_password=demo_password,
            hash_method=hash_method,
        )
        db.session.commit()
        _SEED_ROWS[key] = [
            (table, [dict(row._mapping) for row in db.session.execute(table.select())])
            for table in tables
        ]
        db.session.commit()
        return
    if db.engine.dialect.name == "postgresql":
        # The rows are whole and consistent: their foreign keys (a person's line manager is a
        # person inserted later, say) are not checked one insert at a time.
        db.session.execute(text("SET LOCAL session_replication_role = replica"))
    for table, rows in _SEED_ROWS[key]:
        if rows:
            db.session.execute(table.insert(), rows)
    if db.engine.dialect.name == "postgresql":
        # Rows inserted with their ids leave each table's sequence behind: move it past them.
        for table, rows in _SEED_ROWS[key]:
            if rows and "id" in table.c and table.c.id.autoincrement in (True, "auto"):
                db.session.execute(
                    text(
                        "SELECT setval(pg_get_serial_sequence(:t, 'id'), "
                        f'(SELECT MAX(id) FROM "{table.name}"))'  # nosec B608 - a table name
                    ),
                    {"t": table.name},
                )
    db.session.commit()


def _dispose(application: Flask) -> None:
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="session")
def seeded_app() -> Iterator[Flask]:
    """An app on a database holding the illustrative seed, loaded once per run. Tests only read
    it (sign-ins add audit events); nothing may change the plan here."""
    application = _seeded(SEEDED_URL)
    yield application
    _dispose(application)


@pytest.fixture(scope="session")
def second_app() -> Iterator[Flask]:
    """An app on a database of its own (made when first asked for) holding the second
    illustrative council, on its own demo day. Tests only read it, as with `seeded_app`."""
    (url,) = _urls(("second",))
    application = _seeded(url, second_settings())
    yield application
    _dispose(application)


@pytest.fixture(scope="module")
def browser_app() -> Iterator[Flask]:
    """A seeded app of the browser journeys' own: they write returns and SEFs, as people do,
    so they get a database that no other test reads, seeded afresh for each journey file so
    that one file's writes (a return submitted, a deputy named) never decide another's.

    Its connections are not pooled: each closes when its request ends, so none is left open when
    the file's server stops (a pooled one would be found by the garbage collector in some later
    test, as a ResourceWarning)."""
    from sqlalchemy.pool import NullPool

    if IS_POSTGRES:
        application = _seeded(BROWSER_URL, poolclass=NullPool)
    else:
        # Seeded once per worker, then copied for each file: a copy of the file is the seed as
        # load_seed wrote it, in milliseconds rather than a second or two of CPU per journey.
        target = Path(make_url(BROWSER_URL).database)
        for leftover in (target, *(target.with_name(target.name + s) for s in ("-wal", "-shm"))):
            leftover.unlink(missing_ok=True)
        shutil.copyfile(_browser_template(), target)
        options = engine_options_for(BROWSER_URL) | {"poolclass": NullPool}
        application = make_app(BROWSER_URL, SQLALCHEMY_ENGINE_OPTIONS=options)
    yield application
    _dispose(application)


@cache
def _browser_template() -> Path:
    """A SQLite file holding the illustrative seed, made by load_seed once per worker and closed
    whole (its write-ahead log checkpointed into it), for browser_app to copy."""
    path = Path(make_url(BROWSER_URL).database).with_name("browser-template.db")
    application = _seeded(f"sqlite:///{path}")
    with application.app_context():
        db.session.remove()
        with db.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    _dispose(application)
    return path


def _empty_tables(application: Flask) -> None:
    with application.app_context():
        db.session.remove()
        tables = list(reversed(db.metadata.sorted_tables))
        with db.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                # One round trip for every table: a test's clean-up is most of its cost otherwise.
                conn.exec_driver_sql("; ".join(f'DELETE FROM "{t.name}"' for t in tables))
            else:
                for table in tables:
                    conn.execute(table.delete())
        db.session.remove()


@pytest.fixture
def clean_db(app: Flask) -> Iterator[Flask]:
    """The empty database inside an app context; every row is removed afterwards."""
    with app.app_context():
        yield app
        db.session.remove()
    _empty_tables(app)


@pytest.fixture(autouse=True)
def _reset_rate_limits() -> Iterator[None]:
    yield
    if getattr(limiter, "_storage", None) is not None:  # only once an app has set it up
        limiter.reset()


@pytest.fixture
def client(clean_db: Flask) -> FlaskClient:
    return clean_db.test_client()


@pytest.fixture
def seeded_client(seeded_app: Flask) -> FlaskClient:
    return seeded_app.test_client()


def sign_in(client: FlaskClient, email: str, password: str = DEMO_PASSWORD) -> None:
    """Sign in through the real form (CSRF token and all)."""
    page = client.get("/sign-in")
    token = _csrf_from(page.get_data(as_text=True))
    response = client.post(
        "/sign-in", data={"email": email, "password": password, "csrf_token": token}
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:500]


def _csrf_from(html: str) -> str:
    marker = 'name="csrf_token" type="hidden" value="'
    if marker not in html:
        marker = 'name="csrf_token" value="'
    start = html.index(marker) + len(marker)
    return html[start : html.index('"', start)]


def csrf_token(client: FlaskClient, path: str) -> str:
    return _csrf_from(client.get(path).get_data(as_text=True))


@pytest.fixture
def role_client(seeded_app: Flask):
    """Factory: a test client signed in as the demo account for a role."""

    def make(role: str) -> FlaskClient:
        c = seeded_app.test_client()
        sign_in(c, ROLE_ACCOUNTS[role])
        return c

    return make


class QueryCounter:
    """Counts SQL statements run on an engine while active."""

    def __init__(self, engine):
        self.engine = engine
        self.count = 0
        self.statements: list[str] = []

    def _count(self, conn, cursor, statement, parameters, context, executemany):
        self.count += 1
        self.statements.append(statement)

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._count)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self._count)


@pytest.fixture
def count_queries():
    def make(application: Flask) -> QueryCounter:
        with application.app_context():
            return QueryCounter(db.engine)

    return make


# A PDF in the shape WeasyPrint starts one with, for tests that ask for PDFs but test something
# else about the request (its permission, its statements, its answer to odd input).
STUB_PDF = b"%PDF-1.7\n% stub: drawing is tested in the pack and report tests\n%%EOF\n"


@pytest.fixture
def pdf_drawing_stubbed(monkeypatch):
    """PDFs are not drawn: `draw_bounded` writes STUB_PDF at once. For tests whose subject is the
    request around the PDF, not the drawing, which tests/unit/test_pdf_bound.py, the pack tests
    and the report file tests exercise for real (a board pack takes seconds to draw)."""
    from tracker.http import packs, report_files

    def stub(write, path, **_):
        with open(path, "wb") as fh:
            fh.write(STUB_PDF)

    monkeypatch.setattr(packs, "draw_bounded", stub)
    monkeypatch.setattr(report_files, "draw_bounded", stub)
    # Nor are the stubs kept: the worker's memory of drawn packs is this test's own.
    monkeypatch.setattr(packs, "_DRAWN", packs.OrderedDict())


@pytest.fixture(scope="session")
def built_docs(tmp_path_factory) -> Path:
    """The documentation site, built once per run as `make docs-site` builds it (MkDocs, strict
    and quiet, a few seconds), into a folder of the run's own: `make test` builds site/ itself
    after the browser journeys. With --quiet MkDocs 1.6 counts no warnings, so the site builds
    whether or not the journeys have taken the guides' screenshots into docs/img/ yet."""
    import subprocess  # nosec B404 - mkdocs from this virtual environment, fixed arguments
    import sys

    site = tmp_path_factory.mktemp("docs-site")
    subprocess.run(  # nosec B603
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet", "--site-dir", str(site)],
        cwd=Path(__file__).resolve().parent.parent,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        check=True,
        timeout=120,
    )
    assert (site / "index.html").is_file()
    return site
