"""a tracker already in use keeps what it showed and when its cycles fall (issue 20.2)

Before the set-up pages, a tracker called its areas "Locality" and "Localities" and made its
update cycles from the environment's start day. Upgraded without anything saved, it would now
say "Area" and, with no TRACKER_CYCLE_START, start a new rhythm on the week the app starts,
out of step with the cycles it has already made. So, for a database already in use:

- areas (`locality` rows) and no saved names for them: the words setting gains
  {"area": "Locality", "areas": "Localities"} (any other saved words are kept);
- update cycles made and no saved rhythm: the rhythm is saved as the cycles show it (the first
  cycle's opening day, the gap between the first two, the weekday and London time returns were
  due), so the cycles already made and the ones to come stay one rhythm.

A new, empty database gets neither. The downgrade removes nothing (the settings are the
tracker's own from then on, changed in Admin > Set-up).

Revision ID: 0026_settings_from_use
Revises: 0025_sef_sections
Create Date: 2026-12-07 13:20:00

"""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0026_settings_from_use"
down_revision = "0025_sef_sections"
branch_labels = None
depends_on = None

SETTING = sa.table(
    "setting",
    sa.column("key", sa.String),
    sa.column("value", sa.JSON),
    sa.column("updated_at", sa.DateTime),
    sa.column("updated_by_id", sa.Integer),
)
EVERY = {7: "1w", 14: "2w", 28: "4w"}


def _day(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _moment(value) -> datetime:
    if not isinstance(value, datetime):
        value = datetime.fromisoformat(str(value))
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def _saved(bind, key: str):
    return bind.execute(sa.select(SETTING.c.value).where(SETTING.c.key == key)).first()


def _write(bind, key: str, value, *, exists: bool, now: datetime) -> None:
    if exists:
        bind.execute(
            SETTING.update().where(SETTING.c.key == key).values(value=value, updated_at=now)
        )
    else:
        bind.execute(SETTING.insert().values(key=key, value=value, updated_at=now))


def upgrade():
    bind = op.get_bind()
    now = datetime.now(UTC).replace(tzinfo=None)
    if bind.execute(sa.text("SELECT 1 FROM locality LIMIT 1")).first() is not None:
        row = _saved(bind, "words")
        words = dict(row[0]) if row is not None and isinstance(row[0], dict) else {}
        if "area" not in words:
            words |= {"area": "Locality", "areas": "Localities"}
            _write(bind, "words", words, exists=row is not None, now=now)
    cycles = bind.execute(
        sa.text("SELECT opens_on, due_on, due_at FROM update_cycle ORDER BY number LIMIT 2")
    ).all()
    if cycles and _saved(bind, "rhythms") is None:
        first_opens, first_due, due_at = cycles[0]
        gap = (_day(cycles[1][0]) - _day(first_opens)).days if len(cycles) > 1 else 14
        due = _moment(due_at).astimezone(ZoneInfo("Europe/London"))
        rhythm = {
            "every": EVERY.get(gap, "month" if 28 <= gap <= 31 else "2w"),
            "starts_on": _day(first_opens).isoformat(),
            "due_weekday": _day(first_due).weekday(),
            "due_time": due.strftime("%H:%M"),
        }
        _write(bind, "rhythms", [rhythm], exists=False, now=now)
    first_sef = bind.execute(sa.text("SELECT MIN(month) FROM sef_version")).scalar()
    if first_sef and _saved(bind, "self_evaluation") is None:
        _write(bind, "self_evaluation", {"first_month": first_sef}, exists=False, now=now)


def downgrade():
    pass
