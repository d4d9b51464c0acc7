"""notify: each person's mail preference (immediate or the daily digest), what waits for their
digest, and the actions they follow (issue 17.4)

Revision ID: 0019_notify
Revises: 0019_admin
Create Date: 2026-12-06 18:45:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0019_notify"
down_revision = "0019_admin"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "mail_preference", sa.String(length=16), server_default="digest", nullable=False
            )
        )
    op.create_table(
        "notice",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("recipient_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("link", sa.String(length=300), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["recipient_id"],
            ["user_account.id"],
            name=op.f("fk_notice_recipient_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notice")),
        sa.UniqueConstraint("key", name=op.f("uq_notice_key")),
    )
    with op.batch_alter_table("notice", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_notice_recipient_id"), ["recipient_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_notice_created_at"), ["created_at"], unique=False)
    op.create_table(
        "action_follow",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("action_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["action_id"],
            ["action.id"],
            name=op.f("fk_action_follow_action_id_action"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_action_follow_user_id_user_account")
        ),
        sa.PrimaryKeyConstraint("user_id", "action_id", name=op.f("pk_action_follow")),
    )
    with op.batch_alter_table("action_follow", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_action_follow_action_id"), ["action_id"], unique=False)


def downgrade():
    op.drop_table("action_follow")
    op.drop_table("notice")
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_column("mail_preference")
