"""people managed in the app, deputies, amended returns, no-change updates

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 03:40:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.add_column(sa.Column("left_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("deputy_locality_id", sa.Integer(), nullable=True))
        batch_op.create_unique_constraint(
            batch_op.f("uq_user_account_deputy_locality_id"), ["deputy_locality_id"]
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_user_account_deputy_locality_id_locality"),
            "locality",
            ["deputy_locality_id"],
            ["id"],
        )

    op.create_table(
        "invitation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user_account.id"],
            name=op.f("fk_invitation_created_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_invitation_user_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invitation")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_invitation_token_hash")),
    )
    with op.batch_alter_table("invitation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_invitation_user_id"), ["user_id"], unique=False)

    with op.batch_alter_table("locality_return", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reopened_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("reopened_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("amended_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("amended_by_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_locality_return_reopened_by_id_user_account"),
            "user_account",
            ["reopened_by_id"],
            ["id"],
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_locality_return_amended_by_id_user_account"),
            "user_account",
            ["amended_by_id"],
            ["id"],
        )

    with op.batch_alter_table("action_update", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("no_change", sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade():
    with op.batch_alter_table("action_update", schema=None) as batch_op:
        batch_op.drop_column("no_change")

    with op.batch_alter_table("locality_return", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_locality_return_amended_by_id_user_account"), type_="foreignkey"
        )
        batch_op.drop_constraint(
            batch_op.f("fk_locality_return_reopened_by_id_user_account"), type_="foreignkey"
        )
        batch_op.drop_column("amended_by_id")
        batch_op.drop_column("amended_at")
        batch_op.drop_column("reopened_by_id")
        batch_op.drop_column("reopened_at")

    with op.batch_alter_table("invitation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_invitation_user_id"))
    op.drop_table("invitation")

    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_user_account_deputy_locality_id_locality"), type_="foreignkey"
        )
        batch_op.drop_constraint(batch_op.f("uq_user_account_deputy_locality_id"), type_="unique")
        batch_op.drop_column("deputy_locality_id")
        batch_op.drop_column("left_at")
