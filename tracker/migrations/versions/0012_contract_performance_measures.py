"""contract performance measures: the register, targets by period, monthly values and links

Targets and tolerances are rows effective from a month (the annual contract review adds new ones,
never overwriting); values are one per measure per month; measures evidence recommendations and
actions through two link tables.

Revision ID: 0012
Revises: 0008
Create Date: 2026-11-30 06:30:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0012"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "measure",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("definition", sa.Text(), nullable=False),
        sa.Column("area", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("polarity", sa.String(length=8), nullable=False),
        sa.Column("unit", sa.String(length=16), nullable=False),
        sa.Column("frequency", sa.String(length=16), nullable=False),
        sa.Column("quarter_basis", sa.String(length=16), nullable=False),
        sa.Column("numerator_label", sa.String(length=200), nullable=False),
        sa.Column("denominator_label", sa.String(length=200), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "area IN ('children_in_need', 'children_in_care', 'workforce', 'finance')",
            name=op.f("ck_measure_area"),
        ),
        sa.CheckConstraint(
            "frequency IN ('monthly', 'quarterly')", name=op.f("ck_measure_frequency")
        ),
        sa.CheckConstraint("kind IN ('key', 'operational')", name=op.f("ck_measure_kind")),
        sa.CheckConstraint("polarity IN ('higher', 'lower')", name=op.f("ck_measure_polarity")),
        sa.CheckConstraint(
            "quarter_basis IN ('latest', 'pooled')", name=op.f("ck_measure_quarter_basis")
        ),
        sa.CheckConstraint(
            "unit IN ('percentage', 'days', 'count', 'money')", name=op.f("ck_measure_unit")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_measure")),
        sa.UniqueConstraint("code", name=op.f("uq_measure_code")),
    )
    op.create_table(
        "measure_recommendation",
        sa.Column("measure_id", sa.Integer(), nullable=False),
        sa.Column("recommendation_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["measure_id"],
            ["measure.id"],
            name=op.f("fk_measure_recommendation_measure_id_measure"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recommendation_id"],
            ["recommendation.id"],
            name=op.f("fk_measure_recommendation_recommendation_id_recommendation"),
        ),
        sa.PrimaryKeyConstraint(
            "measure_id", "recommendation_id", name=op.f("pk_measure_recommendation")
        ),
    )
    op.create_table(
        "measure_target",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("measure_id", sa.Integer(), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("target", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("tolerance", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "tolerance IS NULL OR target IS NOT NULL",
            name=op.f("ck_measure_target_tolerance_needs_target"),
        ),
        sa.ForeignKeyConstraint(
            ["measure_id"], ["measure.id"], name=op.f("fk_measure_target_measure_id_measure")
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["user_account.id"],
            name=op.f("fk_measure_target_recorded_by_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_measure_target")),
        sa.UniqueConstraint("measure_id", "effective_from", name="uq_measure_target_from"),
    )
    op.create_table(
        "measure_value",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("measure_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.Date(), nullable=False),
        sa.Column("value", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("numerator", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("denominator", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("narrative", sa.Text(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "(numerator IS NULL AND denominator IS NULL) OR (numerator IS NOT NULL AND denominator > 0)",
            name=op.f("ck_measure_value_cohort"),
        ),
        sa.ForeignKeyConstraint(
            ["measure_id"], ["measure.id"], name=op.f("fk_measure_value_measure_id_measure")
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["user_account.id"],
            name=op.f("fk_measure_value_recorded_by_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_measure_value")),
        sa.UniqueConstraint("measure_id", "period", name="uq_measure_value_period"),
    )
    with op.batch_alter_table("measure_value", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_measure_value_period"), ["period"], unique=False)

    op.create_table(
        "measure_action",
        sa.Column("measure_id", sa.Integer(), nullable=False),
        sa.Column("action_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["action_id"],
            ["action.id"],
            name=op.f("fk_measure_action_action_id_action"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["measure_id"],
            ["measure.id"],
            name=op.f("fk_measure_action_measure_id_measure"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("measure_id", "action_id", name=op.f("pk_measure_action")),
    )
    with op.batch_alter_table("measure_action", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_measure_action_action_id"), ["action_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("measure_action", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_measure_action_action_id"))

    op.drop_table("measure_action")
    with op.batch_alter_table("measure_value", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_measure_value_period"))

    op.drop_table("measure_value")
    op.drop_table("measure_target")
    op.drop_table("measure_recommendation")
    op.drop_table("measure")
