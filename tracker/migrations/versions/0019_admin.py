"""a leaver's leaving date: the day they left, as the admin gave it (issue 17.9)

`user_account.left_on` is the day a person left (London). People already marked as left get the
London day of the moment they were marked (`left_at`), the best record there is.

Revision ID: 0019_admin
Revises: 0018
Create Date: 2026-12-06 18:40:00

"""

from datetime import UTC
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0019_admin"
down_revision = "0018"
branch_labels = None
depends_on = None

LONDON = ZoneInfo("Europe/London")


def upgrade():
    with op.batch_alter_table("user_account") as batch_op:
        batch_op.add_column(sa.Column("left_on", sa.Date(), nullable=True))
    users = sa.table(
        "user_account",
        sa.column("id", sa.Integer),
        sa.column("left_at", sa.DateTime),
        sa.column("left_on", sa.Date),
    )
    conn = op.get_bind()
    leavers = conn.execute(
        sa.select(users.c.id, users.c.left_at).where(users.c.left_at.is_not(None))
    ).all()
    for user_id, left_at in leavers:  # stored as naive UTC
        day = left_at.replace(tzinfo=UTC).astimezone(LONDON).date()
        conn.execute(users.update().where(users.c.id == user_id).values(left_on=day))


def downgrade():
    with op.batch_alter_table("user_account") as batch_op:
        batch_op.drop_column("left_on")
