"""plan changes: edits with reasons, target date requests, baselines, superseded by

Revision ID: 0008
Revises: 0015
Create Date: 2026-11-30 06:40:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0008"
down_revision = "0015"
branch_labels = None
depends_on = None

PENDING = sa.text("status = 'pending'")


def upgrade():
    op.create_table(
        "action_edit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("action_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("field", sa.String(length=32), nullable=False),
        sa.Column("old_value", sa.Text(), nullable=False),
        sa.Column("new_value", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("cause", sa.String(length=16), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("cause IN ('person', 'import')", name=op.f("ck_action_edit_cause")),
        sa.CheckConstraint(
            "kind IN ('added', 'edited', 'superseded')", name=op.f("ck_action_edit_kind")
        ),
        sa.ForeignKeyConstraint(
            ["action_id"], ["action.id"], name=op.f("fk_action_edit_action_id_action")
        ),
        sa.ForeignKeyConstraint(
            ["author_id"], ["user_account.id"], name=op.f("fk_action_edit_author_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_action_edit")),
    )
    with op.batch_alter_table("action_edit", schema=None) as batch_op:
        batch_op.create_index(
            "ix_action_edit_action_recorded", ["action_id", "recorded_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_action_edit_recorded_at"), ["recorded_at"], unique=False
        )

    op.create_table(
        "target_date_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("action_id", sa.Integer(), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=True),
        sa.Column("requested_at", sa.DateTime(), nullable=False),
        sa.Column("old_date", sa.Date(), nullable=True),
        sa.Column("new_date", sa.Date(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "(status = 'pending' AND decided_at IS NULL)"
            " OR (status <> 'pending' AND decided_at IS NOT NULL)",
            name=op.f("ck_target_date_request_decided_when_not_pending"),
        ),
        sa.CheckConstraint(
            "status IN ('pending', 'approved', 'refused')",
            name=op.f("ck_target_date_request_status"),
        ),
        sa.ForeignKeyConstraint(
            ["action_id"], ["action.id"], name=op.f("fk_target_date_request_action_id_action")
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["user_account.id"],
            name=op.f("fk_target_date_request_decided_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_id"],
            ["user_account.id"],
            name=op.f("fk_target_date_request_requested_by_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_target_date_request")),
    )
    with op.batch_alter_table("target_date_request", schema=None) as batch_op:
        batch_op.create_index(
            "ix_target_date_request_action_requested",
            ["action_id", "requested_at"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_target_date_request_decided_at"), ["decided_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_target_date_request_requested_at"), ["requested_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_target_date_request_status"), ["status"], unique=False)
        # At most one pending request per action (a partial unique index, on both databases).
        batch_op.create_index(
            "uq_target_date_request_one_pending",
            ["action_id"],
            unique=True,
            sqlite_where=PENDING,
            postgresql_where=PENDING,
        )

    with op.batch_alter_table("action", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("plan_version", sa.Integer(), server_default="1", nullable=False)
        )
        batch_op.add_column(sa.Column("baseline_target_date", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("superseded_by_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_action_superseded_by_id_action"), "action", ["superseded_by_id"], ["id"]
        )
        batch_op.create_check_constraint(
            batch_op.f("ck_action_plan_version_positive"), "plan_version >= 1"
        )
        batch_op.create_check_constraint(
            batch_op.f("ck_action_not_self_superseded"),
            "superseded_by_id IS NULL OR superseded_by_id <> id",
        )


def downgrade():
    with op.batch_alter_table("action", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_action_not_self_superseded"), type_="check")
        batch_op.drop_constraint(batch_op.f("ck_action_plan_version_positive"), type_="check")
        batch_op.drop_constraint(
            batch_op.f("fk_action_superseded_by_id_action"), type_="foreignkey"
        )
        batch_op.drop_column("superseded_by_id")
        batch_op.drop_column("baseline_target_date")
        batch_op.drop_column("plan_version")

    with op.batch_alter_table("target_date_request", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_target_date_request_one_pending", sqlite_where=PENDING, postgresql_where=PENDING
        )
        batch_op.drop_index(batch_op.f("ix_target_date_request_status"))
        batch_op.drop_index(batch_op.f("ix_target_date_request_requested_at"))
        batch_op.drop_index(batch_op.f("ix_target_date_request_decided_at"))
        batch_op.drop_index("ix_target_date_request_action_requested")
    op.drop_table("target_date_request")

    with op.batch_alter_table("action_edit", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_action_edit_recorded_at"))
        batch_op.drop_index("ix_action_edit_action_recorded")
    op.drop_table("action_edit")
