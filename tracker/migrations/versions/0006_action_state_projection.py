"""the current-state projection: one row per action, built from history

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 04:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

STATE_COLUMNS = (
    "version, lifecycle, rag, impact, summary, reason, evidence, no_change, cause, author_id, "
    "recorded_at, cycle_id"
)


def upgrade():
    op.create_table(
        "action_state",
        sa.Column("action_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("lifecycle", sa.String(length=32), nullable=False),
        sa.Column("rag", sa.String(length=8), nullable=True),
        sa.Column("impact", sa.String(length=32), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("no_change", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("cause", sa.String(length=16), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.Column("cycle_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "impact IN ('not_yet_evidenced', 'emerging', 'evidenced')",
            name=op.f("ck_action_state_impact"),
        ),
        sa.CheckConstraint(
            "lifecycle IN ('not_started', 'in_progress', 'complete_awaiting_signoff', "
            "'closed_evidenced', 'superseded')",
            name=op.f("ck_action_state_lifecycle"),
        ),
        sa.CheckConstraint(
            "rag IS NULL OR rag IN ('red', 'amber', 'green')", name=op.f("ck_action_state_rag")
        ),
        sa.ForeignKeyConstraint(
            ["action_id"],
            ["action.id"],
            name=op.f("fk_action_state_action_id_action"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["author_id"], ["user_account.id"], name=op.f("fk_action_state_author_id_user_account")
        ),
        sa.ForeignKeyConstraint(
            ["cycle_id"], ["update_cycle.id"], name=op.f("fk_action_state_cycle_id_update_cycle")
        ),
        sa.PrimaryKeyConstraint("action_id", name=op.f("pk_action_state")),
    )
    with op.batch_alter_table("action_state", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_action_state_cycle_id"), ["cycle_id"], unique=False)
        batch_op.create_index("ix_action_state_lifecycle_rag", ["lifecycle", "rag"], unique=False)
    # Existing plans: each action's latest history row (its version is the action's version).
    # The column names are this file's constant, never input.
    op.execute(
        f"INSERT INTO action_state (action_id, {STATE_COLUMNS}) "  # nosec B608
        f"SELECT u.action_id, u.{STATE_COLUMNS.replace(', ', ', u.')} "
        "FROM action_update u JOIN action a ON a.id = u.action_id AND a.version = u.version"
    )


def downgrade():
    with op.batch_alter_table("action_state", schema=None) as batch_op:
        batch_op.drop_index("ix_action_state_lifecycle_rag")
        batch_op.drop_index(batch_op.f("ix_action_state_cycle_id"))
    op.drop_table("action_state")
