"""Back up, change things, restore: every table is exactly as it was, on SQLite and PostgreSQL."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from tests.builders import make_user
from tests.conftest import DEMO_PASSWORD, SEED_NOW
from tracker.extensions import db
from tracker.models import ActionUpdate, OutboxMessage, User
from tracker.services import backup
from tracker.services.seed import load_seed


def _every_table() -> dict[str, list[tuple]]:
    tables = {}
    for table in db.metadata.sorted_tables:
        order = list(table.primary_key.columns) or list(table.columns)
        rows = db.session.execute(select(table).order_by(*order)).all()
        tables[table.name] = [tuple(r) for r in rows]
    return tables


@pytest.fixture
def seeded_clean(clean_db):
    load_seed(
        clean_db.config["SEED_DIR"],
        now=SEED_NOW,
        demo_password=DEMO_PASSWORD,
        hash_method=clean_db.config["PASSWORD_HASH_METHOD"],
    )
    db.session.commit()
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
