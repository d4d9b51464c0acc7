"""Importing a spreadsheet in any shape: pick the sheet, map its columns, check, apply.

A plan sheet, once mapped, goes through the plan import itself (services/exchange/imports.py:
the same row checks, the same single transaction, the same audit event), with its problems
named by the sheet's own rows and columns. A people sheet adds people who cannot sign in yet,
each with an invitation the admin reviews and then sends. The mapping is saved, when an import
is applied, for the next sheet with the same headers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from tracker.domain import mapping as rules
from tracker.domain.imports import (
    ImportPlan,
    Problem,
    ReadLimits,
    Sheet,
    Snapshot,
    UnreadableFile,
)
from tracker.domain.permissions import Actor
from tracker.extensions import db
from tracker.models import ImportedInvitation, ImportMapping, Locality, Organisation, Plan, User
from tracker.services.access.invitations import send_invitation
from tracker.services.exchange.imports import ImportResult, digest_of, run_import
from tracker.services.platform.audit import add_event

__all__ = ["UnreadableFile"]


@dataclass(frozen=True)
class SavedMapping:
    mapping: dict[str, str]
    saved_at: datetime
    saved_by: str


@dataclass
class MappingView:
    """What the mapping page shows: the sheet's headers and the mapping offered."""

    kind: str
    sheet: str
    header: tuple[str, ...]
    rows: int
    chosen: dict[str, str]
    saved: SavedMapping | None
    plans: list[tuple[str, str]] = field(default_factory=list)  # (code, name)


def list_sheets(filename: str, data: bytes, limits: ReadLimits | None = None) -> list[str]:
    """The file's sheets (raises UnreadableFile with the reason)."""
    return rules.sheet_names(filename, data, limits)


def _saved(kind: str, header: tuple[str, ...]) -> SavedMapping | None:
    row = db.session.execute(
        select(ImportMapping.mapping, ImportMapping.saved_at, User.name)
        .outerjoin(User, User.id == ImportMapping.saved_by_id)
        .where(ImportMapping.header_digest == rules.header_digest(kind, header))
    ).first()
    if row is None:
        return None
    return SavedMapping(dict(row[0] or {}), row[1], row[2] or "")


def get_mapping_view(
    kind: str, filename: str, data: bytes, sheet: str, limits: ReadLimits | None = None
) -> MappingView:
    """The sheet's headers and the mapping to offer (the saved one for the same headers, else
    by name): two statements, whatever the sheet's size."""
    table = rules.read_table(filename, data, sheet, limits)
    saved = _saved(kind, table.header)
    plans: list[tuple[str, str]] = []
    if kind == rules.PLAN:
        # The plan new rows go to is current work: a retired area's plan is not offered.
        plans = [
            (code, name)
            for code, name in db.session.execute(
                select(Plan.code, Plan.name)
                .outerjoin(Locality, Locality.id == Plan.locality_id)
                .where(Locality.retired_at.is_(None))
                .order_by(Plan.id)
            ).all()
        ]
    return MappingView(
        kind,
        table.name,
        table.header,
        len(table.rows),
        rules.suggest(kind, table.header, saved.mapping if saved else None),
        saved,
        plans,
    )


def _save_mapping(
    kind: str,
    header: tuple[str, ...],
    chosen: dict[str, str],
    *,
    user_id: int | None,
    now: datetime,
) -> None:
    """Keep the mapping for the next sheet with these headers (not committed)."""
    digest = rules.header_digest(kind, header)
    row = db.session.execute(
        select(ImportMapping).where(ImportMapping.header_digest == digest)
    ).scalar_one_or_none()
    clean = {k: v for k, v in chosen.items() if v}
    if row is None:
        db.session.add(
            ImportMapping(
                header_digest=digest, kind=kind, mapping=clean, saved_by_id=user_id, saved_at=now
            )
        )
    else:
        row.mapping, row.saved_by_id, row.saved_at = clean, user_id, now


