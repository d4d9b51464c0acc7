"""search: one index across recommendations, actions, progress updates and SEFs (issue 13.3)

`search_document` holds one row per searchable thing. On SQLite an FTS5 table (external
content, kept in step by triggers) indexes its title and body; on PostgreSQL a generated
tsvector column (English stemming, title weighted above body) with a GIN index. The index is
filled here from the existing rows; `flask tracker search-rebuild` makes it again at any time.

Revision ID: 0018
Revises: 0009
Create Date: 2026-11-30 09:40:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

SQLITE_CREATE = (
    "CREATE VIRTUAL TABLE search_document_fts USING fts5(title, body, "
    "content='search_document', content_rowid='id', "
    "tokenize='porter unicode61 remove_diacritics 2')",
    "CREATE TRIGGER search_document_ai AFTER INSERT ON search_document BEGIN "
    "INSERT INTO search_document_fts(rowid, title, body) VALUES (new.id, new.title, new.body); END",
    "CREATE TRIGGER search_document_ad AFTER DELETE ON search_document BEGIN "
    "INSERT INTO search_document_fts(search_document_fts, rowid, title, body) "
    "VALUES ('delete', old.id, old.title, old.body); END",
    "CREATE TRIGGER search_document_au AFTER UPDATE ON search_document BEGIN "
    "INSERT INTO search_document_fts(search_document_fts, rowid, title, body) "
    "VALUES ('delete', old.id, old.title, old.body); "
    "INSERT INTO search_document_fts(rowid, title, body) VALUES (new.id, new.title, new.body); END",
)
_WORDS = "regexp_replace({}, '[^[:alnum:]]+', ' ', 'g')"
PG_CREATE = (
    "ALTER TABLE search_document ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ("
    f"setweight(to_tsvector('english', {_WORDS.format('title')}), 'A') || "
    f"setweight(to_tsvector('english', {_WORDS.format('body')}), 'B')) STORED",
    "CREATE INDEX ix_search_document_search_vector ON search_document USING gin (search_vector)",
)


def _joined(*parts: str) -> str:
    """The non-empty parts, one a line (as the index's own rebuild joins them)."""
    each = " || ".join(f"CASE WHEN {p} <> '' THEN '\n' || {p} ELSE '' END" for p in parts)
    return f"ltrim({each}, '\n')"


def _fill(now: str) -> list[str]:
    """The statements filling the index from existing rows. Every name and expression in them
    is this file's constant (`now` is a dialect's CURRENT_TIMESTAMP), never input."""
    columns = "kind, key, action_id, locality_id, audience, ref, title, body, updated_at"
    sef_text = _joined(
        "what_we_know",
        "how_we_know",
        "what_we_are_doing",
        "management_oversight",
        "practice_quality",
        "evidence",
    )
    update_text = _joined("CASE WHEN no_change THEN '' ELSE summary END", "reason", "evidence")
    evidence_text = _joined("COALESCE(filename, '')", "COALESCE(url, '')")
    return [
        f"INSERT INTO search_document ({columns}) SELECT 'recommendation', "  # nosec B608
        "CAST(id AS VARCHAR(64)), NULL, NULL, 'plan', ref, ref || ' ' || title, text, "
        f"{now} FROM recommendation",
        f"INSERT INTO search_document ({columns}) SELECT 'action', CAST(id AS VARCHAR(64)), id, "  # nosec B608
        f"NULL, 'plan', ref, ref || ' ' || title, {_joined('description', 'success_measure')}, "
        f"{now} FROM action",
        f"INSERT INTO search_document ({columns}) SELECT 'update', CAST(id AS VARCHAR(64)), "  # nosec B608
        f"action_id, NULL, 'plan', '', '', {update_text}, {now} FROM action_update "
        f"WHERE {update_text} <> ''",
        f"INSERT INTO search_document ({columns}) SELECT 'sef', CAST(locality_id AS VARCHAR(16)) "  # nosec B608
        "|| ':' || month || ':' || status, NULL, locality_id, CASE WHEN status = 'submitted' "
        f"THEN 'plan' ELSE 'sef_draft' END, month, 'Self-evaluation', {sef_text}, {now} "
        "FROM sef_version v WHERE version = (SELECT max(version) FROM sef_version w "
        "WHERE w.locality_id = v.locality_id AND w.month = v.month AND w.status = v.status)",
        f"INSERT INTO search_document ({columns}) SELECT 'evidence', CAST(id AS VARCHAR(64)), "  # nosec B608
        "action_id, sef_locality_id, CASE WHEN action_id IS NULL THEN 'sef_draft' ELSE 'plan' "
        "END, CASE WHEN action_id IS NULL THEN COALESCE(sef_month, '') ELSE '' END, title, "
        f"{evidence_text}, {now} FROM evidence",
    ]


def upgrade():
    op.create_table(
        "search_document",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("action_id", sa.Integer(), nullable=True),
        sa.Column("locality_id", sa.Integer(), nullable=True),
        sa.Column("audience", sa.String(length=32), nullable=False),
        sa.Column("ref", sa.String(length=64), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_document")),
        sa.UniqueConstraint("kind", "key", name="uq_search_document_kind_key"),
    )
    with op.batch_alter_table("search_document", schema=None) as batch_op:
        batch_op.create_index("ix_search_document_action_id", ["action_id"], unique=False)
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        statements, now = PG_CREATE, "(now() AT TIME ZONE 'utc')"
    else:
        statements, now = SQLITE_CREATE, "CURRENT_TIMESTAMP"
    for statement in (*statements, *_fill(now)):
        op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE IF EXISTS search_document_fts")
    with op.batch_alter_table("search_document", schema=None) as batch_op:
        batch_op.drop_index("ix_search_document_action_id")
    op.drop_table("search_document")
