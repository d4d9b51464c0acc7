"""Monthly locality SEFs: every save is a new version, drafts and submissions alike."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import and_, func, select
from sqlalchemy.exc import IntegrityError

from tracker.domain import sef as rules
from tracker.domain.areas import asked_for
from tracker.domain.permissions import Actor, Permission, Target, can
from tracker.domain.personal_data import personal_data_message
from tracker.domain.sef import DEFAULT_DUE_WORKING_DAY, SefStatus
from tracker.extensions import db
from tracker.models import Locality, SefVersion, User
from tracker.services.errors import NotFound
from tracker.services.plan import queries
from tracker.services.plan.updates import Forbidden
from tracker.services.platform.audit import add_event


class SefRejected(Exception):
    """Some fields break a rule or hold personal data: field -> message. Nothing was written."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


class SefConflict(Exception):
    """Someone saved a newer version since the form was drawn. Nothing was written."""

    def __init__(self, expected_version: int, current_version: int):
        super().__init__(f"the SEF is at version {current_version}, not {expected_version}")
        self.expected_version = expected_version
        self.current_version = current_version


@dataclass(frozen=True)
class SefVersionView:
    """One saved version, as plain values."""

    version: int
    status: str  # draft | submitted
    values: dict[str, str]  # every field in rules.FIELDS; "" when empty
    author_name: str | None
    saved_at: datetime
    late: bool
    # The council's own sections it answered, under the headings asked then.
    own: tuple[rules.OwnAnswer, ...] = ()

    @property
    def submitted(self) -> bool:
        return self.status == "submitted"


