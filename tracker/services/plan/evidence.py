"""Evidence on actions and locality SEFs: adding a file or a link, withdrawing it, reading the
list and fetching a file for someone who may see it. Every write, refusal and denied download is
an audit event.

Files live outside the database under their SHA-256 (`<store>/ab/abcdef...`), written once: the
same file added twice is stored once. Nothing is ever served from that path directly."""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import and_, exists, func, select
from sqlalchemy.orm import aliased

from tracker.domain import evidence as rules
from tracker.domain.permissions import Actor, Permission, Role, Target, can
from tracker.domain.personal_data import personal_data_message
from tracker.extensions import db
from tracker.models import Action, Evidence, Locality, Plan, SefVersion, User
from tracker.services.errors import NotFound
from tracker.services.platform import virus_scan
from tracker.services.platform.audit import add_event, record_event

# Chairs and the admin may add or withdraw evidence on any action or SEF, besides those who
# may update the action (its lead, its locality's head) or write the SEF.
_ADDER, _WITHDRAWER = aliased(User), aliased(User)  # built once, not per query
_ANY_SUBJECT = frozenset({Role.CHAIR, Role.ADMIN})


class EvidenceRejected(Exception):
    """Nothing was stored: field -> message."""

    def __init__(self, errors: dict[str, str], *, status: int = 422):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors
        self.status = status  # 413 too big, 415 not an allowed kind, 422 otherwise


class Forbidden(Exception):
    """The person may not add or withdraw evidence here."""


@dataclass(frozen=True)
class Subject:
    """What evidence is about: an action, or one locality's SEF for one month."""

    action_id: int | None = None
    action_ref: str | None = None
    lead_user_id: int | None = None
    locality: str | None = None
    locality_id: int | None = None
    month: str | None = None

    @property
    def label(self) -> str:
        return self.action_ref or f"SEF {self.locality} {self.month}"


@dataclass(frozen=True)
class EvidenceItem:
    id: int
    action_ref: str | None
    locality: str | None
    month: str | None
    kind: str
    title: str
    evidence_type: rules.EvidenceType
    evidence_date: date
    url: str | None
    filename: str | None
    size_bytes: int | None
    added_by: str | None
    added_at: datetime
    withdrawn_at: datetime | None
    withdrawn_by: str | None
    withdrawn_reason: str | None

    @property
    def withdrawn(self) -> bool:
        return self.withdrawn_at is not None

    @property
    def type_label(self) -> str:
        return self.evidence_type.label

    @property
    def size_label(self) -> str:
        return rules.megabytes(self.size_bytes) if self.size_bytes else ""


def action_subject(ref: str) -> Subject:
    row = db.session.execute(
        select(Action.id, Action.ref, Action.lead_user_id, Locality.code)
        .join(Plan, Plan.id == Action.plan_id)
        .outerjoin(Locality, Locality.id == Plan.locality_id)
        .where(Action.ref == ref)
    ).first()
    if row is None:
        raise NotFound(f"No action {ref}")
    return Subject(action_id=row[0], action_ref=row[1], lead_user_id=row[2], locality=row[3])


def sef_subject(locality: str, month: str) -> Subject:
    locality_id = db.session.execute(
        select(Locality.id).where(Locality.code == locality)
    ).scalar_one_or_none()
    if locality_id is None:
        raise NotFound(f"No area {locality}")
    return Subject(locality=locality, locality_id=locality_id, month=month)


def may_add(actor: Actor | None, subject: Subject) -> bool:
    """Who may update the action (or write the SEF) adds evidence to it; so may chairs and the
    admin. Viewers only read."""
    if actor is None or not actor.active or actor.role is None:
        return False
    if actor.role in _ANY_SUBJECT:
        return True
    if subject.action_id is not None:
        target = Target(lead_user_id=subject.lead_user_id, locality=subject.locality)
        return can(actor, Permission.UPDATE_ACTION, target)
    return can(actor, Permission.SUBMIT_RETURN, Target(locality=subject.locality))


def may_see(actor: Actor | None, subject: Subject) -> bool:
    """Evidence on an action is seen by whoever may see the action page. Evidence on a SEF is
    seen with the SEF: by everyone once the month's SEF is submitted, and before that only by
    those who may read its drafts (its head, their deputy, the admin)."""
    if not can(actor, Permission.READ_PLAN):
        return False
    if subject.action_id is not None:
        return True
    if can(actor, Permission.READ_SEF_DRAFT, Target(locality=subject.locality)):
        return True
    return bool(
        db.session.execute(
            select(
                exists().where(
                    SefVersion.locality_id == subject.locality_id,
                    SefVersion.month == subject.month,
                    SefVersion.status == "submitted",
                )
            )
        ).scalar()
    )


