"""meetings: Getting to Good, JSIG and CIB, with decisions, follow-ups and a frozen snapshot

The snapshot is a JSON document written once when the meeting is recorded: the plan as it was
presented, never recomputed. A unique idempotency key from the recording form makes a double
click one meeting.

Revision ID: 0009
Revises: 0011 (the head of main when merged: 0007, 0013, 0014, 0010, 0015, 0008, 0012)
Create Date: 2026-11-30 06:20:51

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0009"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "meeting",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("chair_id", sa.Integer(), nullable=False),
        sa.Column("other_attendees", sa.Text(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=64), nullable=False),
        sa.Column("snapshot", sa.JSON(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('getting_to_good', 'jsig', 'cib')", name=op.f("ck_meeting_kind")
        ),
        sa.ForeignKeyConstraint(
            ["chair_id"], ["user_account.id"], name=op.f("fk_meeting_chair_id_user_account")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user_account.id"],
            name=op.f("fk_meeting_created_by_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_meeting_idempotency_key")),
    )
    with op.batch_alter_table("meeting", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_meeting_chair_id"), ["chair_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_meeting_held_on"), ["held_on"], unique=False)

    op.create_table(
        "meeting_attendee",
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meeting.id"],
            name=op.f("fk_meeting_attendee_meeting_id_meeting"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_meeting_attendee_user_id_user_account")
        ),
        sa.PrimaryKeyConstraint("meeting_id", "user_id", name=op.f("pk_meeting_attendee")),
    )
    with op.batch_alter_table("meeting_attendee", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_meeting_attendee_user_id"), ["user_id"], unique=False)

    op.create_table(
        "meeting_decision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meeting.id"],
            name=op.f("fk_meeting_decision_meeting_id_meeting"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting_decision")),
        sa.UniqueConstraint("meeting_id", "position", name="uq_meeting_decision_position"),
    )
    op.create_table(
        "meeting_follow_up",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("assignee_id", sa.Integer(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("done_at", sa.DateTime(), nullable=True),
        sa.Column("done_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["assignee_id"],
            ["user_account.id"],
            name=op.f("fk_meeting_follow_up_assignee_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["done_by_id"],
            ["user_account.id"],
            name=op.f("fk_meeting_follow_up_done_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meeting.id"],
            name=op.f("fk_meeting_follow_up_meeting_id_meeting"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting_follow_up")),
    )
    with op.batch_alter_table("meeting_follow_up", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_meeting_follow_up_assignee_id"), ["assignee_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_meeting_follow_up_meeting_id"), ["meeting_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("meeting_follow_up", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_meeting_follow_up_meeting_id"))
        batch_op.drop_index(batch_op.f("ix_meeting_follow_up_assignee_id"))

    op.drop_table("meeting_follow_up")
    op.drop_table("meeting_decision")
    with op.batch_alter_table("meeting_attendee", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_meeting_attendee_user_id"))

    op.drop_table("meeting_attendee")
    with op.batch_alter_table("meeting", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_meeting_held_on"))
        batch_op.drop_index(batch_op.f("ix_meeting_chair_id"))

    op.drop_table("meeting")
