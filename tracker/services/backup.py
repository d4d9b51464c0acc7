"""Backups: the whole database to one file and back.

SQLite uses its online backup API (a consistent copy while the tracker runs); PostgreSQL uses
`pg_dump --format=custom` and `pg_restore --clean`, the server's own tools. A restore replaces
everything in the database with the file's contents, and refuses a file that is not a backup
of the kind the database needs.
"""

from __future__ import annotations

import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy.engine import URL, make_url

from tracker.extensions import db

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_MAGIC = b"PGDMP"


class BackupError(Exception):
    """A backup or restore that could not be done, said plainly."""


def _url() -> URL:
    return make_url(str(db.engine.url.render_as_string(hide_password=False)))


def _libpq(url: URL) -> str:
    """The URL pg_dump and pg_restore understand (no "+psycopg" driver part)."""
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def _sqlite_path(url: URL) -> str:
    path = url.database or ""
    if path in ("", ":memory:") or path.startswith("file::memory:"):
        raise BackupError("an in-memory SQLite database has nothing to back up")
    return path


def backup(target: Path) -> str:
    """Write the whole database to `target` (replaced if it exists). Returns what was done."""
    url = _url()
    db.session.remove()  # no transaction of ours holds anything open
    if url.get_backend_name() == "sqlite":
        source = sqlite3.connect(_sqlite_path(url))
        try:
            dest = sqlite3.connect(str(target))
            try:
                source.backup(dest)  # a consistent copy, even while others write
            finally:
                dest.close()
        finally:
            source.close()
        return f"SQLite database copied to {target} (online backup)"
    if url.get_backend_name() == "postgresql":
        _run(["pg_dump", "--format=custom", "--no-owner", f"--file={target}", _libpq(url)])
        return f"PostgreSQL database dumped to {target} (pg_dump, custom format)"
    raise BackupError(f"no backup for {url.get_backend_name()} databases")


def restore(source: Path) -> str:
    """Replace the whole database with the backup in `source`."""
    if not source.is_file():
        raise BackupError(f"{source} is not a file")
    head = source.read_bytes()[:16]
    url = _url()
    db.session.remove()
    db.engine.dispose()  # every pooled connection closed: the restore replaces what they saw
    if url.get_backend_name() == "sqlite":
        if head != SQLITE_MAGIC:
            raise BackupError(f"{source} is not a SQLite database backup")
        backup_db = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        try:
            live = sqlite3.connect(_sqlite_path(url))
            try:
                backup_db.backup(live)
            finally:
                live.close()
        finally:
            backup_db.close()
        return f"SQLite database restored from {source}"
    if url.get_backend_name() == "postgresql":
        if not head.startswith(PG_MAGIC):
            raise BackupError(f"{source} is not a pg_dump custom-format backup")
        _run(
            [
                "pg_restore",
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                "--exit-on-error",
                f"--dbname={_libpq(url)}",
                str(source),
            ]
        )
        return f"PostgreSQL database restored from {source} (pg_restore)"
    raise BackupError(f"no restore for {url.get_backend_name()} databases")


def _run(command: list[str]) -> None:
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=3600)  # noqa: S603
    except FileNotFoundError:
        raise BackupError(f"{command[0]} is not installed (Debian: postgresql-client)") from None
    if done.returncode != 0:
        raise BackupError(f"{command[0]} failed: {done.stderr.strip()[:2000]}")