def _authorise(actor: Actor, subject: Subject) -> None:
    if not may_add(actor, subject):
        raise Forbidden(subject.label)


def _details_errors(title: str, evidence_type: str, evidence_date: date | None, today: date):
    errors = rules.check_details(title, evidence_type, evidence_date, today)
    message = personal_data_message(title)
    if message:
        errors["title"] = message
    return errors


def _refuse(
    kind: str,
    subject: Subject,
    errors: dict[str, str],
    *,
    actor: Actor,
    now: datetime,
    remote_addr: str,
    status: int = 422,
    **detail: object,
) -> EvidenceRejected:
    """Record the refused file (nothing else is written) and build the error to raise."""
    record_event(
        kind,
        now=now,
        user_id=actor.user_id,
        target=subject.label,
        detail={"errors": errors, **detail},
        remote_addr=remote_addr,
    )
    return EvidenceRejected(errors, status=status)


@dataclass(frozen=True)
class NewEvidence:
    """An item to add, before it is checked: a file (`filename` and `data`) or a link (`url`)."""

    title: str
    evidence_type: str
    evidence_date: date | None
    url: str = ""
    filename: str = ""
    data: bytes | None = None

    @property
    def is_file(self) -> bool:
        return self.data is not None


@dataclass(frozen=True)
class EvidenceStore:
    """Where files are kept and what they must pass: the evidence page's settings."""

    path: Path
    max_bytes: int
    clamd_socket: str | None = None


@dataclass(frozen=True)
class CheckedEvidence:
    """An item that passed every check, ready to be written."""

    item: NewEvidence
    filename: str = ""
    content_type: str = ""
    sha256: str = ""


@dataclass
class Staged:
    """Items added to the session (not committed) and the files written for them: discarded
    when the transaction they belong to is not committed, so no file is left without a row."""

    ids: list[int]
    written: list[Path]

    def discard(self) -> None:
        for path in self.written:
            path.unlink(missing_ok=True)
        self.written.clear()


def check_new(
    subject: Subject,
    item: NewEvidence,
    *,
    actor: Actor,
    now: datetime,
    today: date,
    store: EvidenceStore | None,
    remote_addr: str = "",
) -> CheckedEvidence:
    """Every check of the evidence page, writing nothing but the audit event of a refused
    file: the details, then a file by its content and (when configured) with ClamAV, or a
    link. Raises EvidenceRejected (field -> message) or Forbidden."""
    _authorise(actor, subject)
    errors = _details_errors(item.title, item.evidence_type, item.evidence_date, today)
    if not item.is_file:
        message = rules.check_link(item.url)
        if message:
            errors["url"] = message
        if errors:
            raise EvidenceRejected(errors)
        return CheckedEvidence(item=item)
    if errors:
        raise EvidenceRejected(errors)
    if store is None:
        raise EvidenceRejected({"file": "Files cannot be added here: give a link instead"})
    data = item.data or b""
    max_bytes = store.max_bytes
    filename = Path(item.filename.replace("\\", "/")).name[:200]
    about = {"filename": filename, "size_bytes": len(data)}
    try:
        kind = rules.check_file(filename, data, max_bytes=max_bytes)
    except rules.FileRefused as exc:
        status = 413 if len(data) > max_bytes else 415 if data else 422
        raise _refuse(
            "evidence_refused",
            subject,
            {"file": str(exc)},
            actor=actor,
            now=now,
            remote_addr=remote_addr,
            status=status,
            **about,
        ) from None
    if store.clamd_socket:
        try:
            verdict = virus_scan.scan(store.clamd_socket, data)
        except virus_scan.ScannerUnavailable as exc:
            raise _refuse(
                "evidence_refused",
                subject,
                {
                    "file": "The file could not be checked for viruses just now, so it was not "
                    "added. Try again later, or tell the administrator"
                },
                actor=actor,
                now=now,
                remote_addr=remote_addr,
                status=422,
                scanner=str(exc)[:200],
                **about,
            ) from None
        if not verdict.clean:
            raise _refuse(
                "evidence_infected",
                subject,
                {"file": "The selected file contains a virus, so it was not added"},
                actor=actor,
                now=now,
                remote_addr=remote_addr,
                status=422,
                signature=verdict.signature[:200],
                **about,
            )
    return CheckedEvidence(
        item=item,
        filename=filename,
        content_type=kind.content_type,
        sha256=hashlib.sha256(data).hexdigest(),
    )


