"""covering indexes on the history for 'as at' views and chasing

The 'as at' view asks each action's latest version recorded by a moment, and chasing asks each
action's last version in each cycle: with (action_id, recorded_at, version) and (action_id,
cycle_id, version) both are answered from the index alone, without reading or sorting the
history rows. The first replaces (action_id, recorded_at), which is its prefix.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 04:30:00

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("action_update") as batch_op:
        batch_op.drop_index("ix_action_update_action_recorded")
        batch_op.create_index(
            "ix_action_update_action_recorded_version",
            ["action_id", "recorded_at", "version"],
        )
        batch_op.create_index(
            "ix_action_update_action_cycle_version", ["action_id", "cycle_id", "version"]
        )


def downgrade():
    with op.batch_alter_table("action_update") as batch_op:
        batch_op.drop_index("ix_action_update_action_cycle_version")
        batch_op.drop_index("ix_action_update_action_recorded_version")
        batch_op.create_index("ix_action_update_action_recorded", ["action_id", "recorded_at"])
