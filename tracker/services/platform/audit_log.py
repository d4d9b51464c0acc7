"""Reading the audit log: a page of events in words, filtered by person, kind and London days,
and the same events as CSV. Names are read once for the whole page (one statement), never per
event."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import Select, func, literal, or_, select, union_all

from tracker.domain.audit_words import KINDS, Names, describe, kind_label
from tracker.domain.calendar import LONDON
from tracker.domain.meetings import kind_labels
from tracker.domain.spreadsheet import neutralise_cell
from tracker.extensions import db
from tracker.models import AuditEvent, Locality, Organisation, User
from tracker.services.access.settings import current as current_setup
from tracker.services.errors import BadFilter

PER_PAGE = 50
BATCH = 500
CSV_HEADER = ["When (London)", "Who", "What happened", "Kind", "About", "Detail", "Address"]


@dataclass(frozen=True)
class AuditFilters:
    person_id: int | None = None
    kind: str | None = None
    from_day: date | None = None
    to_day: date | None = None


@dataclass(frozen=True)
class Person:
    id: int
    name: str
    email: str


@dataclass(frozen=True)
class Directory:
    """Everyone and everywhere an event may name, read in one statement."""

    names: Names
    people: list[Person]


@dataclass(frozen=True)
class AuditRow:
    occurred_at: datetime
    who: str
    sentence: str
    kind: str
    kind_label: str
    about: str
    detail: dict
    remote_addr: str


@dataclass(frozen=True)
class AuditPage:
    rows: list[AuditRow]
    total: int


def kind_choices() -> list[tuple[str, str]]:
    """The kinds the filter offers, by label."""
    return sorted(((k, kind_label(k)) for k in KINDS), key=lambda pair: pair[1])


def check_filters(filters: AuditFilters, people: list[Person]) -> None:
    """Raise BadFilter (naming the field) for a person or kind not in the lists, or days the
    wrong way round."""
    if filters.person_id is not None and filters.person_id not in {p.id for p in people}:
        raise BadFilter("person", "Choose a person from the list")
    if filters.kind is not None and filters.kind not in KINDS:
        raise BadFilter("kind", "Choose a kind of event from the list")
    if filters.from_day and filters.to_day and filters.from_day > filters.to_day:
        raise BadFilter("to", "The ‘to’ date must be the same as or after the ‘from’ date")


def get_directory() -> Directory:
    """People (with their email addresses), localities and organisations: one statement (and
    the set-up's, once a request, for the names of the meetings)."""
    rows = db.session.execute(
        union_all(
            select(literal("p"), User.id, User.email, User.name),
            select(literal("l"), Locality.id, Locality.code, Locality.name),
            select(literal("o"), Organisation.id, Organisation.code, Organisation.name),
        )
    ).all()
    people = sorted(
        (Person(i, name, code or "") for tag, i, code, name in rows if tag == "p"),
        key=lambda p: (p.name.lower(), p.id),
    )
    names = Names(
        people={p.id: p.name for p in people},
        localities={i: name for tag, i, _, name in rows if tag == "l"},
        locality_codes={code: name for tag, _, code, name in rows if tag == "l"},
        organisations={i: name for tag, i, _, name in rows if tag == "o"},
        meeting_kinds={k.value: label for k, label in kind_labels(current_setup().words).items()},
    )
    return Directory(names, people)


def _london_midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=LONDON)


def _filtered(query: Select, filters: AuditFilters, people: list[Person]) -> Select:
    if filters.person_id is not None:
        # Done by them, or about them (events about a person name their address, or their name
        # when they have none).
        person = next(p for p in people if p.id == filters.person_id)
        about = [t for t in (person.email, person.name) if t]
        query = query.where(or_(AuditEvent.user_id == person.id, AuditEvent.target.in_(about)))
    if filters.kind is not None:
        query = query.where(AuditEvent.kind == filters.kind)
    if filters.from_day is not None:
        query = query.where(AuditEvent.occurred_at >= _london_midnight(filters.from_day))
    if filters.to_day is not None:
        end = _london_midnight(filters.to_day + timedelta(days=1))
        query = query.where(AuditEvent.occurred_at < end)
    return query


_COLUMNS = (
    AuditEvent.id,
    AuditEvent.occurred_at,
    AuditEvent.user_id,
    AuditEvent.kind,
    AuditEvent.target,
    AuditEvent.detail,
    AuditEvent.remote_addr,
)


def _row(r, names: Names) -> AuditRow:
    detail = r.detail if isinstance(r.detail, dict) else {}
    return AuditRow(
        occurred_at=r.occurred_at,
        who=names.people.get(r.user_id, "") if r.user_id else "",
        sentence=describe(r.kind, r.target, detail, names),
        kind=r.kind,
        kind_label=kind_label(r.kind),
        about=r.target,
        detail=detail,
        remote_addr=r.remote_addr,
    )


def list_events(
    filters: AuditFilters, directory: Directory, *, page: int = 1, per_page: int = PER_PAGE
) -> AuditPage:
    """A page of events, newest first, each in words; the total comes in the same statement."""
    check_filters(filters, directory.people)
    query = _filtered(
        select(*_COLUMNS, func.count().over().label("total")), filters, directory.people
    )
    rows = db.session.execute(
        query.order_by(AuditEvent.id.desc()).limit(per_page).offset((page - 1) * per_page)
    ).all()
    if rows:
        total = rows[0].total
    else:  # past the last page (or nothing at all): count, so the page can say how many
        total = db.session.execute(
            _filtered(select(func.count(AuditEvent.id)), filters, directory.people)
        ).scalar_one()
    return AuditPage([_row(r, directory.names) for r in rows], total)


def csv_chunks(filters: AuditFilters, directory: Directory) -> Iterator[bytes]:
    """Every event the filters choose, newest first, as CSV a batch at a time. A cell that a
    spreadsheet would run as a formula (= + - @) is made inert."""
    check_filters(filters, directory.people)
    query = _filtered(select(*_COLUMNS), filters, directory.people).order_by(AuditEvent.id.desc())
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_HEADER)
    yield ("\ufeff" + buffer.getvalue()).encode()
    result = db.session.connection().execute(query.execution_options(yield_per=BATCH))
    for batch in result.partitions():
        buffer.seek(0)
        buffer.truncate()
        for r in batch:
            row = _row(r, directory.names)
            writer.writerow(
                [
                    row.occurred_at.astimezone(LONDON).strftime("%Y-%m-%d %H:%M:%S"),
                    *(
                        neutralise_cell(text)
                        for text in (
                            row.who,
                            row.sentence,
                            row.kind,
                            row.about,
                            json.dumps(row.detail, ensure_ascii=False, sort_keys=True),
                            row.remote_addr,
                        )
                    ),
                ]
            )
        yield buffer.getvalue().encode()
