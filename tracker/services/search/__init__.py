"""Search across the plan: one interface, SQLite FTS5 or PostgreSQL full-text search beneath.

- `register_source(Model, kind=..., label=..., to_document=..., link=..., fields=...)` makes a
  model searchable; its rows are indexed in the same transaction as they are written.
- `search(query, actor=..., kind=..., page=..., per_page=...)` finds what the person may see.
- `reindex(Model, *where)` writes again the documents of rows changed by an UPDATE statement.
- `rebuild()` makes the index again from the source tables (after a bulk load)."""

from tracker.services.search import sources  # noqa: F401 - the built-in sources register
from tracker.services.search.index import (
    SOURCES,
    Document,
    Link,
    rebuild,
    register_source,
    reindex,
)
from tracker.services.search.query import (
    AUDIENCES,
    MAX_QUERY,
    Hit,
    QueryTooLong,
    Results,
    search,
    terms_of,
)

__all__ = [
    "AUDIENCES",
    "MAX_QUERY",
    "SOURCES",
    "Document",
    "Hit",
    "Link",
    "QueryTooLong",
    "Results",
    "rebuild",
    "register_source",
    "reindex",
    "search",
    "terms_of",
]


def rebuild_and_commit() -> int:
    """`flask tracker search-rebuild`: the whole index again, committed. Returns its size."""
    from tracker.extensions import db

    written = rebuild()
    db.session.commit()
    return written
