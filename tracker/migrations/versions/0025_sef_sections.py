"""the council's own SEF sections (issue 20.2): each SEF version keeps the headings it answered

- `sef_version` gains `own_sections`: JSON, a list of {heading, hint, answer}; none (NULL) for
  versions saved before.

Revision ID: 0025_sef_sections
Revises: 0024_setup
Create Date: 2026-12-07 08:40:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0025_sef_sections"
down_revision = "0024_setup"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("sef_version", schema=None) as batch_op:
        batch_op.add_column(sa.Column("own_sections", sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table("sef_version", schema=None) as batch_op:
        batch_op.drop_column("own_sections")
