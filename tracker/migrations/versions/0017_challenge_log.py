"""challenge log: challenges on an action or a locality return, and their steps

Append-only: a challenge (its question, who raised it and when) and each step after it (a
response, an acceptance or an escalation with its note), never edited or deleted. The
challenge's status and step count are its latest step, kept beside it for lists and counts.

Revision ID: 0017
Revises: 0009
Create Date: 2026-11-30 09:40:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "challenge",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("action_id", sa.Integer(), nullable=True),
        sa.Column("locality_id", sa.Integer(), nullable=True),
        sa.Column("cycle_id", sa.Integer(), nullable=True),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("raised_by_id", sa.Integer(), nullable=False),
        sa.Column("raised_at", sa.DateTime(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("steps", sa.Integer(), nullable=False),
        sa.Column("last_step_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "status IN ('open', 'responded', 'accepted', 'escalated')",
            name=op.f("ck_challenge_status"),
        ),
        sa.CheckConstraint(
            "(action_id IS NOT NULL AND locality_id IS NULL AND cycle_id IS NULL)"
            " OR (action_id IS NULL AND locality_id IS NOT NULL AND cycle_id IS NOT NULL)",
            name=op.f("ck_challenge_on_action_or_return"),
        ),
        sa.ForeignKeyConstraint(
            ["action_id"], ["action.id"], name=op.f("fk_challenge_action_id_action")
        ),
        sa.ForeignKeyConstraint(
            ["cycle_id"], ["update_cycle.id"], name=op.f("fk_challenge_cycle_id_update_cycle")
        ),
        sa.ForeignKeyConstraint(
            ["locality_id"], ["locality.id"], name=op.f("fk_challenge_locality_id_locality")
        ),
        sa.ForeignKeyConstraint(
            ["raised_by_id"],
            ["user_account.id"],
            name=op.f("fk_challenge_raised_by_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_challenge")),
    )
    with op.batch_alter_table("challenge", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_challenge_action_id"), ["action_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_challenge_last_step_at"), ["last_step_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_challenge_raised_at"), ["raised_at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_challenge_raised_by_id"), ["raised_by_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_challenge_status"), ["status"], unique=False)
        batch_op.create_index(
            "ix_challenge_locality_cycle", ["locality_id", "cycle_id"], unique=False
        )

    op.create_table(
        "challenge_step",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("challenge_id", sa.Integer(), nullable=False),
        sa.Column("action_id", sa.Integer(), nullable=True),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('response', 'accepted', 'escalated')", name=op.f("ck_challenge_step_kind")
        ),
        sa.ForeignKeyConstraint(
            ["action_id"], ["action.id"], name=op.f("fk_challenge_step_action_id_action")
        ),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["user_account.id"],
            name=op.f("fk_challenge_step_author_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["challenge_id"],
            ["challenge.id"],
            name=op.f("fk_challenge_step_challenge_id_challenge"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_challenge_step")),
        sa.UniqueConstraint("challenge_id", "number", name="uq_challenge_step_number"),
    )
    with op.batch_alter_table("challenge_step", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_challenge_step_action_id"), ["action_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_challenge_step_challenge_id"), ["challenge_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_challenge_step_recorded_at"), ["recorded_at"], unique=False
        )


def downgrade():
    with op.batch_alter_table("challenge_step", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_challenge_step_recorded_at"))
        batch_op.drop_index(batch_op.f("ix_challenge_step_challenge_id"))
        batch_op.drop_index(batch_op.f("ix_challenge_step_action_id"))
    op.drop_table("challenge_step")
    with op.batch_alter_table("challenge", schema=None) as batch_op:
        batch_op.drop_index("ix_challenge_locality_cycle")
        batch_op.drop_index(batch_op.f("ix_challenge_status"))
        batch_op.drop_index(batch_op.f("ix_challenge_raised_by_id"))
        batch_op.drop_index(batch_op.f("ix_challenge_raised_at"))
        batch_op.drop_index(batch_op.f("ix_challenge_last_step_at"))
        batch_op.drop_index(batch_op.f("ix_challenge_action_id"))
    op.drop_table("challenge")
