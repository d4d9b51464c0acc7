"""`flask tracker token create`: an expiry date (London day, YYYY-MM-DD), 90 days on by default,
today at the earliest and a year on at the latest; a bad one is refused and nothing is written."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from tests.conftest import ROLE_ACCOUNTS
from tracker.extensions import db
from tracker.models import ApiToken, User

EMAIL = ROLE_ACCOUNTS["performance_officer"]


def run(seeded_app, *args: str):
    return seeded_app.test_cli_runner().invoke(args=["tracker", "token", "create", EMAIL, *args])


def tokens(seeded_app) -> list[ApiToken]:
    with seeded_app.app_context():
        rows = (
            db.session.execute(
                select(ApiToken)
                .join(User, User.id == ApiToken.user_id)
                .where(User.email == EMAIL)
                .order_by(ApiToken.id)
            )
            .scalars()
            .all()
        )
        db.session.expunge_all()
        db.session.remove()
        return rows


def test_a_token_is_printed_once_and_lasts_to_the_end_of_the_chosen_day(seeded_app):
    before = len(tokens(seeded_app))
    result = run(seeded_app, "--label", "sheet", "--expires", "2016-03-01")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("trk_") and len(result.stdout.splitlines()) == 1
    assert "until the end of 2016-03-01" in result.stderr
    made = tokens(seeded_app)
    assert len(made) == before + 1 and made[-1].expires_on == date(2016, 3, 1)


def test_a_token_lasts_90_days_by_default(seeded_app):
    result = run(seeded_app)
    assert result.exit_code == 0, result.output
    assert tokens(seeded_app)[-1].expires_on == date(2016, 5, 5)


@pytest.mark.parametrize(
    ("expires", "message"),
    [
        ("2016-02-04", "today (5 February 2016) or later"),
        ("2017-02-06", "5 February 2017 or earlier"),
        ("2016-02-30", "2016-02-30 is not a real date"),
        ("next week", "YYYY-MM-DD"),
        ("20160505", "YYYY-MM-DD"),
        ("2016-05-05\x00", "YYYY-MM-DD"),
        ("", "YYYY-MM-DD"),
    ],
)
def test_a_bad_expiry_date_is_refused_and_nothing_is_written(seeded_app, expires, message):
    before = len(tokens(seeded_app))
    result = run(seeded_app, "--expires", expires)
    assert result.exit_code != 0
    assert message in result.output and "trk_" not in result.output
    assert len(tokens(seeded_app)) == before


def test_a_nul_byte_in_the_label_is_refused_and_nothing_is_written(seeded_app):
    with seeded_app.app_context():
        count = db.session.execute(select(func.count()).select_from(ApiToken)).scalar_one()
        db.session.remove()
    result = run(seeded_app, "--label", "sheet\x00")
    assert result.exit_code != 0 and "NUL byte" in result.output
    with seeded_app.app_context():
        assert db.session.execute(select(func.count()).select_from(ApiToken)).scalar_one() == count
        db.session.remove()