@dataclass
class SefView:
    locality_code: str
    locality_name: str
    month: str
    month_label: str
    due_on: date
    status: SefStatus
    versions: list[SefVersionView] = field(default_factory=list)  # oldest first

    @property
    def latest(self) -> SefVersionView | None:
        return self.versions[-1] if self.versions else None

    @property
    def latest_submitted(self) -> SefVersionView | None:
        return next((v for v in reversed(self.versions) if v.submitted), None)

    def version(self, number: int) -> SefVersionView | None:
        return next((v for v in self.versions if v.version == number), None)

    def own_asked(self, in_force: Sequence[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
        """The council's own sections the next save answers: those its latest version was asked
        (a SEF keeps its sections once begun), else those in force for its month."""
        if self.latest is not None:
            return tuple((s.heading, s.hint) for s in self.latest.own)
        return tuple(in_force)


@dataclass(frozen=True)
class SefCell:
    """One locality's SEF for one month, on the chair's grid."""

    locality_code: str
    locality_name: str
    month: str
    due_on: date
    status: SefStatus
    versions: int
    last_saved_at: datetime | None
    # False for a month that began after its area was retired: no SEF is asked of it then.
    asked: bool = True
    retired: bool = False  # the area is retired now

    @property
    def late(self) -> bool:
        return self.status is SefStatus.SUBMITTED_LATE

    @property
    def missing(self) -> bool:
        return self.status is SefStatus.MISSING

    @property
    def has_draft(self) -> bool:
        return self.versions > 0


@dataclass
class SefMonthRow:
    month: str
    month_label: str
    due_on: date
    cells: list[SefCell] = field(default_factory=list)


def may_edit(actor: Actor | None, locality_code: str) -> bool:
    """The locality's own head of service (or their named deputy) writes its SEF."""
    return can(actor, Permission.SUBMIT_RETURN, Target(locality=locality_code))


def may_read_drafts(actor: Actor | None, locality_code: str) -> bool:
    """Unsubmitted SEF text is private to the locality's head, their deputy and the admin."""
    return can(actor, Permission.READ_SEF_DRAFT, Target(locality=locality_code))


def _month(month: str) -> str:
    parsed = rules.parse_month(month)
    if parsed is None:
        raise NotFound(f"No month {month}")
    return parsed


def _locality(code: str) -> Locality:
    return queries.get_locality(code)


def _values(row: SefVersion) -> dict[str, str]:
    return {name: getattr(row, name) or "" for name in rules.FIELDS}


def get_sef(
    locality_code: str,
    month: str,
    *,
    today: date,
    due_working_day: int = DEFAULT_DUE_WORKING_DAY,
    drafts_visible: bool = True,
) -> SefView:
    """One locality's SEF for one month with every version, oldest first: two queries.
    Drafts are private to the locality's head, their deputy and the admin: for anyone else
    (`drafts_visible=False`) only submitted versions are listed; the status still counts them."""
    month = _month(month)
    locality = _locality(locality_code)
    due = rules.due_on(month, due_working_day)
    rows = db.session.execute(
        select(SefVersion, User.name)
        .outerjoin(User, User.id == SefVersion.author_id)
        .where(SefVersion.locality_id == locality.id, SefVersion.month == month)
        .order_by(SefVersion.version)
    ).all()
    versions = [
        SefVersionView(
            version=row.version,
            status=row.status,
            values=_values(row),
            author_name=name,
            saved_at=row.saved_at,
            late=row.status == "submitted" and rules.is_late(row.saved_at, due),
            own=rules.own_answers(row.own_sections),
        )
        for row, name in rows
    ]
    return SefView(
        locality_code=locality.code,
        locality_name=locality.name,
        month=month,
        month_label=rules.month_label(month),
        due_on=due,
        status=rules.sef_status(versions, due, today),
        versions=versions if drafts_visible else [v for v in versions if v.submitted],
    )


def _clean(fields: Mapping[str, str | None]) -> dict[str, str]:
    """What was typed, trimmed, with Windows line endings made plain."""
    return {name: (fields.get(name) or "").replace("\r\n", "\n").strip() for name in rules.FIELDS}


def save_sef(
    locality_code: str,
    month: str,
    fields: Mapping[str, str | None],
    *,
    submit: bool,
    actor: Actor,
    now: datetime,
    expected_version: int | None = None,
    remote_addr: str = "",
    own_sections: Sequence[tuple[str, str]] = (),
    asked_sections: Sequence[str] | None = None,
    own_answers: Sequence[str] = (),
) -> int:
    """Save a new version (a draft, or a submission that answers everything), never touching
    an earlier one. Free text that looks like child-level data is refused. Returns the version.
    `own_sections` (heading, hint) are the council's own sections asked, `own_answers` their
    answers in the same order; they are kept with the version under those headings.
    `asked_sections` names the focused sections the set-up asks (None: both); a submission
    answers those. Raises NotFound, Forbidden, SefRejected or SefConflict; nothing is written
    when it raises."""
    month = _month(month)
    if not may_edit(actor, locality_code):
        raise Forbidden(locality_code)
    locality = _locality(locality_code)
    values = _clean(fields)
    answers = [
        (own_answers[i] if i < len(own_answers) else "").replace("\r\n", "\n").strip()
        for i in range(len(own_sections))
    ]
    own = [(heading, answer) for (heading, _), answer in zip(own_sections, answers, strict=True)]
    errors = rules.check_sef(values, submitting=submit, own=own, asked=asked_sections)
    for name in rules.TEXT_FIELDS:
        message = personal_data_message(values[name])
        if message and name not in errors:
            errors[name] = message
    for number, answer in enumerate(answers, start=1):
        message = personal_data_message(answer)
        if message and f"own_{number}" not in errors:
            errors[f"own_{number}"] = message
    if errors:
        raise SefRejected(errors)
    current = db.session.execute(
        select(func.coalesce(func.max(SefVersion.version), 0)).where(
            SefVersion.locality_id == locality.id, SefVersion.month == month
        )
    ).scalar_one()
    if expected_version is not None and expected_version != current:
        raise SefConflict(expected_version, current)
    version = current + 1
    status = "submitted" if submit else "draft"
    db.session.add(
        SefVersion(
            locality_id=locality.id,
            month=month,
            version=version,
            status=status,
            author_id=actor.user_id,
            saved_at=now,
            **{name: values[name] for name in rules.TEXT_FIELDS},
            self_grade=values[rules.SELF_GRADE] or None,
            own_sections=[
                {"heading": heading, "hint": hint, "answer": answer}
                for (heading, hint), answer in zip(own_sections, answers, strict=True)
            ],
        )
    )
    add_event(
        "sef_submitted" if submit else "sef_draft_saved",
        now=now,
        user_id=actor.user_id,
        target=f"{locality_code} SEF {month}",
        detail={"version": version, "status": status},
        remote_addr=remote_addr,
    )
    try:
        db.session.commit()
    except IntegrityError:
        # Another save took this version number at the same moment.
        db.session.rollback()
        raise SefConflict(expected_version or current, version) from None
    return version


@dataclass
class SefComparison:
    sef: SefView
    a: SefVersionView | None
    b: SefVersionView | None
    changes: list[rules.FieldChange]

    @property
    def changed(self) -> int:
        return sum(c.changed for c in self.changes)


def compare_sef(
    locality_code: str,
    month: str,
    a: int | None,
    b: int | None,
    *,
    today: date,
    due_working_day: int = DEFAULT_DUE_WORKING_DAY,
    drafts_visible: bool = True,
) -> SefComparison:
    """Two versions of one SEF side by side (by default the latest and the one before it),
    each field marked changed or not. Raises NotFound for a version that does not exist."""
    sef = get_sef(
        locality_code,
        month,
        today=today,
        due_working_day=due_working_day,
        drafts_visible=drafts_visible,
    )
    if not sef.versions:
        if a is not None or b is not None:
            raise NotFound("This SEF has no versions yet")
        return SefComparison(sef, None, None, [])
    numbers = [v.version for v in sef.versions]  # only the versions this person may see
    b = numbers[-1] if b is None else b
    if a is None:
        earlier = [n for n in numbers if n < b]
        a = earlier[-1] if earlier else b
    older, newer = sef.version(a), sef.version(b)
    if older is None or newer is None:
        raise NotFound(f"No version {a if older is None else b}")
    changes = rules.compare_versions(older.values, newer.values)
    # The council's own sections after the standard ones, before the evidence and self-grade.
    at = len(rules.REQUIRED_TEXT)
    changes[at:at] = rules.compare_own(older.own, newer.own)
    return SefComparison(sef, older, newer, changes)


@dataclass(frozen=True)
class _Stamp:
    status: str
    saved_at: datetime


def list_sef_grid(
    months: list[str],
    today: date,
    *,
    locality: str | None = None,
    due_working_day: int = DEFAULT_DUE_WORKING_DAY,
) -> list[SefMonthRow]:
    """Every locality's SEF (or one locality's) for each month, newest month first, with late
    and missing ones flagged: two queries, whatever the number of months and versions."""
    query = select(Locality).order_by(Locality.id)
    if locality is not None:
        query = query.where(Locality.code == locality)
    localities = list(db.session.execute(query).scalars())
    by_cell: dict[tuple[int, str], list[_Stamp]] = defaultdict(list)
    if months and localities:
        rows = db.session.execute(
            select(
                SefVersion.locality_id, SefVersion.month, SefVersion.status, SefVersion.saved_at
            ).where(
                SefVersion.month.in_(months),
                SefVersion.locality_id.in_([loc.id for loc in localities]),
            )
        ).all()
        for locality_id, month, status, saved_at in rows:
            by_cell[(locality_id, month)].append(_Stamp(status, saved_at))
    grid = []
    for month in sorted(months, reverse=True):
        due = rules.due_on(month, due_working_day)
        row = SefMonthRow(month=month, month_label=rules.month_label(month), due_on=due)
        for loc in localities:
            stamps = by_cell.get((loc.id, month), [])
            asked = bool(stamps) or asked_for(loc.retired_at, date.fromisoformat(f"{month}-01"))
            row.cells.append(
                SefCell(
                    locality_code=loc.code,
                    locality_name=loc.name,
                    month=month,
                    due_on=due,
                    status=rules.sef_status(stamps, due, today) if asked else SefStatus.NOT_STARTED,
                    versions=len(stamps),
                    last_saved_at=max((s.saved_at for s in stamps), default=None),
                    asked=asked,
                    retired=loc.retired_at is not None,
                )
            )
        grid.append(row)
    return grid


def sef_submissions(months: list[str]) -> dict[tuple[str, str], bool]:
    """For the chasing: (locality code, month) -> whether a submitted version exists, for every
    locality and each of `months`. One query."""
    rows = db.session.execute(
        select(Locality.code, SefVersion.month)
        .outerjoin(
            SefVersion,
            and_(
                SefVersion.locality_id == Locality.id,
                SefVersion.status == "submitted",
                SefVersion.month.in_(months or [""]),
            ),
        )
        .distinct()
    ).all()
    codes = {code for code, _ in rows}
    submitted = {(code, month) for code, month in rows if month is not None}
    return {(code, month): (code, month) in submitted for code in codes for month in months}
