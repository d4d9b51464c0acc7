"""locality returns and drafts

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 18:33:21.402768

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "locality_return",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("locality_id", sa.Integer(), nullable=False),
        sa.Column("cycle_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("late", sa.Boolean(), nullable=False),
        sa.Column("draft_saved_at", sa.DateTime(), nullable=True),
        sa.Column("draft_saved_by_id", sa.Integer(), nullable=True),
        sa.Column("submitted_at", sa.DateTime(), nullable=True),
        sa.Column("submitted_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "status IN ('draft', 'submitted')", name=op.f("ck_locality_return_status")
        ),
        sa.ForeignKeyConstraint(
            ["cycle_id"], ["update_cycle.id"], name=op.f("fk_locality_return_cycle_id_update_cycle")
        ),
        sa.ForeignKeyConstraint(
            ["draft_saved_by_id"],
            ["user_account.id"],
            name=op.f("fk_locality_return_draft_saved_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["locality_id"], ["locality.id"], name=op.f("fk_locality_return_locality_id_locality")
        ),
        sa.ForeignKeyConstraint(
            ["submitted_by_id"],
            ["user_account.id"],
            name=op.f("fk_locality_return_submitted_by_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_locality_return")),
        sa.UniqueConstraint("locality_id", "cycle_id", name="uq_locality_return_locality_cycle"),
    )
    with op.batch_alter_table("locality_return", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_locality_return_cycle_id"), ["cycle_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_locality_return_locality_id"), ["locality_id"], unique=False
        )

    op.create_table(
        "return_draft",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("locality_return_id", sa.Integer(), nullable=False),
        sa.Column("action_id", sa.Integer(), nullable=False),
        sa.Column("base_version", sa.Integer(), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("saved_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["action_id"], ["action.id"], name=op.f("fk_return_draft_action_id_action")
        ),
        sa.ForeignKeyConstraint(
            ["locality_return_id"],
            ["locality_return.id"],
            name=op.f("fk_return_draft_locality_return_id_locality_return"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_return_draft")),
        sa.UniqueConstraint("locality_return_id", "action_id", name="uq_return_draft_entry"),
    )
    with op.batch_alter_table("return_draft", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_return_draft_locality_return_id"), ["locality_return_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("return_draft", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_return_draft_locality_return_id"))

    op.drop_table("return_draft")
    with op.batch_alter_table("locality_return", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_locality_return_locality_id"))
        batch_op.drop_index(batch_op.f("ix_locality_return_cycle_id"))

    op.drop_table("locality_return")
