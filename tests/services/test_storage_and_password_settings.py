"""SQLite runs in WAL mode with a busy timeout; passwords are hashed with the chosen scrypt."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import text
from werkzeug.security import check_password_hash, generate_password_hash

from config import Config, TestConfig
from tests.builders import make_user
from tests.conftest import EMPTY_URL, IS_POSTGRES, make_app
from tracker import create_app
from tracker.extensions import db, sqlite_pragmas
from tracker.models import User
from tracker.services.access import auth as auth_service
from tracker.services.access.auth import authenticate

# OWASP's lowest-memory scrypt setting of equal strength: N=2^13 (8 MiB), r=8, p=10.
CHOSEN_HASH_METHOD = "scrypt:8192:8:10"
NOW = datetime(2016, 2, 5, 9, 0, tzinfo=UTC)


def _pragma(app, name: str) -> object:
    with app.app_context():
        value = db.session.execute(text(f"PRAGMA {name}")).scalar_one()
        db.session.remove()
        db.engine.dispose()
    return value


def test_a_sqlite_file_database_is_written_in_wal_mode_with_a_busy_timeout(tmp_path: Path):
    app = create_app(
        TestConfig,
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'wal.db'}",
        SQLITE_BUSY_TIMEOUT_MS=7250,
    )
    assert _pragma(app, "journal_mode") == "wal"
    assert _pragma(app, "busy_timeout") == 7250


def test_wal_can_be_switched_off_for_a_sqlite_file(tmp_path: Path):
    app = create_app(
        TestConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'plain.db'}", SQLITE_WAL=False
    )
    assert _pragma(app, "journal_mode") == "delete"
    assert _pragma(app, "busy_timeout") == Config.SQLITE_BUSY_TIMEOUT_MS


def test_an_in_memory_sqlite_database_is_left_alone():
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI="sqlite://")
    with app.app_context():
        assert sqlite_pragmas(db.engine) is None
    assert _pragma(app, "journal_mode") == "memory"


def test_a_postgresql_database_gets_no_sqlite_settings():
    app = create_app(
        TestConfig, SQLALCHEMY_DATABASE_URI="postgresql+psycopg://tracker@127.0.0.1:5432/tracker"
    )
    with app.app_context():
        assert sqlite_pragmas(db.engine) is None  # no connection is needed to know


def test_the_suite_database_has_sqlite_settings_only_when_it_is_a_sqlite_file():
    app = make_app(EMPTY_URL)
    with app.app_context():
        listener = sqlite_pragmas(db.engine)
        if IS_POSTGRES:
            assert listener is None
            assert db.session.execute(text("SELECT 1")).scalar_one() == 1
        else:
            assert listener is not None
            assert db.session.execute(text("PRAGMA journal_mode")).scalar_one() == "wal"
        db.session.remove()
        db.engine.dispose()


def test_production_hashes_passwords_with_the_chosen_memory_hard_scrypt():
    assert Config.PASSWORD_HASH_METHOD == CHOSEN_HASH_METHOD
    hashed = generate_password_hash("correct horse battery staple", Config.PASSWORD_HASH_METHOD)
    assert hashed.startswith("scrypt:8192:8:10$")
    assert check_password_hash(hashed, "correct horse battery staple")
    assert not check_password_hash(hashed, "correct horse battery stapler")


def _sign_in(email: str, password: str, method: str = CHOSEN_HASH_METHOD):
    return authenticate(email, password, now=NOW, remote_addr="127.0.0.1", hash_method=method)


def test_a_person_whose_password_was_hashed_with_the_old_default_still_signs_in(clean_db):
    # Werkzeug's default before the choice: "scrypt" is N=2^15, r=8, p=1, kept inside the hash.
    old = generate_password_hash("illustrative-demo-2016", method="scrypt")
    assert old.startswith("scrypt:32768:8:1$")
    user = make_user(email="old.hash@trust.example", password=None)
    user.password_hash = old
    db.session.commit()

    assert _sign_in("old.hash@trust.example", "illustrative-demo-2017") is None
    assert db.session.get(User, user.id).password_hash == old  # a wrong password changes nothing
    signed_in = _sign_in("old.hash@trust.example", "illustrative-demo-2016")

    assert signed_in is not None and signed_in.email == "old.hash@trust.example"
    # Once verified, the password is hashed again with the chosen parameters.
    upgraded = db.session.get(User, user.id).password_hash
    assert upgraded.startswith("scrypt:8192:8:10$")
    assert check_password_hash(upgraded, "illustrative-demo-2016")
    assert _sign_in("old.hash@trust.example", "illustrative-demo-2016") is not None
    assert db.session.get(User, user.id).password_hash == upgraded  # not rehashed every time


def test_a_shorthand_method_does_not_rehash_a_password_at_every_sign_in(clean_db):
    user = make_user(email="short@trust.example", password=None)
    user.password_hash = generate_password_hash("a-long-test-password", method="scrypt")
    db.session.commit()
    stored = user.password_hash
    assert _sign_in("short@trust.example", "a-long-test-password", method="scrypt") is not None
    assert db.session.get(User, user.id).password_hash == stored


def test_an_unknown_email_is_checked_against_a_hash_made_the_chosen_way(clean_db, monkeypatch):
    checked: list[str] = []

    def spy(pwhash: str, password: str) -> bool:
        checked.append(pwhash.split("$", 1)[0])
        return check_password_hash(pwhash, password)

    monkeypatch.setattr(auth_service, "check_password_hash", spy)
    make_user(email="known@trust.example")
    db.session.commit()
    assert _sign_in("nobody@trust.example", "a-long-test-password") is None
    assert checked == ["scrypt:8192:8:10"]  # the same cost as a real account's check
