"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-25 18:19:08.423112

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "inspection",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("framework", sa.String(length=32), nullable=False),
        sa.Column("local_authority", sa.String(length=200), nullable=False),
        sa.Column("report_received", sa.Date(), nullable=True),
        sa.Column("report_published", sa.Date(), nullable=False),
        sa.Column("deadline_anchor", sa.String(length=16), nullable=False),
        sa.Column("judgements", sa.JSON(), nullable=False),
        sa.CheckConstraint(
            "deadline_anchor IN ('publication', 'receipt')",
            name=op.f("ck_inspection_deadline_anchor"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspection")),
    )
    op.create_table(
        "locality",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_locality")),
        sa.UniqueConstraint("code", name=op.f("uq_locality_code")),
    )
    op.create_table(
        "organisation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.CheckConstraint(
            "kind IN ('trust', 'council', 'police', 'safeguarding_board', 'health', 'other')",
            name=op.f("ck_organisation_kind"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisation")),
        sa.UniqueConstraint("code", name=op.f("uq_organisation_code")),
    )
    op.create_table(
        "update_cycle",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("opens_on", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("due_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_update_cycle")),
        sa.UniqueConstraint("number", name=op.f("uq_update_cycle_number")),
    )
    op.create_table(
        "plan",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("locality_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("kind IN ('main', 'locality')", name=op.f("ck_plan_kind")),
        sa.ForeignKeyConstraint(
            ["locality_id"], ["locality.id"], name=op.f("fk_plan_locality_id_locality")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan")),
        sa.UniqueConstraint("code", name=op.f("uq_plan_code")),
        sa.UniqueConstraint("locality_id", name=op.f("uq_plan_locality_id")),
    )
    op.create_table(
        "recommendation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("inspection_id", sa.Integer(), nullable=False),
        sa.Column("ref", sa.String(length=16), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("judgement_area", sa.String(length=200), nullable=False),
        sa.Column("lead_body", sa.String(length=32), nullable=False),
        sa.Column("partners", sa.JSON(), nullable=False),
        sa.CheckConstraint(
            "lead_body IN ('trust', 'council', 'joint', 'safeguarding_board')",
            name=op.f("ck_recommendation_lead_body"),
        ),
        sa.ForeignKeyConstraint(
            ["inspection_id"],
            ["inspection.id"],
            name=op.f("fk_recommendation_inspection_id_inspection"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recommendation")),
        sa.UniqueConstraint("ref", name=op.f("uq_recommendation_ref")),
    )
    with op.batch_alter_table("recommendation", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_recommendation_inspection_id"), ["inspection_id"], unique=False
        )

    op.create_table(
        "user_account",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("job_title", sa.String(length=200), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("locality_id", sa.Integer(), nullable=True),
        sa.Column("line_manager_id", sa.Integer(), nullable=True),
        sa.Column("password_hash", sa.String(length=255), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "role IN ('admin', 'chair', 'locality_head', 'action_lead', 'performance_officer', 'viewer')",
            name=op.f("ck_user_account_role"),
        ),
        sa.ForeignKeyConstraint(
            ["line_manager_id"],
            ["user_account.id"],
            name=op.f("fk_user_account_line_manager_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["locality_id"], ["locality.id"], name=op.f("fk_user_account_locality_id_locality")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_user_account_organisation_id_organisation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_account")),
        sa.UniqueConstraint("email", name=op.f("uq_user_account_email")),
    )
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_user_account_locality_id"), ["locality_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_user_account_organisation_id"), ["organisation_id"], unique=False
        )

    op.create_table(
        "action",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ref", sa.String(length=32), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("recommendation_id", sa.Integer(), nullable=False),
        sa.Column("main_action_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("lead_user_id", sa.Integer(), nullable=True),
        sa.Column("lead_organisation_id", sa.Integer(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("target_date", sa.Date(), nullable=True),
        sa.Column("success_measure", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "target_date IS NULL OR start_date IS NULL OR target_date >= start_date",
            name=op.f("ck_action_dates_in_order"),
        ),
        sa.CheckConstraint("version >= 1", name=op.f("ck_action_version_positive")),
        sa.ForeignKeyConstraint(
            ["lead_organisation_id"],
            ["organisation.id"],
            name=op.f("fk_action_lead_organisation_id_organisation"),
        ),
        sa.ForeignKeyConstraint(
            ["lead_user_id"], ["user_account.id"], name=op.f("fk_action_lead_user_id_user_account")
        ),
        sa.ForeignKeyConstraint(
            ["main_action_id"], ["action.id"], name=op.f("fk_action_main_action_id_action")
        ),
        sa.ForeignKeyConstraint(["plan_id"], ["plan.id"], name=op.f("fk_action_plan_id_plan")),
        sa.ForeignKeyConstraint(
            ["recommendation_id"],
            ["recommendation.id"],
            name=op.f("fk_action_recommendation_id_recommendation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_action")),
        sa.UniqueConstraint("ref", name=op.f("uq_action_ref")),
    )
    with op.batch_alter_table("action", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_action_lead_organisation_id"), ["lead_organisation_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_action_lead_user_id"), ["lead_user_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_action_main_action_id"), ["main_action_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_action_plan_id"), ["plan_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_action_recommendation_id"), ["recommendation_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_action_target_date"), ["target_date"], unique=False)

    op.create_table(
        "api_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("label", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_api_token_user_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_token")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_token_token_hash")),
    )
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_token_user_id"), ["user_id"], unique=False)

    op.create_table(
        "audit_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("target", sa.String(length=300), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("remote_addr", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_audit_event_user_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_event")),
    )
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_event_kind"), ["kind"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_audit_event_occurred_at"), ["occurred_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_audit_event_user_id"), ["user_id"], unique=False)

    op.create_table(
        "action_dependency",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("action_id", sa.Integer(), nullable=False),
        sa.Column("depends_on_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "action_id <> depends_on_id", name=op.f("ck_action_dependency_not_self")
        ),
        sa.ForeignKeyConstraint(
            ["action_id"], ["action.id"], name=op.f("fk_action_dependency_action_id_action")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user_account.id"],
            name=op.f("fk_action_dependency_created_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["depends_on_id"], ["action.id"], name=op.f("fk_action_dependency_depends_on_id_action")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_action_dependency")),
        sa.UniqueConstraint("action_id", "depends_on_id", name="uq_action_dependency_pair"),
    )
    with op.batch_alter_table("action_dependency", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_action_dependency_action_id"), ["action_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_action_dependency_depends_on_id"), ["depends_on_id"], unique=False
        )

    op.create_table(
        "action_partner",
        sa.Column("action_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["action_id"],
            ["action.id"],
            name=op.f("fk_action_partner_action_id_action"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_action_partner_organisation_id_organisation"),
        ),
        sa.PrimaryKeyConstraint("action_id", "organisation_id", name=op.f("pk_action_partner")),
    )
    op.create_table(
        "action_update",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("action_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("cycle_id", sa.Integer(), nullable=True),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("cause", sa.String(length=16), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.Column("lifecycle", sa.String(length=32), nullable=False),
        sa.Column("rag", sa.String(length=8), nullable=True),
        sa.Column("impact", sa.String(length=32), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "(lifecycle IN ('closed_evidenced', 'superseded') AND rag IS NULL) OR (lifecycle NOT IN ('closed_evidenced', 'superseded') AND rag IS NOT NULL)",
            name=op.f("ck_action_update_rag_while_open"),
        ),
        sa.CheckConstraint(
            "cause IN ('person', 'import', 'scheduler')", name=op.f("ck_action_update_cause")
        ),
        sa.CheckConstraint(
            "impact IN ('not_yet_evidenced', 'emerging', 'evidenced')",
            name=op.f("ck_action_update_impact"),
        ),
        sa.CheckConstraint(
            "lifecycle IN ('not_started', 'in_progress', 'complete_awaiting_signoff', 'closed_evidenced', 'superseded')",
            name=op.f("ck_action_update_lifecycle"),
        ),
        sa.CheckConstraint(
            "rag IS NULL OR rag IN ('red', 'amber', 'green')", name=op.f("ck_action_update_rag")
        ),
        sa.ForeignKeyConstraint(
            ["action_id"], ["action.id"], name=op.f("fk_action_update_action_id_action")
        ),
        sa.ForeignKeyConstraint(
            ["author_id"], ["user_account.id"], name=op.f("fk_action_update_author_id_user_account")
        ),
        sa.ForeignKeyConstraint(
            ["cycle_id"], ["update_cycle.id"], name=op.f("fk_action_update_cycle_id_update_cycle")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_action_update")),
        sa.UniqueConstraint("action_id", "version", name="uq_action_update_action_version"),
    )
    with op.batch_alter_table("action_update", schema=None) as batch_op:
        batch_op.create_index(
            "ix_action_update_action_recorded", ["action_id", "recorded_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_action_update_author_id"), ["author_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_action_update_cycle_id"), ["cycle_id"], unique=False)


def downgrade():
    with op.batch_alter_table("action_update", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_action_update_cycle_id"))
        batch_op.drop_index(batch_op.f("ix_action_update_author_id"))
        batch_op.drop_index("ix_action_update_action_recorded")

    op.drop_table("action_update")
    op.drop_table("action_partner")
    with op.batch_alter_table("action_dependency", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_action_dependency_depends_on_id"))
        batch_op.drop_index(batch_op.f("ix_action_dependency_action_id"))

    op.drop_table("action_dependency")
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_event_user_id"))
        batch_op.drop_index(batch_op.f("ix_audit_event_occurred_at"))
        batch_op.drop_index(batch_op.f("ix_audit_event_kind"))

    op.drop_table("audit_event")
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_token_user_id"))

    op.drop_table("api_token")
    with op.batch_alter_table("action", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_action_target_date"))
        batch_op.drop_index(batch_op.f("ix_action_recommendation_id"))
        batch_op.drop_index(batch_op.f("ix_action_plan_id"))
        batch_op.drop_index(batch_op.f("ix_action_main_action_id"))
        batch_op.drop_index(batch_op.f("ix_action_lead_user_id"))
        batch_op.drop_index(batch_op.f("ix_action_lead_organisation_id"))

    op.drop_table("action")
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_user_account_organisation_id"))
        batch_op.drop_index(batch_op.f("ix_user_account_locality_id"))

    op.drop_table("user_account")
    with op.batch_alter_table("recommendation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_recommendation_inspection_id"))

    op.drop_table("recommendation")
    op.drop_table("plan")
    op.drop_table("update_cycle")
    op.drop_table("organisation")
    op.drop_table("locality")
    op.drop_table("inspection")