def stage(
    subject: Subject,
    checked: list[CheckedEvidence],
    *,
    actor: Actor,
    now: datetime,
    store: EvidenceStore | None,
    remote_addr: str = "",
) -> Staged:
    """Write the checked items' files (each once, under its SHA-256) and add their rows and
    audit events to the session, without committing: the caller commits them with whatever
    else it writes, or calls `discard()` on what this returns."""
    staged = Staged(ids=[], written=[])
    try:
        for c in checked:
            item = c.item
            if item.is_file:
                assert store is not None  # check_new refuses a file with no store
                data = item.data or b""
                if _store_once(store.path, c.sha256, data):
                    staged.written.append(file_path(store.path, c.sha256))
                row = Evidence(
                    kind="file",
                    sha256=c.sha256,
                    filename=c.filename,
                    content_type=c.content_type,
                    size_bytes=len(data),
                    **_common(
                        subject, item.title, item.evidence_type, item.evidence_date, actor, now
                    ),
                )
                detail = {"filename": c.filename, "size_bytes": len(data), "sha256": c.sha256}
            else:
                row = Evidence(
                    kind="link",
                    url=item.url.strip(),
                    **_common(
                        subject, item.title, item.evidence_type, item.evidence_date, actor, now
                    ),
                )
                detail = {"url": item.url.strip()[:300]}
            staged.ids.append(_add_row(row, subject, actor, now, remote_addr, detail))
    except BaseException:
        staged.discard()
        raise
    return staged


def add_file(
    subject: Subject,
    *,
    filename: str,
    data: bytes,
    title: str,
    evidence_type: str,
    evidence_date: date | None,
    actor: Actor,
    now: datetime,
    today: date,
    store: Path,
    max_bytes: int,
    clamd_socket: str | None = None,
    remote_addr: str = "",
) -> int:
    """Check the details, then the file by its content, then (when configured) with ClamAV;
    store it under its SHA-256 and record it. A refused file leaves nothing but an audit event."""
    item = NewEvidence(
        title=title,
        evidence_type=evidence_type,
        evidence_date=evidence_date,
        filename=filename,
        data=data,
    )
    where = EvidenceStore(path=store, max_bytes=max_bytes, clamd_socket=clamd_socket)
    return _add_one(
        subject, item, where, actor=actor, now=now, today=today, remote_addr=remote_addr
    )


def add_link(
    subject: Subject,
    *,
    url: str,
    title: str,
    evidence_type: str,
    evidence_date: date | None,
    actor: Actor,
    now: datetime,
    today: date,
    remote_addr: str = "",
) -> int:
    """Record a link (https only) to evidence kept elsewhere, such as the intranet."""
    item = NewEvidence(
        title=title, evidence_type=evidence_type, evidence_date=evidence_date, url=url
    )
    return _add_one(subject, item, None, actor=actor, now=now, today=today, remote_addr=remote_addr)


def _add_one(subject, item, store, *, actor, now, today, remote_addr) -> int:
    checked = check_new(
        subject, item, actor=actor, now=now, today=today, store=store, remote_addr=remote_addr
    )
    staged = stage(subject, [checked], actor=actor, now=now, store=store, remote_addr=remote_addr)
    try:
        db.session.commit()
    except BaseException:
        db.session.rollback()
        staged.discard()
        raise
    return staged.ids[0]


def _common(subject, title, evidence_type, evidence_date, actor, now) -> dict:
    return {
        "action_id": subject.action_id,
        "sef_locality_id": subject.locality_id if subject.action_id is None else None,
        "sef_month": subject.month if subject.action_id is None else None,
        "title": title.strip(),
        "evidence_type": evidence_type,
        "evidence_date": evidence_date,
        "added_by_id": actor.user_id,
        "added_at": now,
    }


def _add_row(row: Evidence, subject: Subject, actor: Actor, now, remote_addr, detail) -> int:
    db.session.add(row)
    db.session.flush()
    add_event(
        "evidence_added",
        now=now,
        user_id=actor.user_id,
        target=subject.label,
        detail={"evidence_id": row.id, "kind": row.kind, "title": row.title, **detail},
        remote_addr=remote_addr,
    )
    return row.id


