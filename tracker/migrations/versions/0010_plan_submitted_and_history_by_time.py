"""the day the action plan was sent to Ofsted; the history by time, for "what changed since"

The inspection records the day its action plan was sent to Ofsted and who recorded it when.
"What changed since" reads the history rows recorded in a window of time: an index on
recorded_at finds them without reading the whole history.

Revision ID: 0010
Revises: 0014
Create Date: 2026-11-30 06:40:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0010"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("inspection", schema=None) as batch_op:
        batch_op.add_column(sa.Column("plan_submitted_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("plan_submitted_recorded_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("plan_submitted_recorded_at", sa.DateTime(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_inspection_plan_submitted_recorded_by_id_user_account"),
            "user_account",
            ["plan_submitted_recorded_by_id"],
            ["id"],
        )
    with op.batch_alter_table("action_update", schema=None) as batch_op:
        batch_op.create_index("ix_action_update_recorded_at", ["recorded_at"])


def downgrade():
    with op.batch_alter_table("action_update", schema=None) as batch_op:
        batch_op.drop_index("ix_action_update_recorded_at")
    with op.batch_alter_table("inspection", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_inspection_plan_submitted_recorded_by_id_user_account"),
            type_="foreignkey",
        )
        batch_op.drop_column("plan_submitted_recorded_at")
        batch_op.drop_column("plan_submitted_recorded_by_id")
        batch_op.drop_column("plan_submitted_on")
