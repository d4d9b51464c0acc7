"""Keeping `search_document` in step with the rows it describes.

A source is registered once (`register_source`); after that every ORM flush that adds or
changes a row of its model writes the row's document in the same transaction (one statement
per flush, however many rows), so a search straight after a write finds it. Bulk loads that
bypass the ORM (the seed's history, the benchmark's copies) call `rebuild`."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, event, func, inspect, select, tuple_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from tracker.clock import now_utc
from tracker.extensions import db
from tracker.models.search import SearchDocument

# Our snippet marks: never left in indexed text, so a mark in a result is always ours.
MARK_OPEN, MARK_CLOSE = "\x02", "\x03"
_STRIP = str.maketrans("", "", MARK_OPEN + MARK_CLOSE + "\x00")
_BATCH = 2000


@dataclass(frozen=True)
class Document:
    """What a source row contributes to the index. `audience` "plan": anyone who may read the
    plan finds it; "sef_draft": only who may read `locality_id`'s SEF drafts."""

    title: str
    body: str = ""
    action_id: int | None = None
    locality_id: int | None = None
    audience: str = "plan"
    ref: str = ""
    key: str | None = None  # by default, the row's id


@dataclass(frozen=True)
class Link:
    """Where a result leads: a Flask endpoint and its values (the web layer makes the URL)."""

    endpoint: str
    values: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Source:
    model: type
    kind: str
    label: str
    to_document: Callable[[Any], Document | None]
    link: Callable[[Any], Link | None]
    fields: tuple[str, ...]
    rows: Callable[[], Any] | None
    plural: str


SOURCES: dict[str, Source] = {}
_BY_MODEL: dict[type, Source] = {}


def register_source(
    model: type,
    *,
    kind: str,
    label: str,
    to_document: Callable[[Any], Document | None],
    link: Callable[[Any], Link | None],
    fields: Iterable[str],
    rows: Callable[[], Any] | None = None,
    plural: str | None = None,
) -> None:
    """Make `model`'s rows searchable as `kind`.

    `to_document(row)` reads the row's own columns (it is given ORM objects when they are
    written and plain rows on a rebuild) and returns its Document, or None for nothing to find.
    `fields` are the columns the document reads: a change to any other column is not
    re-indexed. `link(hit)` says where a result leads. `rows()` is the SELECT a rebuild reads
    (by default every row of the model's table). `plural` names a list of them (by default
    `label` and an "s")."""
    source = Source(
        model, kind, label, to_document, link, tuple(fields), rows, plural or f"{label}s"
    )
    SOURCES[kind] = source
    _BY_MODEL[model] = source


def _values(source: Source, doc: Document, key: Any, now: datetime) -> dict[str, Any]:
    return {
        "kind": source.kind,
        "key": str(doc.key if doc.key is not None else key),
        "action_id": doc.action_id,
        "locality_id": doc.locality_id,
        "audience": doc.audience,
        "ref": doc.ref[:64],
        "title": doc.title.translate(_STRIP),
        "body": doc.body.translate(_STRIP),
        "updated_at": now,
    }


def _upsert(conn: Connection, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(SearchDocument.__table__)
    changing = ("action_id", "locality_id", "audience", "ref", "title", "body", "updated_at")
    stmt = stmt.on_conflict_do_update(
        index_elements=["kind", "key"], set_={c: stmt.excluded[c] for c in changing}
    )
    conn.execute(stmt, rows)


def _remove(conn: Connection, keys: list[tuple[str, str]]) -> None:
    if keys:
        table = SearchDocument.__table__
        conn.execute(delete(table).where(tuple_(table.c.kind, table.c.key).in_(keys)))


def _changed(obj: Any, fields: tuple[str, ...]) -> bool:
    state = inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in fields)


def _index_flushed(session: Session, _context: Any) -> None:
    """after_flush: write the documents of the registered rows this flush added or changed."""
    if not _BY_MODEL:
        return
    now = now_utc()
    rows: list[dict[str, Any]] = []
    gone: list[tuple[str, str]] = []
    for obj in session.new:
        source = _BY_MODEL.get(type(obj))
        if source is not None and (doc := source.to_document(obj)) is not None:
            rows.append(_values(source, doc, obj.id, now))
    for obj in session.dirty:
        source = _BY_MODEL.get(type(obj))
        if source is None or not _changed(obj, source.fields):
            continue
        doc = source.to_document(obj)
        if doc is None:
            gone.append((source.kind, str(obj.id)))
        else:
            rows.append(_values(source, doc, obj.id, now))
    for obj in session.deleted:
        source = _BY_MODEL.get(type(obj))
        if source is not None:
            doc = source.to_document(obj)
            key = doc.key if doc is not None and doc.key is not None else obj.id
            gone.append((source.kind, str(key)))
    if rows or gone:
        conn = session.connection()
        _remove(conn, gone)
        _upsert(conn, rows)


event.listen(Session, "after_flush", _index_flushed)


def _source_rows(source: Source) -> Iterator[Any]:
    query = source.rows() if source.rows else select(source.model.__table__)
    yield from db.session.execute(query.execution_options(yield_per=_BATCH))


def rebuild(kinds: Iterable[str] | None = None) -> int:
    """Make the index again from the source tables (every kind, or `kinds`). Does not commit:
    the caller's transaction holds the old index until it commits the new one."""
    db.session.flush()
    conn = db.session.connection()
    chosen = [SOURCES[k] for k in (kinds or SOURCES)]
    table = SearchDocument.__table__
    conn.execute(delete(table).where(table.c.kind.in_([s.kind for s in chosen])))
    now = now_utc()
    for source in chosen:
        batch: dict[str, dict[str, Any]] = {}
        for row in _source_rows(source):
            doc = source.to_document(row)
            if doc is None:
                continue
            values = _values(source, doc, row.id, now)
            batch[values["key"]] = values  # a later row with the same key wins (SEF versions)
            if len(batch) >= _BATCH:
                _upsert(conn, list(batch.values()))
                batch = {}
        _upsert(conn, list(batch.values()))
    return conn.execute(select(func.count()).select_from(table)).scalar_one()


def reindex(model: type, *criteria: Any) -> int:
    """Write again the documents of `model`'s rows that match `criteria`: for writes made with an
    UPDATE statement (a versioned edit, an import), which no flush sees. In the caller's
    transaction, like every other index write. Returns how many rows were read."""
    source = _BY_MODEL.get(model)
    if source is None:
        return 0
    db.session.flush()
    query = source.rows() if source.rows else select(source.model.__table__)
    now = now_utc()
    rows: list[dict[str, Any]] = []
    gone: list[tuple[str, str]] = []
    read = 0
    for row in db.session.execute(query.where(*criteria)):
        read += 1
        doc = source.to_document(row)
        if doc is None:
            gone.append((source.kind, str(row.id)))
        else:
            rows.append(_values(source, doc, row.id, now))
    conn = db.session.connection()
    _remove(conn, gone)
    _upsert(conn, rows)
    return read
