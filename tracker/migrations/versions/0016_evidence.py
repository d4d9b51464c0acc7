"""evidence on actions and locality SEFs: files (kept outside the database) and links

Revision ID: 0016
Revises: 0009
Create Date: 2026-11-30 09:40:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0016"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "evidence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("action_id", sa.Integer(), nullable=True),
        sa.Column("sef_locality_id", sa.Integer(), nullable=True),
        sa.Column("sef_month", sa.String(length=7), nullable=True),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("evidence_type", sa.String(length=32), nullable=False),
        sa.Column("evidence_date", sa.Date(), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("filename", sa.String(length=200), nullable=True),
        sa.Column("content_type", sa.String(length=100), nullable=True),
        sa.Column("size_bytes", sa.Integer(), nullable=True),
        sa.Column("added_by_id", sa.Integer(), nullable=True),
        sa.Column("added_at", sa.DateTime(), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(), nullable=True),
        sa.Column("withdrawn_by_id", sa.Integer(), nullable=True),
        sa.Column("withdrawn_reason", sa.Text(), nullable=True),
        sa.CheckConstraint("kind IN ('file', 'link')", name=op.f("ck_evidence_kind")),
        sa.CheckConstraint(
            "evidence_type IN ('audit', 'minutes', 'policy', 'data', 'training_record', 'other')",
            name=op.f("ck_evidence_evidence_type"),
        ),
        sa.CheckConstraint(
            "(action_id IS NULL) <> (sef_locality_id IS NULL)"
            " AND (sef_locality_id IS NULL) = (sef_month IS NULL)",
            name=op.f("ck_evidence_one_subject"),
        ),
        sa.CheckConstraint(
            "(kind = 'file' AND sha256 IS NOT NULL AND url IS NULL)"
            " OR (kind = 'link' AND url IS NOT NULL AND sha256 IS NULL)",
            name=op.f("ck_evidence_file_or_link"),
        ),
        sa.ForeignKeyConstraint(
            ["action_id"], ["action.id"], name=op.f("fk_evidence_action_id_action")
        ),
        sa.ForeignKeyConstraint(
            ["sef_locality_id"], ["locality.id"], name=op.f("fk_evidence_sef_locality_id_locality")
        ),
        sa.ForeignKeyConstraint(
            ["added_by_id"], ["user_account.id"], name=op.f("fk_evidence_added_by_id_user_account")
        ),
        sa.ForeignKeyConstraint(
            ["withdrawn_by_id"],
            ["user_account.id"],
            name=op.f("fk_evidence_withdrawn_by_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evidence")),
    )
    with op.batch_alter_table("evidence", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_evidence_action_id"), ["action_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_evidence_sef_locality_id"), ["sef_locality_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_evidence_added_at"), ["added_at"], unique=False)


def downgrade():
    with op.batch_alter_table("evidence", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_evidence_added_at"))
        batch_op.drop_index(batch_op.f("ix_evidence_sef_locality_id"))
        batch_op.drop_index(batch_op.f("ix_evidence_action_id"))
    op.drop_table("evidence")
