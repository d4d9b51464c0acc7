"""a session generation per person: signing out ends every copy of the session

Each sign-in session carries the person's generation; signing out, a new password, a role
change or leaving moves it on, so a session cookie saved before no longer works.

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-30 06:45:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("user_account") as batch_op:
        batch_op.add_column(
            sa.Column("session_generation", sa.Integer(), server_default="1", nullable=False)
        )


def downgrade():
    with op.batch_alter_table("user_account") as batch_op:
        batch_op.drop_column("session_generation")
