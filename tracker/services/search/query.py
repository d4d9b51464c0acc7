"""Searching the index: one interface, two backends (SQLite FTS5, PostgreSQL full-text search).

The person's words never reach FTS5's MATCH syntax or `to_tsquery` as typed: they are cut into
plain word tokens first (letters and digits; everything else separates words), each token is
quoted for FTS5 and passed to `plainto_tsquery` on PostgreSQL, so quotes, `*`, `NEAR`, `-` and
`:` are only ever words or separators. Every token must match (AND). What the person may see is
decided in SQL, before the count and the page."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    column,
    false,
    func,
    literal,
    literal_column,
    or_,
    select,
    table,
    true,
)

from tracker.domain.challenges import SEES_EVERY_CHALLENGE
from tracker.domain.permissions import Actor, Permission, Target, can
from tracker.extensions import db
from tracker.models import Action, Locality
from tracker.models.search import FTS_TABLE, PG_CONFIG, PG_VECTOR, SearchDocument
from tracker.services.search.index import MARK_CLOSE, MARK_OPEN, SOURCES, Link

MAX_QUERY = 200  # characters: a longer search is refused with a clear message
MAX_TERMS = 16  # words: more add nothing a person meant
_WORD = re.compile(r"[^\W_]+")
# Who may find a document of each audience: the permission the pages ask, and whether it is
# asked about the document's locality (SEF drafts) or about the plan as a whole.
AUDIENCES: dict[str, tuple[Permission, bool]] = {
    "plan": (Permission.READ_PLAN, False),
    "sef_draft": (Permission.READ_SEF_DRAFT, True),
}


class QueryTooLong(ValueError):
    def __init__(self) -> None:
        super().__init__(f"Search for {MAX_QUERY} characters or fewer")


@dataclass(frozen=True)
class Hit:
    kind: str
    label: str
    key: str
    ref: str
    title: list[tuple[str, bool]]  # the title in pieces: (text, is it a match)
    snippet: list[tuple[str, bool]]  # the best part of the body, the same way
    action_ref: str | None
    action_title: str | None
    locality_code: str | None
    locality_name: str | None
    link: Link | None = None


@dataclass
class Results:
    terms: list[str]
    hits: list[Hit] = field(default_factory=list)
    total: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    page: int = 1
    per_page: int = 20


def terms_of(query: str) -> list[str]:
    """The words of a search, lower-cased, in order, without repeats. Raises QueryTooLong."""
    if len(query) > MAX_QUERY:
        raise QueryTooLong
    seen: dict[str, None] = {}
    for word in _WORD.findall(query.lower()):
        seen.setdefault(word[:64], None)
    return list(seen)[:MAX_TERMS]


def marked(text: str | None) -> list[tuple[str, bool]]:
    """Split text the backend marked with MARK_OPEN/MARK_CLOSE into (piece, matched) pairs."""
    pieces: list[tuple[str, bool]] = []
    for i, part in enumerate(re.split(f"[{MARK_OPEN}{MARK_CLOSE}]", text or "")):
        if part:
            pieces.append((part, i % 2 == 1))
    return pieces


def _visible(actor: Actor | None) -> ColumnElement[bool]:
    """The documents this person may find, as the pages decide it."""
    doc = SearchDocument.__table__.c
    clauses: list[ColumnElement[bool]] = []
    localities: list[tuple[int, str]] | None = None
    for audience, (permission, by_locality) in AUDIENCES.items():
        if not can(actor, permission):
            continue
        if not by_locality:
            clauses.append(doc.audience == audience)
            continue
        if localities is None:
            localities = [tuple(r) for r in db.session.execute(select(Locality.id, Locality.code))]  # type: ignore[misc]
        ids = [i for i, code in localities if can(actor, permission, Target(locality=code))]
        if ids:
            clauses.append(and_(doc.audience == audience, doc.locality_id.in_(ids)))
    # The challenge log: only those who see every challenge find it here (a lead answering one
    # finds it on their home page and the action's page, as the challenge pages decide).
    if actor is not None and actor.role in SEES_EVERY_CHALLENGE:
        clauses.append(doc.audience == "challenge")
    return or_(*clauses) if clauses else false()


class _Backend:
    def match(self, terms: list[str]) -> ColumnElement[bool]:
        raise NotImplementedError

    def page(self, where: ColumnElement[bool], terms: list[str], limit: int, offset: int) -> Select:
        raise NotImplementedError


class _Sqlite(_Backend):
    fts = literal_column(FTS_TABLE)
    fts_table = table(FTS_TABLE, column("rowid"))

    @staticmethod
    def expression(terms: list[str]) -> str:
        return " ".join(f'"{t}"' for t in terms)  # tokens hold no quote: each is one phrase

    def match(self, terms: list[str]) -> ColumnElement[bool]:
        doc = SearchDocument.__table__.c
        rows = select(self.fts_table.c.rowid).where(self.fts.op("MATCH")(self.expression(terms)))
        return doc.id.in_(rows.scalar_subquery())

    def page(self, where, terms, limit, offset):
        doc = SearchDocument.__table__
        rank = func.bm25(self.fts, 10.0, 1.0)
        return (
            _columns(
                func.highlight(self.fts, 0, MARK_OPEN, MARK_CLOSE),
                func.snippet(self.fts, 1, MARK_OPEN, MARK_CLOSE, "…", 24),
            )
            .select_from(doc)
            .join(self.fts_table, self.fts_table.c.rowid == doc.c.id)
            .where(self.fts.op("MATCH")(self.expression(terms)), where)
            .order_by(rank, doc.c.id)
            .limit(limit)
            .offset(offset)
        )


class _Postgres(_Backend):
    vector = literal_column(f"search_document.{PG_VECTOR}")
    config = literal_column(f"'{PG_CONFIG}'::regconfig")
    marks = f'StartSel="{MARK_OPEN}", StopSel="{MARK_CLOSE}"'

    def query(self, terms: list[str]) -> ColumnElement[Any]:
        return func.plainto_tsquery(self.config, literal(" ".join(terms)))

    def match(self, terms):
        return self.vector.op("@@")(self.query(terms))

    def page(self, where, terms, limit, offset):
        doc = SearchDocument.__table__
        rank = func.ts_rank(self.vector, self.query(terms))
        # Rank and page first; only the page's rows are highlighted (ts_headline is costly).
        chosen = (
            select(doc.c.id, rank.label("rank"))
            .where(self.match(terms), where)
            .order_by(rank.desc(), doc.c.id)
            .limit(limit)
            .offset(offset)
            .subquery()
        )
        query = self.query(terms)
        return (
            _columns(
                func.ts_headline(
                    self.config, doc.c.title, query, f"{self.marks}, HighlightAll=true"
                ),
                func.ts_headline(
                    self.config,
                    doc.c.body,
                    query,
                    f"{self.marks}, MaxWords=35, MinWords=15, MaxFragments=2, "
                    'FragmentDelimiter=" … "',
                ),
            )
            .select_from(doc)
            .join(chosen, chosen.c.id == doc.c.id)
            .order_by(chosen.c.rank.desc(), doc.c.id)
        )


def _columns(title: ColumnElement[Any], snippet: ColumnElement[Any]) -> Select:
    doc = SearchDocument.__table__
    return select(
        doc.c.kind,
        doc.c.key,
        doc.c.ref,
        title.label("title_marked"),
        snippet.label("snippet_marked"),
        Action.ref.label("action_ref"),
        Action.title.label("action_title"),
        Locality.code.label("locality_code"),
        Locality.name.label("locality_name"),
    ).select_from(doc)


def _backend() -> _Backend:
    return _Postgres() if db.engine.dialect.name == "postgresql" else _Sqlite()


def search(
    query: str,
    *,
    actor: Actor | None,
    kind: str | None = None,
    page: int = 1,
    per_page: int = 20,
) -> Results:
    """The documents matching every word of `query` that `actor` may see, best first, one page;
    with the number found of each kind. Three statements at most, whatever the data."""
    terms = terms_of(query)
    results = Results(terms=terms, page=page, per_page=per_page)
    if not terms:
        return results
    backend = _backend()
    doc = SearchDocument.__table__
    where = and_(backend.match(terms), _visible(actor))
    counts = db.session.execute(
        select(doc.c.kind, func.count()).where(where).group_by(doc.c.kind)
    ).all()
    results.counts = {k: n for k, n in counts if k in SOURCES}
    results.total = results.counts.get(kind, 0) if kind else sum(results.counts.values())
    if not results.total or (page - 1) * per_page >= results.total:
        return results
    chosen = and_(where, doc.c.kind == kind) if kind else and_(where, true())
    statement = (
        backend.page(chosen, terms, per_page, (page - 1) * per_page)
        .outerjoin(Action, Action.id == doc.c.action_id)
        .outerjoin(Locality, Locality.id == doc.c.locality_id)
    )
    for row in db.session.execute(statement):
        source = SOURCES.get(row.kind)
        if source is None:
            continue
        hit = Hit(
            kind=row.kind,
            label=source.label,
            key=row.key,
            ref=row.ref,
            title=marked(row.title_marked),
            snippet=marked(row.snippet_marked),
            action_ref=row.action_ref,
            action_title=row.action_title,
            locality_code=row.locality_code,
            locality_name=row.locality_name,
        )
        results.hits.append(_with_link(hit, source.link(hit)))
    return results


def _with_link(hit: Hit, link: Link | None) -> Hit:
    return replace(hit, link=link)
