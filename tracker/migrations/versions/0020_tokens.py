"""tokens: API tokens expire (issue 19.4); a token its holder made is read-only, and each says
when it was last used (issue 18.4)

A token made before this migration expires a year (365 days) after it was made: a year is the
longest a new token may last. One already older than a year stops working at once.

Revision ID: 0020_tokens
Revises: 0019_notify
Create Date: 2026-12-06 19:30:00

"""

from datetime import timedelta

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0020_tokens"
down_revision = "0019_notify"
branch_labels = None
depends_on = None

MIGRATED_DAYS = 365  # tracker.domain.api_tokens.MIGRATED_DAYS, kept here as it was


def upgrade():
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.add_column(sa.Column("expires_at", sa.DateTime(), nullable=True))
        batch_op.add_column(
            sa.Column("read_only", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(sa.Column("last_used_at", sa.DateTime(), nullable=True))
    token = sa.table(
        "api_token",
        sa.column("id", sa.Integer()),
        sa.column("created_at", sa.DateTime()),
        sa.column("expires_at", sa.DateTime()),
    )
    conn = op.get_bind()
    rows = conn.execute(sa.select(token.c.id, token.c.created_at)).all()
    for token_id, created_at in rows:  # naive UTC both sides, on either database
        conn.execute(
            token.update()
            .where(token.c.id == token_id)
            .values(expires_at=created_at + timedelta(days=MIGRATED_DAYS))
        )
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.alter_column("expires_at", existing_type=sa.DateTime(), nullable=False)


def downgrade():
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.drop_column("last_used_at")
        batch_op.drop_column("read_only")
        batch_op.drop_column("expires_at")