def _store_once(store: Path, digest: str, data: bytes) -> bool:
    """Write the file under its digest, atomically, unless it is already there: True when
    this call wrote it."""
    path = file_path(store, digest)
    if path.exists():
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".incoming-")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return True


def file_path(store: Path, digest: str) -> Path:
    return store / digest[:2] / digest


def withdraw(
    evidence_id: int, reason: str, *, actor: Actor, now: datetime, remote_addr: str = ""
) -> Subject:
    """Mark an item withdrawn, with who, when and why; it stays listed and in the audit."""
    row = db.session.get(Evidence, evidence_id)
    if row is None:
        raise NotFound(f"No evidence {evidence_id}")
    subject = subject_of(row)
    _authorise(actor, subject)
    if row.withdrawn_at is not None:
        raise EvidenceRejected({"reason": "This evidence has already been withdrawn"})
    errors = rules.check_withdrawal(reason)
    message = personal_data_message(reason)
    if message:
        errors["reason"] = message
    if errors:
        raise EvidenceRejected(errors)
    row.withdrawn_at = now
    row.withdrawn_by_id = actor.user_id
    row.withdrawn_reason = reason.strip()
    add_event(
        "evidence_withdrawn",
        now=now,
        user_id=actor.user_id,
        target=subject.label,
        detail={"evidence_id": row.id, "title": row.title, "reason": reason.strip()},
        remote_addr=remote_addr,
    )
    db.session.commit()
    return subject


def subject_for(evidence_id: int) -> Subject:
    row = db.session.get(Evidence, evidence_id)
    if row is None:
        raise NotFound(f"No evidence {evidence_id}")
    return subject_of(row)


def subject_of(row: Evidence) -> Subject:
    if row.action_id is not None:
        values = db.session.execute(
            select(Action.ref, Action.lead_user_id, Locality.code)
            .join(Plan, Plan.id == Action.plan_id)
            .outerjoin(Locality, Locality.id == Plan.locality_id)
            .where(Action.id == row.action_id)
        ).one()
        return Subject(
            action_id=row.action_id,
            action_ref=values[0],
            lead_user_id=values[1],
            locality=values[2],
        )
    code = db.session.execute(
        select(Locality.code).where(Locality.id == row.sef_locality_id)
    ).scalar_one()
    return Subject(locality=code, locality_id=row.sef_locality_id, month=row.sef_month)


def _items_query():
    adder, withdrawer = _ADDER, _WITHDRAWER
    return (
        select(Evidence, Action.ref, Locality.code, adder.name, withdrawer.name)
        .outerjoin(Action, Action.id == Evidence.action_id)
        .outerjoin(Locality, Locality.id == Evidence.sef_locality_id)
        .outerjoin(adder, adder.id == Evidence.added_by_id)
        .outerjoin(withdrawer, withdrawer.id == Evidence.withdrawn_by_id)
        .order_by(Evidence.added_at.desc(), Evidence.id.desc())
    )


def _items(rows: Iterable) -> list[EvidenceItem]:
    return [
        EvidenceItem(
            id=e.id,
            action_ref=ref,
            locality=locality,
            month=e.sef_month,
            kind=e.kind,
            title=e.title,
            evidence_type=rules.EvidenceType(e.evidence_type),
            evidence_date=e.evidence_date,
            url=e.url,
            filename=e.filename,
            size_bytes=e.size_bytes,
            added_by=added_by,
            added_at=e.added_at,
            withdrawn_at=e.withdrawn_at,
            withdrawn_by=withdrawn_by,
            withdrawn_reason=e.withdrawn_reason,
        )
        for e, ref, locality, added_by, withdrawn_by in rows
    ]


def list_for_action(action_id: int, *, as_at: datetime | None = None) -> list[EvidenceItem]:
    """An action's evidence, newest first, withdrawn items included (one query)."""
    query = _items_query().where(Evidence.action_id == action_id)
    if as_at is not None:
        query = query.where(Evidence.added_at <= as_at)
    return _items(db.session.execute(query).all())


def list_for_sef_month(locality: str, month: str) -> list[EvidenceItem]:
    """A locality's SEF evidence for a month, by the locality's code (one query)."""
    query = _items_query().where(Locality.code == locality, Evidence.sef_month == month)
    return _items(db.session.execute(query).all())


