"""set-up in the browser (issue 20.2): settings held in the database; areas can be retired

- `setting`: one row per setting (words, the update rhythm's history, the self-evaluation,
  chasing), its value as JSON; a missing row means the environment's default.
- `locality` (the areas returns are made for) gains `retired_at`.

Revision ID: 0024_setup
Revises: 0023_inspection_events
Create Date: 2026-12-07 04:10:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0024_setup"
down_revision = "0023_inspection_events"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "setting",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("value", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["user_account.id"],
            name=op.f("fk_setting_updated_by_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_setting")),
    )
    with op.batch_alter_table("locality", schema=None) as batch_op:
        batch_op.add_column(sa.Column("retired_at", sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table("locality", schema=None) as batch_op:
        batch_op.drop_column("retired_at")
    op.drop_table("setting")