class MappingRefused(Exception):
    """The mapping itself is wrong: every problem as (field key, message); nothing read."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(m for _, m in problems))
        self.problems = problems


class _PlanSheet:
    """A plan sheet mapped to the export's columns, for the plan import."""

    def __init__(self, table: rules.Table, chosen: dict[str, str], default_plan: str) -> None:
        self.table, self.chosen, self.default_plan = table, chosen, default_plan
        self.sheet = rules.mapped_sheet(table, rules.PLAN, chosen)
        self.columns = rules.describe_columns(rules.PLAN, table.header, chosen)

    def sheets(self) -> list[Sheet]:
        return [self.sheet]

    def prepare(self, snapshot: Snapshot) -> None:
        rules.prepare_plan_rows(self.sheet, snapshot, self.chosen, self.default_plan)

    def check(self, plan: ImportPlan, snapshot: Snapshot) -> list[Problem]:
        return rules.check_plan_states(self.sheet, snapshot, plan)

    def in_sheet_terms(self, problems: list[Problem]) -> list[Problem]:
        return rules.in_sheet_terms(problems, self.columns)

    def applied(self, actor: Actor | None, now: datetime) -> None:
        _save_mapping(
            rules.PLAN,
            self.table.header,
            self.chosen,
            user_id=actor.user_id if actor else None,
            now=now,
        )

    def detail(self) -> dict:
        return {"mapped": True, "sheet": self.table.name[:100], "mapping": self.chosen}


def _table_and_mapping(
    kind: str,
    filename: str,
    data: bytes,
    sheet: str,
    chosen: dict[str, str],
    limits: ReadLimits | None,
) -> rules.Table:
    table = rules.read_table(filename, data, sheet, limits)
    problems = rules.check_mapping(kind, table.header, chosen)
    if problems:
        raise MappingRefused(problems)
    return table