def list_added_between(start: datetime | None, end: datetime) -> list[EvidenceItem]:
    """Evidence added to actions after `start` (all of it when None) up to `end`: a meeting's
    "evidence added since the last meeting"."""
    query = _items_query().where(Evidence.action_id.is_not(None), Evidence.added_at <= end)
    if start is not None:
        query = query.where(Evidence.added_at > start)
    return _items(db.session.execute(query).all())


def get_item(evidence_id: int) -> EvidenceItem:
    row = db.session.execute(_items_query().where(Evidence.id == evidence_id)).first()
    if row is None:
        raise NotFound(f"No evidence {evidence_id}")
    return _items([row])[0]


def count_live(action_id: int) -> int:
    """Evidence items on the action that are not withdrawn: closing with evidence needs one."""
    return db.session.execute(
        select(func.count(Evidence.id)).where(
            Evidence.action_id == action_id, Evidence.withdrawn_at.is_(None)
        )
    ).scalar_one()


def titles_by_action(action_ids: list[int]) -> dict[int, list[str]]:
    """The titles of each action's evidence that is not withdrawn, oldest first (one query)."""
    out: dict[int, list[str]] = {}
    if not action_ids:
        return out
    rows = db.session.execute(
        select(Evidence.action_id, Evidence.title)
        .where(
            and_(Evidence.action_id.in_(action_ids), Evidence.withdrawn_at.is_(None)),
        )
        .order_by(Evidence.action_id, Evidence.added_at, Evidence.id)
    ).all()
    for action_id, title in rows:
        out.setdefault(action_id, []).append(title)
    return out


@dataclass(frozen=True)
class Download:
    path: Path
    filename: str
    content_type: str
    sha256: str


def open_file(
    evidence_id: int, *, actor: Actor | None, now: datetime, store: Path, remote_addr: str = ""
) -> Download:
    """The stored file of an item, for someone who may see what it is about. Anyone else is
    told there is no such thing (NotFound), and the attempt is recorded."""
    row = db.session.get(Evidence, evidence_id)
    if row is None or row.kind != "file" or row.sha256 is None:
        raise NotFound(f"No evidence file {evidence_id}")
    subject = subject_of(row)
    if not may_see(actor, subject):
        record_event(
            "evidence_download_refused",
            now=now,
            user_id=actor.user_id if actor else None,
            target=subject.label,
            detail={"evidence_id": evidence_id},
            remote_addr=remote_addr,
        )
        raise NotFound(f"No evidence file {evidence_id}")
    path = file_path(store, row.sha256)
    if not path.is_file():
        raise NotFound(f"The file of evidence {evidence_id} is missing from the store")
    download = Download(
        path=path,
        filename=row.filename or f"evidence-{row.id}",
        content_type=row.content_type or "application/octet-stream",
        sha256=row.sha256,
    )
    add_event(
        "evidence_downloaded",
        now=now,
        user_id=actor.user_id if actor else None,
        target=subject.label,
        detail={"evidence_id": evidence_id},
        remote_addr=remote_addr,
    )
    db.session.commit()
    return download


# An upload stores its file, then commits its row, within seconds: a file older than this with
# no row (or a partial ".incoming-" file) was left by an upload that failed or was killed.
ORPHAN_AGE_SECONDS = 3600


def sweep_orphans(store: Path, *, now: datetime) -> list[str]:
    """Remove what killed or failed uploads left in the store: partial `.incoming-` files and
    stored files no evidence row names, once older than ORPHAN_AGE_SECONDS. Returns what was
    removed (names relative to the store). Reads the rows in one query per folder."""
    removed: list[str] = []
    if not store.is_dir():
        return removed
    cutoff = now.timestamp() - ORPHAN_AGE_SECONDS
    for folder in sorted(p for p in store.iterdir() if p.is_dir() and len(p.name) == 2):
        old = [p for p in folder.iterdir() if p.is_file() and p.stat().st_mtime < cutoff]
        digests = [p.name for p in old if not p.name.startswith(".")]
        named = (
            set(
                db.session.execute(
                    select(Evidence.sha256).where(Evidence.sha256.in_(digests)).distinct()
                ).scalars()
            )
            if digests
            else set()
        )
        for path in old:
            if path.name.startswith(".incoming-") or (
                not path.name.startswith(".") and path.name not in named
            ):
                path.unlink(missing_ok=True)
                removed.append(f"{folder.name}/{path.name}")
    return removed
