"""import mapping: a sheet's saved column mapping, and the invitations a people sheet made
(issue 20.4)

An admin imports a plan (or a list of people) from a spreadsheet in any shape by mapping its
columns to the tracker's fields; the mapping is kept under the digest of the sheet's header set
and offered for the next import of the same shape. A people sheet adds people who cannot sign
in yet; their invitations wait in imported_invitation until the admin reviews and sends them.

Revision ID: 0022_import_mapping
Revises: 0021_pack_notes
Create Date: 2026-12-07 01:30:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0022_import_mapping"
down_revision = "0021_pack_notes"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "import_mapping",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("header_digest", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("mapping", sa.JSON(), nullable=False),
        sa.Column("saved_by_id", sa.Integer(), nullable=True),
        sa.Column("saved_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["saved_by_id"],
            ["user_account.id"],
            name=op.f("fk_import_mapping_saved_by_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_mapping")),
        sa.UniqueConstraint("header_digest", name=op.f("uq_import_mapping_header_digest")),
    )
    with op.batch_alter_table("import_mapping", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_import_mapping_saved_by_id"), ["saved_by_id"], unique=False
        )
    op.create_table(
        "imported_invitation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("file_sha256", sa.String(length=64), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.Column("sent_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_imported_invitation_user_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user_account.id"],
            name=op.f("fk_imported_invitation_created_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["sent_by_id"],
            ["user_account.id"],
            name=op.f("fk_imported_invitation_sent_by_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_imported_invitation")),
        sa.UniqueConstraint("user_id", name=op.f("uq_imported_invitation_user_id")),
    )
    with op.batch_alter_table("imported_invitation", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_imported_invitation_created_by_id"), ["created_by_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("imported_invitation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_imported_invitation_created_by_id"))
    op.drop_table("imported_invitation")
    with op.batch_alter_table("import_mapping", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_import_mapping_saved_by_id"))
    op.drop_table("import_mapping")
