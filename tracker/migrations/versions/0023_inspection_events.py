"""inspection events: any number, each with a title and its days on site; findings of three
kinds; an action answering findings beyond its own (issue 20.3)

- `inspection` gains `title`, `started_on` and `ended_on` (all optional: the first inspection
  row predates them).
- `recommendation` (the findings' table, keeping its name) gains `kind`: recommendation, area
  for priority action or area for improvement. Every existing row is a recommendation.
- `action_finding` holds the further findings an action answers; its own
  `action.recommendation_id` stays the primary one and is never repeated here.

Revision ID: 0023_inspection_events
Revises: 0022_import_mapping
Create Date: 2026-12-07 01:30:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0023_inspection_events"
down_revision = "0022_import_mapping"
branch_labels = None
depends_on = None

KINDS = "kind IN ('recommendation', 'area_for_priority_action', 'area_for_improvement')"


def upgrade():
    with op.batch_alter_table("inspection", schema=None) as batch_op:
        batch_op.add_column(sa.Column("title", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("started_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("ended_on", sa.Date(), nullable=True))
    with op.batch_alter_table("recommendation", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "kind",
                sa.String(length=32),
                server_default="recommendation",
                nullable=False,
            )
        )
        batch_op.create_check_constraint(op.f("ck_recommendation_kind"), KINDS)
    op.create_table(
        "action_finding",
        sa.Column("action_id", sa.Integer(), nullable=False),
        sa.Column("recommendation_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["action_id"],
            ["action.id"],
            name=op.f("fk_action_finding_action_id_action"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recommendation_id"],
            ["recommendation.id"],
            name=op.f("fk_action_finding_recommendation_id_recommendation"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("action_id", "recommendation_id", name=op.f("pk_action_finding")),
    )
    with op.batch_alter_table("action_finding", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_action_finding_recommendation_id"), ["recommendation_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("action_finding", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_action_finding_recommendation_id"))
    op.drop_table("action_finding")
    with op.batch_alter_table("recommendation", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_recommendation_kind"), type_="check")
        batch_op.drop_column("kind")
    with op.batch_alter_table("inspection", schema=None) as batch_op:
        batch_op.drop_column("ended_on")
        batch_op.drop_column("started_on")
        batch_op.drop_column("title")