def run_plan_import(
    filename: str,
    data: bytes,
    *,
    sheet: str,
    chosen: dict[str, str],
    default_plan: str,
    dry_run: bool,
    actor: Actor | None,
    now: datetime,
    max_bytes: int,
    remote_addr: str = "",
    limits: ReadLimits | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> ImportResult:
    """Check (and unless `dry_run` apply, all or nothing) a plan sheet in its own shape. A
    wrong mapping raises MappingRefused before anything is read or written; a file that
    cannot be read is refused as the plan import refuses it. `progress` is told as the plan
    import tells it (a long apply runs in the background)."""
    try:
        table = _table_and_mapping(rules.PLAN, filename, data, sheet, chosen, limits)
    except UnreadableFile as exc:
        result = ImportResult(filename=filename, digest=digest_of(data), dry_run=dry_run)
        result.refused = str(exc)
        return result
    return run_import(
        filename,
        data,
        dry_run=dry_run,
        actor=actor,
        now=now,
        max_bytes=max_bytes,
        remote_addr=remote_addr,
        limits=limits,
        mapped=_PlanSheet(table, chosen, default_plan),
        progress=progress,
    )


def mapping_problems(view: MappingView, chosen: dict[str, str]) -> list[tuple[str, str]]:
    """What is wrong with a mapping of the sheet the page shows, as (field key, message)."""
    return rules.check_mapping(view.kind, view.header, chosen)


# ---------------------------------------------------------------------------------------------
# A people sheet


@dataclass
class PeopleResult:
    filename: str
    digest: str
    dry_run: bool
    sheet: str = ""
    applied: bool = False
    refused: str = ""
    rows: int = 0
    problems: list[Problem] = field(default_factory=list)
    people: list[rules.PersonRow] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.refused and not self.problems


def _people_snapshot() -> rules.PeopleSnapshot:
    """Organisations, areas and every address held: three statements."""
    organisations: dict[str, str] = {}
    for code, name in db.session.execute(select(Organisation.code, Organisation.name)).all():
        organisations[code.lower()] = code
        organisations[name.lower()] = code
    areas: dict[str, str] = {}
    for code, name in db.session.execute(select(Locality.code, Locality.name)).all():
        areas[code.lower()] = code
        areas[name.lower()] = code
    emails = {
        e.lower()
        for e in db.session.execute(select(User.email).where(User.email.is_not(None))).scalars()
    }
    return rules.PeopleSnapshot(organisations, areas, emails)


def run_people_import(
    filename: str,
    data: bytes,
    *,
    sheet: str,
    chosen: dict[str, str],
    dry_run: bool,
    actor: Actor | None,
    now: datetime,
    remote_addr: str = "",
    limits: ReadLimits | None = None,
) -> PeopleResult:
    """Check a people sheet (and unless `dry_run` add everyone in it, all or nothing, each
    with an invitation that is not sent until the admin sends it). Audited either way."""
    result = PeopleResult(filename=filename, digest=digest_of(data), dry_run=dry_run)
    try:
        table = _table_and_mapping(rules.PEOPLE, filename, data, sheet, chosen, limits)
    except UnreadableFile as exc:
        result.refused = str(exc)
    else:
        result.sheet = table.name
        mapped = rules.mapped_sheet(table, rules.PEOPLE, chosen)
        result.rows = len(mapped.rows)
        people, problems = rules.check_people(mapped, _people_snapshot())
        columns = rules.describe_columns(rules.PEOPLE, table.header, chosen)
        result.problems = rules.in_sheet_terms(problems, columns)
        if not problems:
            result.people = people
        if not dry_run and result.ok and people:
            try:
                _add_people(people, result.digest, actor, now)
                _save_mapping(
                    rules.PEOPLE,
                    table.header,
                    chosen,
                    user_id=actor.user_id if actor else None,
                    now=now,
                )
                db.session.flush()
            except IntegrityError:
                db.session.rollback()  # someone took an address a moment ago: all or nothing
                result.people = []
                result.problems = [
                    Problem(
                        "",
                        0,
                        "",
                        "Someone was added with one of these addresses while the sheet was "
                        "imported: nothing was written. Check the sheet again.",
                    )
                ]
            else:
                result.applied = True
    add_event(
        "people_import",
        now=now,
        user_id=actor.user_id if actor else None,
        target=filename[:300],
        detail={
            "file": filename[:200],
            "sha256": result.digest,
            "sheet": result.sheet[:100],
            "added": len(result.people) if result.applied else 0,
            "dry_run": dry_run,
            "applied": result.applied,
            "bytes": len(data),
            "rows": result.rows,
            "problems": len(result.problems),
            "people": len(result.people),
            **({"refused": result.refused[:300]} if result.refused else {}),
        },
        remote_addr=remote_addr,
    )
    db.session.commit()
    return result


def _add_people(
    people: list[rules.PersonRow], digest: str, actor: Actor | None, now: datetime
) -> None:
    orgs = dict(db.session.execute(select(Organisation.code, Organisation.id)).all())
    areas = dict(db.session.execute(select(Locality.code, Locality.id)).all())
    actor_id = actor.user_id if actor else None
    for person in people:
        user = User(
            email=person.email,
            name=person.name,
            job_title="",
            organisation_id=orgs[person.organisation],
            role=person.role,
            locality_id=areas[person.area] if person.area else None,
            password_hash=None,
            active=True,
            created_at=now,
        )
        db.session.add(user)
        db.session.flush()
        db.session.add(
            ImportedInvitation(
                user_id=user.id, file_sha256=digest, created_by_id=actor_id, created_at=now
            )
        )
        add_event(
            "person_imported",
            now=now,
            user_id=actor_id,
            target=person.email,
            detail={"person_id": user.id, "role": person.role, "file_sha256": digest},
        )


@dataclass(frozen=True)
class WaitingInvitation:
    id: int
    name: str
    email: str
    organisation: str
    role: str
    area: str
    created_at: datetime


def list_waiting_invitations() -> list[WaitingInvitation]:
    """The invitations people sheets made that nobody has sent yet: one statement."""
    return [
        WaitingInvitation(i, name, email or "", org, role, area or "", created)
        for i, name, email, org, role, area, created in db.session.execute(
            select(
                ImportedInvitation.id,
                User.name,
                User.email,
                Organisation.name,
                User.role,
                Locality.name,
                ImportedInvitation.created_at,
            )
            .join(User, User.id == ImportedInvitation.user_id)
            .join(Organisation, Organisation.id == User.organisation_id)
            .outerjoin(Locality, Locality.id == User.locality_id)
            .where(ImportedInvitation.sent_at.is_(None))
            .order_by(User.name, ImportedInvitation.id)
        ).all()
    ]


def send_waiting_invitations(
    ids: list[int], *, actor_id: int, now: datetime, lifetime: timedelta, base_url: str
) -> int:
    """Send the chosen waiting invitations (each a one-time link through the outbox), marked
    sent; committed once. Returns how many were sent (one already sent is left alone)."""
    rows = db.session.execute(
        select(ImportedInvitation, User)
        .join(User, User.id == ImportedInvitation.user_id)
        .where(ImportedInvitation.id.in_(ids), ImportedInvitation.sent_at.is_(None))
        .order_by(ImportedInvitation.id)
        .with_for_update(of=ImportedInvitation)
    ).all()
    sent = 0
    for waiting, user in rows:
        if not user.active or not user.email or user.password_hash:
            continue
        send_invitation(user, actor_id=actor_id, now=now, lifetime=lifetime, base_url=base_url)
        waiting.sent_at, waiting.sent_by_id = now, actor_id
        add_event(
            "person_invited",
            now=now,
            user_id=actor_id,
            target=user.email,
            detail={"person_id": user.id, "role": user.role, "imported": True},
        )
        sent += 1
    db.session.commit()
    return sent
