"""The search index: one row per searchable thing, kept in step with its source row.

`search_document` is derived data (`flask tracker search-rebuild` makes it again from the
source tables), so it names its action and locality without foreign keys. The full-text part
depends on the database and is made by DDL below, the same from `create_all` (tests, bench) and
from migration 0018:

- SQLite: an FTS5 table over `title` and `body` (external content: the text is stored once, in
  `search_document`) kept up to date by three triggers;
- PostgreSQL: a generated `tsvector` column (title weighted A, body B) with a GIN index.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DDL, Index, String, Text, event
from sqlalchemy.orm import Mapped, mapped_column

from tracker.extensions import db
from tracker.models.types import UTCDateTime

# The text search configuration on PostgreSQL: English stemming ("trained" finds "training"),
# as SQLite's porter tokenizer does, so both databases find the same things.
PG_CONFIG = "english"
FTS_TABLE = "search_document_fts"
PG_VECTOR = "search_vector"
PG_VECTOR_INDEX = "ix_search_document_search_vector"

SQLITE_CREATE = (
    f"CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5(title, body, content='search_document', "
    "content_rowid='id', tokenize='porter unicode61 remove_diacritics 2')",
    "CREATE TRIGGER search_document_ai AFTER INSERT ON search_document BEGIN "  # nosec B608 - constants only
    f"INSERT INTO {FTS_TABLE}(rowid, title, body) VALUES (new.id, new.title, new.body); END",
    "CREATE TRIGGER search_document_ad AFTER DELETE ON search_document BEGIN "  # nosec B608 - constants only
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, title, body) "
    "VALUES ('delete', old.id, old.title, old.body); END",
    "CREATE TRIGGER search_document_au AFTER UPDATE ON search_document BEGIN "  # nosec B608 - constants only
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, title, body) "
    "VALUES ('delete', old.id, old.title, old.body); "
    f"INSERT INTO {FTS_TABLE}(rowid, title, body) VALUES (new.id, new.title, new.body); END",
)
SQLITE_DROP = (f"DROP TABLE IF EXISTS {FTS_TABLE}",)
# Words are letters and digits, everything else separates them, as in FTS5's unicode61 and the
# query's own tokens: PostgreSQL's parser alone would read "AP-001" as "ap" and "-001".
_PG_WORDS = "regexp_replace({}, '[^[:alnum:]]+', ' ', 'g')"
PG_CREATE = (
    f"ALTER TABLE search_document ADD COLUMN {PG_VECTOR} tsvector GENERATED ALWAYS AS ("
    f"setweight(to_tsvector('{PG_CONFIG}', {_PG_WORDS.format('title')}), 'A') || "
    f"setweight(to_tsvector('{PG_CONFIG}', {_PG_WORDS.format('body')}), 'B')) STORED",
    f"CREATE INDEX {PG_VECTOR_INDEX} ON search_document USING gin ({PG_VECTOR})",
)


class SearchDocument(db.Model):
    """One searchable thing (a recommendation, an action, a progress update, a SEF ...).

    `audience` says who may find it: "plan" is everyone who may read the plan; "sef_draft" is
    whoever may read `locality_id`'s SEF drafts (see services/search/visibility)."""

    __tablename__ = "search_document"
    __table_args__ = (
        db.UniqueConstraint("kind", "key", name="uq_search_document_kind_key"),
        Index("ix_search_document_action_id", "action_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    key: Mapped[str] = mapped_column(String(64))
    action_id: Mapped[int | None]
    locality_id: Mapped[int | None]
    audience: Mapped[str] = mapped_column(String(32), default="plan")
    ref: Mapped[str] = mapped_column(String(64), default="")
    title: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


def _ddl(statements: tuple[str, ...], dialect: str) -> list[DDL]:
    return [DDL(s).execute_if(dialect=dialect) for s in statements]


for _statement in _ddl(SQLITE_CREATE, "sqlite") + _ddl(PG_CREATE, "postgresql"):
    event.listen(SearchDocument.__table__, "after_create", _statement)
for _statement in _ddl(SQLITE_DROP, "sqlite"):
    event.listen(SearchDocument.__table__, "before_drop", _statement)


def outside_the_models(name: str | None, type_: str) -> bool:
    """The schema the full-text DDL makes, which the models do not describe: migrations and
    models are compared without it."""
    if name is None:
        return False
    if type_ == "table":
        return name.startswith(FTS_TABLE)
    return (type_, name) in {("column", PG_VECTOR), ("index", PG_VECTOR_INDEX)}
