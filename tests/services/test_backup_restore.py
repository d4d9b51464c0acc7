"""Back up, change things, restore: every table is exactly as it was, on SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import shutil
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from tests.builders import make_user
from tests.conftest import DEMO_PASSWORD, load_seed_rows
from tracker.extensions import db
from tracker.models import ActionUpdate, OutboxMessage, User
from tracker.services.platform import backup


def _every_table() -> dict[str, list[tuple]]:
    tables = {}
    for table in db.metadata.sorted_tables:
        order = list(table.primary_key.columns) or list(table.columns)
        rows = db.session.execute(select(table).order_by(*order)).all()
        tables[table.name] = [tuple(r) for r in rows]
    return tables


@pytest.fixture
def seeded_clean(clean_db):
    load_seed_rows(
        clean_db,
        demo_password=DEMO_PASSWORD,
        hash_method=clean_db.config["PASSWORD_HASH_METHOD"],
    )
    return clean_db


def test_a_backup_restored_brings_back_every_table_exactly(seeded_clean):
    before = _every_table()
    assert sum(len(rows) for rows in before.values()) > 1000  # the seed: a real plan
    file = Path(tempfile.mkdtemp()) / "tracker.backup"
    backup.backup(file)
    assert file.stat().st_size > 0

    # Life goes on after the backup: a person added, a history row, a message deleted.
    make_user(email="new.starter@trust.example")
    db.session.execute(ActionUpdate.__table__.delete().where(ActionUpdate.version == 1))
    db.session.execute(OutboxMessage.__table__.delete())
    db.session.commit()
    assert _every_table() != before

    backup.restore(file)
    assert _every_table() == before
    assert (
        db.session.execute(
            select(User).where(User.email == "new.starter@trust.example")
        ).scalar_one_or_none()
        is None
    )


def test_a_file_that_is_not_a_backup_is_refused_and_nothing_changes(seeded_clean):
    before = _every_table()
    bogus = Path(tempfile.mkdtemp()) / "not-a-backup.txt"
    bogus.write_text("just some text\n")
    with pytest.raises(backup.BackupError, match="is not a"):
        backup.restore(bogus)
    assert _every_table() == before


def test_the_commands_back_up_and_restore(seeded_clean):
    file = Path(tempfile.mkdtemp()) / "cli.backup"
    runner = CliRunner()
    cli = seeded_clean.cli
    made = runner.invoke(cli, ["tracker", "backup", str(file)], catch_exceptions=False)
    assert made.exit_code == 0 and str(file) in made.output
    refused = runner.invoke(cli, ["tracker", "restore", str(file)], input="n\n")
    assert refused.exit_code != 0  # it asks first, and "no" changes nothing
    done = runner.invoke(cli, ["tracker", "restore", str(file), "--yes"], catch_exceptions=False)
    assert done.exit_code == 0 and "restored" in done.output


def _fail_part_way(monkeypatch):
    """The database copy dies part-way, after writing some bytes (a full disk, a kill)."""

    def dies(url, path, target):
        Path(path).write_bytes(b"half a backup")
        raise backup.BackupError("pg_dump failed: out of disk space")

    monkeypatch.setattr(backup, "_write_database", dies)


def test_a_backup_that_fails_part_way_leaves_the_good_backup_untouched(seeded_clean, monkeypatch):
    folder = Path(tempfile.mkdtemp())
    file = folder / "tracker.backup"
    backup.backup(file)
    good = file.read_bytes()
    assert len(good) > 1000

    _fail_part_way(monkeypatch)
    with pytest.raises(backup.BackupError, match="out of disk space"):
        backup.backup(file)
    assert file.read_bytes() == good  # not truncated, not replaced
    assert sorted(p.name for p in folder.iterdir()) == ["tracker.backup"]  # no leftovers


def _store_file(store: Path, data: bytes) -> str:
    digest = hashlib.sha256(data).hexdigest()
    (store / digest[:2]).mkdir(parents=True, exist_ok=True)
    (store / digest[:2] / digest).write_bytes(data)
    return digest


def test_with_evidence_the_files_come_back_checked(seeded_clean):
    store = Path(tempfile.mkdtemp()) / "evidence"
    one = _store_file(store, b"%PDF-1.4 illustrative minutes")
    two = _store_file(store, b"%PDF-1.4 illustrative audit")
    file = Path(tempfile.mkdtemp()) / "tracker.backup"
    said = backup.backup(file, evidence_store=store)
    assert "2 evidence files" in said
    assert backup.evidence_archive(file).is_file()

    shutil.rmtree(store)  # the disk with the evidence is lost
    said = backup.restore(file, evidence_store=store)
    assert "2 evidence files" in said
    for digest in (one, two):
        data = (store / digest[:2] / digest).read_bytes()
        assert hashlib.sha256(data).hexdigest() == digest


def test_a_damaged_evidence_archive_is_refused_before_the_database_changes(seeded_clean):
    store = Path(tempfile.mkdtemp()) / "evidence"
    _store_file(store, b"%PDF-1.4 illustrative minutes")
    file = Path(tempfile.mkdtemp()) / "tracker.backup"
    backup.backup(file, evidence_store=store)
    archive = backup.evidence_archive(file)
    raw = archive.read_bytes()
    at = raw.index(b"illustrative minutes")
    archive.write_bytes(raw[:at] + b"X" + raw[at + 1 :])  # one byte of a file changed

    make_user(email="after.the.backup@trust.example")
    db.session.commit()
    before = _every_table()
    with pytest.raises(backup.BackupError, match="does not match its SHA-256"):
        backup.restore(file, evidence_store=store)
    assert _every_table() == before


def test_restore_with_evidence_refuses_a_backup_made_without_it(seeded_clean):
    file = Path(tempfile.mkdtemp()) / "tracker.backup"
    backup.backup(file)
    before = _every_table()
    with pytest.raises(backup.BackupError, match="without evidence"):
        backup.restore(file, evidence_store=Path(tempfile.mkdtemp()))
    assert _every_table() == before


def test_the_commands_take_with_evidence(seeded_clean):
    store = Path(seeded_clean.config["EVIDENCE_DIR"])
    digest = _store_file(store, b"%PDF-1.4 illustrative cli evidence")
    file = Path(tempfile.mkdtemp()) / "cli.backup"
    runner = CliRunner()
    cli = seeded_clean.cli
    made = runner.invoke(
        cli, ["tracker", "backup", str(file), "--with-evidence"], catch_exceptions=False
    )
    assert made.exit_code == 0 and "evidence files" in made.output
    (store / digest[:2] / digest).unlink()
    done = runner.invoke(
        cli,
        ["tracker", "restore", str(file), "--yes", "--with-evidence"],
        catch_exceptions=False,
    )
    assert done.exit_code == 0 and "evidence files checked" in done.output
    assert (store / digest[:2] / digest).is_file()
