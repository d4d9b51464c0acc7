"""outbox: claims taken by one conditional UPDATE, and every delivery attempt recorded

`with_for_update(skip_locked=True)` does nothing on SQLite, so two senders could both deliver
one message. A sender now claims a message by setting `claimed_by` where it is still unclaimed
(checked by the row count, on both databases), and records the attempt before it talks to the
SMTP server, so an attempt cut short by a crash still counts and backs off.

Revision ID: 0013
Revises: 0007
Create Date: 2026-11-30 07:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0013"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("outbox_message") as batch_op:
        batch_op.add_column(sa.Column("claimed_by", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("claimed_at", sa.DateTime(), nullable=True))
    op.create_table(
        "delivery_attempt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("sender", sa.String(length=100), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "outcome IN ('sending', 'sent', 'failed', 'crashed')",
            name=op.f("ck_delivery_attempt_outcome"),
        ),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["outbox_message.id"],
            name=op.f("fk_delivery_attempt_message_id_outbox_message"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_delivery_attempt")),
        sa.UniqueConstraint("message_id", "number", name="uq_delivery_attempt_message_number"),
    )
    with op.batch_alter_table("delivery_attempt") as batch_op:
        batch_op.create_index(
            batch_op.f("ix_delivery_attempt_message_id"), ["message_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("delivery_attempt") as batch_op:
        batch_op.drop_index(batch_op.f("ix_delivery_attempt_message_id"))
    op.drop_table("delivery_attempt")
    with op.batch_alter_table("outbox_message") as batch_op:
        batch_op.drop_column("claimed_at")
        batch_op.drop_column("claimed_by")
