"""pack notes: a meeting pack's covering note, one row a version (issue 18.2)

The chair or a JSIG member writes the note for a meeting's pack (the JSIG board pack, the
Getting to Good pack) in the app; each save is a new version, so the note's history is kept with
the meeting and nothing is overwritten.

Revision ID: 0021_pack_notes
Revises: 0021_calendar
Create Date: 2026-12-06 21:45:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0021_pack_notes"
down_revision = "0021_calendar"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "pack_note",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("written_by_id", sa.Integer(), nullable=False),
        sa.Column("written_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meeting.id"],
            name=op.f("fk_pack_note_meeting_id_meeting"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["written_by_id"],
            ["user_account.id"],
            name=op.f("fk_pack_note_written_by_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pack_note")),
        sa.UniqueConstraint("meeting_id", "version", name="uq_pack_note_meeting_id_version"),
    )
    with op.batch_alter_table("pack_note", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_pack_note_written_by_id"), ["written_by_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("pack_note", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pack_note_written_by_id"))
    op.drop_table("pack_note")
