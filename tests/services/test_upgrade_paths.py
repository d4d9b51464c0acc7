"""`flask db upgrade` works from every released schema: a tracker left at any revision of the
chain upgrades to the newest, and the schema it ends with is the one the models describe.

SQLite only: tests/services/test_migrations.py runs the chain through `flask db upgrade` (its
env.py) on PostgreSQL as well. To keep this quick, the migration scripts are read once (Alembic
reads every file again on each `upgrade` command) and the database is walked up the chain once:
at each revision a copy of the file, the "tracker left there", is upgraded to the head.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.config import Config as AlembicConfig
from alembic.migration import MigrationContext
from alembic.runtime.environment import EnvironmentContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, event

from config import BASE_DIR
from tracker.extensions import db
from tracker.models.search import outside_the_models

MIGRATIONS = str(BASE_DIR / "tracker" / "migrations")
SCRIPT = ScriptDirectory(MIGRATIONS)

# SQLite files are copied, once: the PostgreSQL run deselects this (Makefile);
# test_migrations.py runs the chain on PostgreSQL.
pytestmark = pytest.mark.sqlite_only


def revisions_oldest_first() -> list[str]:
    """Every revision of the chain, from the first to the head (one head, no branches)."""
    heads = SCRIPT.get_heads()
    assert len(heads) == 1, f"the migrations have {len(heads)} heads: {heads}"
    return [rev.revision for rev in reversed(list(SCRIPT.walk_revisions()))]


def _engine(path: Path):
    """No fsync: these files are thrown away (the app's own pragmas change no schema)."""
    engine = create_engine(f"sqlite:///{path}")

    @event.listens_for(engine, "connect")
    def _quick(dbapi_connection, _record):
        dbapi_connection.execute("PRAGMA synchronous = OFF")

    return engine


def upgrade(path: Path, destination: str) -> None:
    """What `flask db upgrade` does (batch mode, one transaction), the scripts read once."""

    def steps(revision, _context):
        return SCRIPT._upgrade_revs(destination, revision)

    config = AlembicConfig()
    config.set_main_option("script_location", MIGRATIONS)
    engine = _engine(path)
    try:
        with (
            EnvironmentContext(config, SCRIPT, fn=steps, destination_rev=destination) as env,
            engine.connect() as conn,
        ):
            env.configure(connection=conn, target_metadata=db.metadata, render_as_batch=True)
            with env.begin_transaction():
                env.run_migrations()
            conn.commit()
    finally:
        engine.dispose()


def revision(path: Path) -> str | None:
    engine = _engine(path)
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    finally:
        engine.dispose()


def differences_from_the_models(path: Path) -> list:
    engine = _engine(path)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(
                conn,
                opts={
                    "compare_type": True,
                    "include_name": lambda name, type_, _parents: (
                        not outside_the_models(name, type_)
                    ),
                },
            )
            return compare_metadata(context, db.metadata)
    finally:
        engine.dispose()


def test_the_chain_is_every_migration_file_in_order():
    revisions = revisions_oldest_first()
    files = sorted((BASE_DIR / "tracker" / "migrations" / "versions").glob("0*.py"))
    assert len(revisions) == len(files) >= 23
    assert revisions[0] == "0001"


def test_a_tracker_at_any_earlier_revision_upgrades_to_the_newest(tmp_path):
    revisions = revisions_oldest_first()
    head = revisions[-1]
    walked, left_there = tmp_path / "walked.db", tmp_path / "left-there.db"
    upgraded = []
    for at in revisions[:-1]:
        upgrade(walked, at)
        assert revision(walked) == at
        shutil.copyfile(walked, left_there)
        upgrade(left_there, "head")
        assert revision(left_there) == head, f"upgraded from {at}, the database is not at {head}"
        if not upgraded:  # the longest way up (comparing is half the time: once is enough)
            assert differences_from_the_models(left_there) == []
        upgraded.append(at)
    assert upgraded == revisions[:-1] and len(upgraded) >= 22
