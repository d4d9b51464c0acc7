"""The migrations and the models agree, and upgrade then downgrade to base works."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, select, text
from sqlalchemy.engine import make_url

from config import BASE_DIR, suite_database_url
from tests.conftest import make_app
from tracker.extensions import db, init_migrations
from tracker.models.search import outside_the_models

MIGRATIONS = str(BASE_DIR / "tracker" / "migrations")
# Columns the Action model has that a 0005 schema lacks (added by 0008).
LATER_ACTION_COLUMNS = (
    "plan_version INTEGER DEFAULT 1 NOT NULL",
    "baseline_target_date DATE",
    "superseded_by_id INTEGER",
)
# ... and the finding's kind the Recommendation model has (added by 0023).
LATER_RECOMMENDATION_COLUMNS = ("kind VARCHAR(32) DEFAULT 'recommendation' NOT NULL",)
LATER_LOCALITY_COLUMNS = ("retired_at TIMESTAMP",)  # 0024


@pytest.fixture
def migration_url():
    base = suite_database_url()
    if base and base.startswith("postgresql"):
        url = make_url(base)
        target = url.set(database=f"{url.database}_migrations_{os.getpid()}")
        admin = create_engine(base, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{target.database}"'))
        yield target.render_as_string(hide_password=False)
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
        admin.dispose()
    else:
        folder = Path(tempfile.mkdtemp(prefix="tracker-migrations-"))
        yield f"sqlite:///{folder / 'migrations.db'}"


def _described_by_models(name, type_, parent_names) -> bool:
    """Leave out the full-text schema the search DDL makes beside its model (FTS5 tables on
    SQLite, the tsvector column and its index on PostgreSQL)."""
    return not outside_the_models(name, type_)


def test_upgrade_matches_the_models_and_downgrade_returns_to_base(migration_url):
    app = make_app(migration_url)
    init_migrations(app)  # Flask-Migrate is loaded only where migrations are run
    with app.app_context():
        upgrade(directory=MIGRATIONS)
        with db.engine.connect() as conn:
            context = MigrationContext.configure(
                conn, opts={"compare_type": True, "include_name": _described_by_models}
            )
            diff = compare_metadata(context, db.metadata)
            assert diff == [], f"models and migrations disagree: {diff}"
            tables = set(inspect(conn).get_table_names())
        assert {"action", "action_update", "recommendation", "audit_event"} <= tables

        downgrade(directory=MIGRATIONS, revision="base")
        with db.engine.connect() as conn:
            left = set(inspect(conn).get_table_names()) - {"alembic_version"}
        assert left == set()

        upgrade(directory=MIGRATIONS)  # and back up again, cleanly
        with db.engine.connect() as conn:
            assert "action_update" in inspect(conn).get_table_names()
        db.session.remove()
        db.engine.dispose()


def test_the_projection_migration_fills_the_current_state_from_existing_history(migration_url):
    """An existing tracker upgraded to 0006 gets one current-state row per action: its latest."""
    from datetime import UTC, datetime

    from tests.builders import make_action
    from tracker.models import ActionUpdate
    from tracker.services.plan import projection

    app = make_app(migration_url)
    init_migrations(app)  # Flask-Migrate is loaded only where migrations are run
    with app.app_context():
        upgrade(directory=MIGRATIONS, revision="0005")
        # Rows written as a 0005 tracker would have: history only (no action_state table yet).
        db.metadata.tables["action_state"].create(db.engine)  # so the builders can run ...
        db.metadata.tables["search_document"].create(db.engine)
        with db.engine.begin() as conn:  # (and the action columns 0008 adds)
            for column in LATER_ACTION_COLUMNS:
                conn.execute(text(f"ALTER TABLE action ADD COLUMN {column}"))
            for column in LATER_RECOMMENDATION_COLUMNS:
                conn.execute(text(f"ALTER TABLE recommendation ADD COLUMN {column}"))
            for column in LATER_LOCALITY_COLUMNS:
                conn.execute(text(f"ALTER TABLE locality ADD COLUMN {column}"))
        action = make_action(ref="MAP-001")
        db.session.add(
            ActionUpdate(
                action_id=action.id,
                version=2,
                cause="person",
                recorded_at=datetime(2016, 2, 1, 9, tzinfo=UTC),
                lifecycle="in_progress",
                rag="red",
                impact="emerging",
                summary="Slipped.",
                reason="Two managers left.",
                evidence="",
            )
        )
        action.version = 2
        db.session.commit()
        db.session.remove()
        db.metadata.tables["action_state"].drop(db.engine)  # ... then back to a 0005 schema
        db.metadata.tables["search_document"].drop(db.engine)
        with db.engine.begin() as conn:
            for column in LATER_ACTION_COLUMNS:
                conn.execute(text(f"ALTER TABLE action DROP COLUMN {column.split()[0]}"))
            for column in LATER_RECOMMENDATION_COLUMNS:
                conn.execute(text(f"ALTER TABLE recommendation DROP COLUMN {column.split()[0]}"))
            for column in LATER_LOCALITY_COLUMNS:
                conn.execute(text(f"ALTER TABLE locality DROP COLUMN {column.split()[0]}"))
        upgrade(directory=MIGRATIONS)
        assert projection.differences() == []
        state = db.session.execute(text("SELECT version, rag, summary FROM action_state")).one()
        assert tuple(state) == (2, "red", "Slipped.")
        db.session.remove()


def test_web_workers_never_load_alembic():
    """Flask-Migrate and Alembic cost a worker about 11 MB: only `flask db` loads them."""
    import subprocess
    import sys

    code = (
        "import sys; from tracker import create_app; from config import TestConfig;"
        "create_app(TestConfig);"
        "print(sorted(m for m in ('alembic', 'flask_migrate') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=BASE_DIR
    )
    assert out.stdout.strip() == "[]"


def test_the_search_migration_fills_the_index_as_a_rebuild_would(migration_url):
    """An existing tracker upgraded to 0018 can search at once: the migration's SQL writes the
    same documents as `flask tracker search-rebuild`."""
    from tests.builders import make_sef_version
    from tests.conftest import SEED_NOW
    from tracker.services.platform.seed import load_seed

    app = make_app(migration_url)
    init_migrations(app)
    columns = "kind, key, action_id, locality_id, audience, ref, title, body"
    with app.app_context():
        upgrade(directory=MIGRATIONS)
        load_seed(app.config["SEED_DIR"], now=SEED_NOW, demo_password=None, hash_method="x")
        make_sef_version(locality="north", status="draft", version=1)
        make_sef_version(locality="north", status="submitted", version=2)
        db.session.commit()
        query = text(f"SELECT {columns} FROM search_document ORDER BY kind, key")
        rebuilt = [tuple(r) for r in db.session.execute(query)]
        db.session.remove()

        downgrade(directory=MIGRATIONS, revision="0017")  # evidence (0016) and its rows stay
        upgrade(directory=MIGRATIONS)
        migrated = [tuple(r) for r in db.session.execute(query)]
        assert len(rebuilt) > 1500
        assert migrated == rebuilt
        db.session.remove()
        db.engine.dispose()


def test_the_leaving_date_migration_gives_past_leavers_the_london_day_they_were_marked(
    migration_url,
):
    """People marked as left before 0019 get the London day of `left_at` as their leaving day
    (23:30 UTC on 30 June is 1 July in London); everyone else has none."""
    app = make_app(migration_url)
    init_migrations(app)
    with app.app_context():
        upgrade(directory=MIGRATIONS, revision="0018")
        with db.engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO organisation (id, code, name, kind) "
                    "VALUES (1, 'trust', 'Trust', 'trust')"
                )
            )
            for user_id, left_at in ((1, "2016-06-30 23:30:00"), (2, None)):
                conn.execute(
                    text(
                        "INSERT INTO user_account (id, email, name, job_title, organisation_id, "
                        "role, active, created_at, left_at, session_generation) VALUES (:id, "
                        ":email, 'P', '', 1, 'viewer', :active, '2016-01-01 00:00:00', "
                        ":left_at, 1)"
                    ),
                    {
                        "id": user_id,
                        "email": f"p{user_id}@trust.example",
                        "active": left_at is None,
                        "left_at": left_at,
                    },
                )
        upgrade(directory=MIGRATIONS)
        with db.engine.connect() as conn:
            rows = conn.execute(text("SELECT id, left_on FROM user_account ORDER BY id")).all()
        assert [(i, str(d) if d else None) for i, d in rows] == [(1, "2016-07-01"), (2, None)]
        db.session.remove()
        db.engine.dispose()


def test_the_token_migration_gives_existing_tokens_a_year_from_when_they_were_made(
    migration_url,
):
    """Tokens made before 0020 expire 365 days after they were made, and may write."""
    app = make_app(migration_url)
    init_migrations(app)
    with app.app_context():
        upgrade(directory=MIGRATIONS, revision="0019_notify")
        with db.engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO organisation (id, code, name, kind) "
                    "VALUES (1, 'trust', 'Trust', 'trust')"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO user_account (id, email, name, job_title, organisation_id, "
                    "role, active, created_at, session_generation) VALUES (1, "
                    "'p1@trust.example', 'P', '', 1, 'viewer', :active, '2016-01-01 00:00:00', 1)"
                ),
                {"active": True},
            )
            for token_id, made in ((1, "2015-03-01 09:30:00"), (2, "2016-02-01 23:30:00")):
                conn.execute(
                    text(
                        "INSERT INTO api_token (id, user_id, token_hash, label, created_at) "
                        "VALUES (:id, 1, :hash, 'x', :made)"
                    ),
                    {"id": token_id, "hash": f"{token_id:064d}", "made": made},
                )
        upgrade(directory=MIGRATIONS)
        from tracker.models import ApiToken

        rows = db.session.execute(select(ApiToken).order_by(ApiToken.id)).scalars().all()
        assert [(t.expires_at.isoformat(), t.read_only) for t in rows] == [
            ("2016-02-29T09:30:00+00:00", False),
            ("2017-01-31T23:30:00+00:00", False),
        ]
        db.session.remove()
        db.engine.dispose()


@pytest.mark.parametrize("saved_words", [None, {"board": "Getting to Good"}])
def test_a_tracker_in_use_keeps_its_areas_name_and_its_cycles_rhythm(migration_url, saved_words):
    """Upgraded past 0026, a tracker that has localities and cycles still says "Locality" and
    keeps making cycles in the rhythm it already had (with no TRACKER_CYCLE_START, the default
    would otherwise start on the week the app starts); words it had saved are kept."""
    app = make_app(migration_url)
    init_migrations(app)
    with app.app_context():
        upgrade(directory=MIGRATIONS, revision="0025_sef_sections")
        with db.engine.begin() as conn:
            conn.execute(text("INSERT INTO locality (id, code, name) VALUES (1, 'north', 'North')"))
            for number, opens, due, due_at in (
                # Thursdays at 16:30 in London (15:30 UTC in summer time), not the defaults.
                (1, "2017-04-03", "2017-04-13", "2017-04-13 15:30:00"),
                (2, "2017-04-17", "2017-04-27", "2017-04-27 15:30:00"),
                (3, "2017-05-01", "2017-05-11", "2017-05-11 15:30:00"),
            ):
                conn.execute(
                    text(
                        "INSERT INTO update_cycle (number, opens_on, due_on, due_at) "
                        "VALUES (:n, :o, :d, :a)"
                    ),
                    {"n": number, "o": opens, "d": due, "a": due_at},
                )
            conn.execute(
                text(
                    "INSERT INTO sef_version (locality_id, month, version, status, what_we_know,"
                    " how_we_know, what_we_are_doing, management_oversight, practice_quality,"
                    " evidence, saved_at) VALUES (1, '2017-05', 1, 'submitted', 'a', 'b', 'c',"
                    " 'd', 'e', '', '2017-06-07 10:00:00')"
                )
            )
            if saved_words is not None:
                conn.execute(
                    text(
                        "INSERT INTO setting (key, value, updated_at) "
                        "VALUES ('words', :v, '2016-01-01 00:00:00')"
                    ),
                    {"v": json.dumps(saved_words)},
                )
        upgrade(directory=MIGRATIONS)
        from tracker.services.access import settings

        setup = settings.load()
        assert (setup.words.area, setup.words.areas) == ("Locality", "Localities")
        if saved_words:
            assert setup.words.board == "Getting to Good"
        assert setup.self_evaluation.first_month == "2017-05"  # not the first cycle's April
        [rhythm] = setup.rhythms
        assert rhythm.as_dict() == {
            "every": "2w",
            "starts_on": "2017-04-03",
            "due_weekday": 3,
            "due_time": "16:30",
        }
        db.session.remove()
        db.engine.dispose()


def test_an_empty_database_gets_no_settings_from_0026(migration_url):
    app = make_app(migration_url)
    init_migrations(app)
    with app.app_context():
        upgrade(directory=MIGRATIONS)
        from tracker.models import Setting

        assert db.session.execute(select(Setting.key)).all() == []
        db.session.remove()
        db.engine.dispose()
