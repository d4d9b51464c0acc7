"""Every Flask extension the tracker uses, created once and initialised in create_app."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from weakref import WeakKeyDictionary

import click
from flask import Flask
from flask.cli import ScriptInfo
from flask_compress import Compress
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from flask_talisman import Talisman
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
login_manager = LoginManager()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
talisman = Talisman()
compress = Compress()


MIGRATIONS_DIRECTORY = str(Path(__file__).resolve().parent / "migrations")


def init_migrations(app: Flask) -> None:
    """Flask-Migrate (and with it Alembic, about 11 MB) for the one app that needs it: the
    `flask db` commands and the migration tests. Web workers never import it (see `LazyDbGroup`)."""
    if "migrate" in app.extensions:
        return
    from flask_migrate import Migrate

    Migrate(render_as_batch=True, compare_type=True).init_app(
        app, db, directory=MIGRATIONS_DIRECTORY
    )


class LazyDbGroup(click.Group):
    """`flask db ...`: Flask-Migrate's own command group, imported only when it is run."""

    def make_context(self, info_name, args, parent=None, **extra):  # type: ignore[no-untyped-def]
        from flask_migrate.cli import db as migrate_group

        init_migrations(parent.ensure_object(ScriptInfo).load_app())
        return migrate_group.make_context(info_name, args, parent=parent, **extra)


class SqlitePragmas:
    """A `connect` listener applying the SQLite settings to each new connection."""

    def __init__(self, *, wal: bool, busy_ms: int) -> None:
        self.wal = wal
        self.busy_ms = int(busy_ms)

    def __call__(self, dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {self.busy_ms}")
            if self.wal:
                cursor.execute("PRAGMA journal_mode = WAL")
        finally:
            cursor.close()


_sqlite_pragmas: WeakKeyDictionary[Engine, SqlitePragmas] = WeakKeyDictionary()


def use_sqlite_settings(app: Flask) -> None:
    """On a SQLite file: write-ahead logging (readers do not wait for the writer) and a busy
    timeout, applied to every new connection. PostgreSQL and in-memory SQLite are left alone."""
    with app.app_context():
        engines = list(db.engines.values())
    for engine in engines:
        if not _is_sqlite_file(engine) or engine in _sqlite_pragmas:
            continue
        listener = SqlitePragmas(
            wal=app.config["SQLITE_WAL"], busy_ms=app.config["SQLITE_BUSY_TIMEOUT_MS"]
        )
        event.listen(engine, "connect", listener)
        _sqlite_pragmas[engine] = listener


def sqlite_pragmas(engine: Engine) -> SqlitePragmas | None:
    """The SQLite settings listening on `engine`, if any."""
    return _sqlite_pragmas.get(engine)


def _is_sqlite_file(engine: Engine) -> bool:
    if engine.dialect.name != "sqlite":
        return False
    database = engine.url.database or ""
    in_memory = database in ("", ":memory:") or database.startswith("file::memory:")
    return not in_memory and engine.url.query.get("mode") != "memory"
