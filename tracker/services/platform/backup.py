"""Backups: the whole database to one file and back.

SQLite uses its online backup API (a consistent copy while the tracker runs); PostgreSQL uses
`pg_dump --format=custom` and `pg_restore --clean`, the server's own tools. A restore replaces
everything in the database with the file's contents, and refuses a file that is not a backup
of the kind the database needs.

A backup is written to a temporary file beside the target and renamed over it only when complete,
so a backup that fails (or is killed) part-way never replaces a good backup with a truncated one.
With the evidence store given, the evidence files go to `FILE.evidence.tar` (each file under its
SHA-256, as in the store); a restore given the store checks every file of that archive against
its SHA-256 before it touches the database, then puts the files back.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
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


def evidence_archive(target: Path) -> Path:
    """Where the evidence files of the backup in `target` are kept."""
    return target.with_name(target.name + ".evidence.tar")


def backup(target: Path, *, evidence_store: Path | None = None) -> str:
    """Write the whole database to `target` (replaced only once the new backup is complete), and
    with `evidence_store` every evidence file beside it. Returns what was done."""
    target = Path(target)
    url = _url()
    db.session.remove()  # no transaction of ours holds anything open
    backend = url.get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise BackupError(f"no backup for {backend} databases")
    with _replacing(target) as temporary:
        said = _write_database(url, temporary, target)
    if evidence_store is not None:
        # After the database: every file a backed-up row names was stored before its row.
        with _replacing(evidence_archive(target)) as temporary:
            count = _write_evidence(evidence_store, temporary)
        said += f"; {count} evidence files to {evidence_archive(target)}"
    return said


def _write_database(url: URL, path: Path, target: Path) -> str:
    if url.get_backend_name() == "sqlite":
        source = sqlite3.connect(_sqlite_path(url))
        try:
            dest = sqlite3.connect(str(path))
            try:
                source.backup(dest)  # a consistent copy, even while others write
            finally:
                dest.close()
        finally:
            source.close()
        return f"SQLite database copied to {target} (online backup)"
    _run(["pg_dump", "--format=custom", "--no-owner", f"--file={path}", _libpq(url)])
    return f"PostgreSQL database dumped to {target} (pg_dump, custom format)"


class _replacing:
    """A temporary file beside `target`, renamed over it when the block ends without an error
    and removed when it does not."""

    def __init__(self, target: Path) -> None:
        self.target = target

    def __enter__(self) -> Path:
        if not self.target.parent.is_dir():
            raise BackupError(f"{self.target.parent} is not a folder")
        handle, name = tempfile.mkstemp(dir=self.target.parent, prefix=f".{self.target.name}.")
        os.close(handle)
        self.temporary = Path(name)
        return self.temporary

    def __exit__(self, kind, value, traceback) -> None:
        if kind is None:
            with open(self.temporary, "rb") as written:
                os.fsync(written.fileno())
            os.replace(self.temporary, self.target)
        else:
            self.temporary.unlink(missing_ok=True)


def _stored_files(store: Path) -> Iterator[tuple[str, Path]]:
    if not store.is_dir():
        return
    for folder in sorted(store.iterdir()):
        if not folder.is_dir() or len(folder.name) != 2:
            continue
        for path in sorted(folder.iterdir()):
            if path.is_file() and not path.name.startswith("."):
                yield f"{folder.name}/{path.name}", path


def _write_evidence(store: Path, path: Path) -> int:
    count = 0
    with tarfile.open(path, "w") as archive:
        for name, file in _stored_files(store):
            archive.add(file, arcname=name, recursive=False)
            count += 1
    return count


def _digest(stream) -> str:
    digest = hashlib.sha256()
    for chunk in iter(lambda: stream.read(1 << 20), b""):
        digest.update(chunk)
    return digest.hexdigest()


def _checked_evidence(archive_path: Path) -> list[str]:
    """Every member's name, once each is known to be a stored file whose SHA-256 is its name."""
    try:
        archive = tarfile.open(archive_path, "r")  # noqa: SIM115 - closed below
    except (tarfile.TarError, OSError) as exc:
        raise BackupError(f"{archive_path} is not an evidence archive: {exc}") from None
    names = []
    with archive:
        for member in archive:
            folder, _, digest = member.name.partition("/")
            if (
                not member.isfile()
                or len(digest) != 64
                or folder != digest[:2]
                or any(c not in "0123456789abcdef" for c in digest)
            ):
                raise BackupError(f"{archive_path} holds {member.name!r}, not an evidence file")
            stream = archive.extractfile(member)
            if stream is None or _digest(stream) != digest:
                raise BackupError(
                    f"{archive_path}: {member.name} does not match its SHA-256 (damaged)"
                )
            names.append(member.name)
    return names


def _put_back_evidence(archive_path: Path, store: Path) -> int:
    count = 0
    with tarfile.open(archive_path, "r") as archive:
        for member in archive:
            folder, _, digest = member.name.partition("/")
            path = store / folder / digest
            count += 1
            if path.exists():
                continue
            path.parent.mkdir(parents=True, exist_ok=True)
            stream = archive.extractfile(member)
            if stream is None:  # checked already; a file changed under us
                raise BackupError(f"{archive_path}: {member.name} could not be read")
            with _replacing(path) as temporary, open(temporary, "wb") as out:
                while chunk := stream.read(1 << 20):
                    out.write(chunk)
    return count


def restore(source: Path, *, evidence_store: Path | None = None) -> str:
    """Replace the whole database with the backup in `source`; with `evidence_store`, put back
    the evidence files from `source`'s evidence archive (all checked before anything changes)."""
    if not source.is_file():
        raise BackupError(f"{source} is not a file")
    with open(source, "rb") as file:
        head = file.read(16)
    if evidence_store is not None:
        archive = evidence_archive(source)
        if not archive.is_file():
            raise BackupError(f"{archive} is not there: this backup was made without evidence")
        _checked_evidence(archive)
        said = _restore_database(source, head)
        count = _put_back_evidence(archive, evidence_store)
        return f"{said}; {count} evidence files checked and in the store"
    return _restore_database(source, head)


def _restore_database(source: Path, head: bytes) -> str:
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
