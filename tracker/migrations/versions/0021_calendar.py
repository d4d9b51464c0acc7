"""calendar: each person chooses how many days before a deadline their calendar feed reminds
them (issue 18.4); 2 days for everyone until they choose.

Revision ID: 0021_calendar
Revises: 0020_tokens
Create Date: 2026-12-06 22:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0021_calendar"
down_revision = "0020_tokens"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("reminder_days", sa.Integer(), server_default="2", nullable=False)
        )


def downgrade():
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_column("reminder_days")
