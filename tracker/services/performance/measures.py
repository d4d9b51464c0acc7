"""Writing contract measures: a month's value (from the form or a CSV upload) and a new target.

Every write is checked in full before anything is written, and commits once: a CSV upload is
all or nothing, and a dry run writes nothing at all."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import select, tuple_

from tracker.domain import measures as rules
from tracker.domain.measures import MeasureError
from tracker.domain.personal_data import personal_data_message
from tracker.domain.updates import TEXT_LIMIT
from tracker.extensions import db
from tracker.models import Measure, MeasureTarget, MeasureValue
from tracker.services.platform.audit import add_event

CSV_COLUMNS = ("measure", "period", "value", "numerator", "denominator", "narrative")
MAX_CSV_ROWS = 5000


class ValueRejected(Exception):
    """The value cannot be saved; `errors` maps each field to a message."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(errors.values()))
        self.errors = errors


@dataclass(frozen=True)
class CheckedValue:
    measure: Measure
    period: date
    entry: rules.Entry
    narrative: str


def _text(value: str | None, name: str, errors: dict[str, str], *, limit: int = TEXT_LIMIT) -> str:
    text = (value or "").strip()
    if "\x00" in text:
        errors[name] = "The narrative must not contain a NUL character"
    elif len(text) > limit:
        errors[name] = f"The narrative must be {limit:,} characters or fewer"
    else:
        warning = personal_data_message(text)
        if warning:
            errors[name] = warning
    return text


def check_value(
    measure: Measure | None,
    fields: dict[str, str | None],
    *,
    today: date,
) -> CheckedValue:
    """Everything a value must be, field by field: a known measure, a month not in the future
    (a quarter's last month for a quarterly measure), numbers its unit allows, a narrative
    without child-level data. Raises ValueRejected with every problem found."""
    errors: dict[str, str] = {}
    if measure is None:
        errors["measure"] = "Choose a measure from the register"
    period = None
    try:
        period = rules.parse_period(fields.get("period"))
        rules.check_not_future(period, today)
        if (
            measure is not None
            and measure.frequency == "quarterly"
            and not rules.is_quarter_end(period)
        ):
            raise MeasureError(
                f"{measure.code} is reported quarterly: give the quarter's last month "
                "(June, September, December or March)"
            )
    except MeasureError as exc:
        errors["period"] = str(exc)
    numbers: dict[str, Decimal | None] = {}
    for name, what in (
        ("value", "The value"),
        ("numerator", "The numerator"),
        ("denominator", "The denominator"),
    ):
        try:
            numbers[name] = rules.parse_number(fields.get(name), what=what)
        except MeasureError as exc:
            errors[name] = str(exc)
    narrative = _text(fields.get("narrative"), "narrative", errors)
    entry = None
    if measure is not None and not {"value", "numerator", "denominator"} & errors.keys():
        try:
            entry = rules.check_entry(
                numbers["value"],
                numbers["numerator"],
                numbers["denominator"],
                rules.Unit(measure.unit),
            )
        except MeasureError as exc:
            message = str(exc)
            about_value = message.startswith(("The value", "Enter a value"))
            errors["value" if about_value else "numerator"] = message
    if errors:
        raise ValueRejected(errors)
    assert measure is not None and period is not None and entry is not None
    return CheckedValue(measure, period, entry, narrative)


def _write(
    checked: list[CheckedValue], *, actor_id: int | None, now: datetime, source: str
) -> dict[str, int]:
    """Insert or replace each value (the previous figure goes in the audit event)."""
    keys = [(c.measure.id, c.period) for c in checked]
    existing = (
        {
            (v.measure_id, v.period): v
            for v in db.session.execute(
                select(MeasureValue).where(
                    tuple_(MeasureValue.measure_id, MeasureValue.period).in_(keys)
                )
            ).scalars()
        }
        if keys
        else {}
    )
    added = replaced = 0
    changes = []
    for c in checked:
        row = existing.get((c.measure.id, c.period))
        before = None
        if row is None:
            row = MeasureValue(measure_id=c.measure.id, period=c.period)
            db.session.add(row)
            added += 1
        else:
            before = rules.plain(row.value)
            replaced += 1
        row.value = c.entry.value
        row.numerator = c.entry.numerator
        row.denominator = c.entry.denominator
        row.narrative = c.narrative
        row.recorded_at = now
        row.recorded_by_id = actor_id
        changes.append(
            {
                "measure": c.measure.code,
                "period": rules.period_text(c.period),
                "value": rules.plain(c.entry.value),
                "before": before,
            }
        )
    add_event(
        "measure_values_recorded",
        now=now,
        user_id=actor_id,
        target=changes[0]["measure"] if len(changes) == 1 else f"{len(changes)} values",
        detail={"source": source, "added": added, "replaced": replaced, "values": changes[:200]},
    )
    return {"added": added, "replaced": replaced}


def record_value(
    code: str, fields: dict[str, str | None], *, actor_id: int | None, now: datetime, today: date
) -> CheckedValue:
    """Save one month's value for a measure (replacing that month's earlier value, if any)."""
    measure = db.session.execute(select(Measure).where(Measure.code == code)).scalar_one_or_none()
    checked = check_value(measure, fields, today=today)
    _write([checked], actor_id=actor_id, now=now, source="form")
    db.session.commit()
    return checked


# --- CSV upload --------------------------------------------------------------------------------


@dataclass
class ImportResult:
    rows: list[CheckedValue] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)  # (line number, message)
    replacing: int = 0
    written: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors


def import_values(
    content: bytes | str,
    *,
    dry_run: bool,
    actor_id: int | None,
    now: datetime,
    today: date,
) -> ImportResult:
    """Check every row of a CSV of values (columns: measure, period, value, numerator,
    denominator, narrative); write them all only if every row is good and this is not a dry
    run. Errors name the CSV line."""
    result = ImportResult()
    if isinstance(content, bytes):
        try:
            content = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            result.errors.append((1, "The file must be a CSV saved as UTF-8"))
            return result
    if "\x00" in content:
        result.errors.append((1, "The file must be a CSV (it contains a NUL character)"))
        return result
    reader = csv.DictReader(io.StringIO(content))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in ("measure", "period") if c not in header]
    if missing or not ({"value", "numerator"} & set(header)):
        result.errors.append((1, "The first line must name the columns: " + ", ".join(CSV_COLUMNS)))
        return result
    unknown = [h for h in header if h not in CSV_COLUMNS]
    if unknown:
        result.errors.append(
            (1, f"Unknown column {unknown[0]!r}: the columns are " + ", ".join(CSV_COLUMNS))
        )
        return result
    reader.fieldnames = header
    measures = {m.code.lower(): m for m in db.session.execute(select(Measure)).scalars()}
    seen: dict[tuple[int, date], int] = {}
    for row in reader:
        line = reader.line_num
        if len(result.rows) + len(result.errors) >= MAX_CSV_ROWS:
            result.errors.append((line, f"A file may hold at most {MAX_CSV_ROWS:,} rows"))
            break
        if None in row:
            result.errors.append((line, "This row has more cells than the header"))
            continue
        cells = {k: (v or "") for k, v in row.items()}
        if not any(cells.values()):
            continue
        code = cells.get("measure", "").strip()
        try:
            checked = check_value(measures.get(code.lower()), cells, today=today)
        except ValueRejected as exc:
            for name, message in exc.errors.items():
                if name == "measure":
                    message = f"Unknown measure {code!r}" if code else "The measure code is missing"
                result.errors.append((line, f"{name}: {message}"))
            continue
        key = (checked.measure.id, checked.period)
        if key in seen:
            result.errors.append(
                (
                    line,
                    f"{checked.measure.code} {rules.period_text(checked.period)} "
                    f"is also on line {seen[key]}",
                )
            )
            continue
        seen[key] = line
        result.rows.append(checked)
    if not result.rows and not result.errors:
        result.errors.append((1, "The file has no values"))
    if result.errors:
        return result
    keys = list(seen)
    result.replacing = len(
        db.session.execute(
            select(MeasureValue.id).where(
                tuple_(MeasureValue.measure_id, MeasureValue.period).in_(keys)
            )
        ).all()
    )
    if dry_run:
        return result
    _write(result.rows, actor_id=actor_id, now=now, source="csv")
    db.session.commit()
    result.written = True
    return result


# --- Targets -----------------------------------------------------------------------------------


def set_target(
    code: str,
    fields: dict[str, str | None],
    *,
    actor_id: int | None,
    now: datetime,
) -> MeasureTarget:
    """A new target and tolerance in force from a month (the annual contract review). Earlier
    targets are kept: a month that already has a change is refused, not overwritten."""
    measure = db.session.execute(select(Measure).where(Measure.code == code)).scalar_one_or_none()
    errors: dict[str, str] = {}
    if measure is None:
        raise ValueRejected({"measure": "Choose a measure from the register"})
    effective_from = None
    try:
        effective_from = rules.parse_period(fields.get("effective_from"))
    except MeasureError as exc:
        errors["effective_from"] = str(exc)
    numbers: dict[str, Decimal | None] = {}
    for name in ("target", "tolerance"):
        try:
            numbers[name] = rules.parse_number(fields.get(name), what=f"The {name}")
        except MeasureError as exc:
            errors[name] = str(exc)
    reason = _text(fields.get("reason"), "reason", errors, limit=1000)
    if not reason and "reason" not in errors:
        errors["reason"] = "Say why the target changes (for example, the annual contract review)"
    if not {"target", "tolerance"} & errors.keys():
        try:
            rules.check_target(
                numbers["target"],
                numbers["tolerance"],
                rules.Polarity(measure.polarity),
                rules.Unit(measure.unit),
            )
        except MeasureError as exc:
            errors["tolerance" if numbers["tolerance"] is not None else "target"] = str(exc)
    if effective_from is not None and "effective_from" not in errors:
        clash = db.session.execute(
            select(MeasureTarget.id).where(
                MeasureTarget.measure_id == measure.id,
                MeasureTarget.effective_from == effective_from,
            )
        ).first()
        if clash:
            errors["effective_from"] = (
                f"A target already takes effect from {rules.period_label(effective_from)}: targets "
                "are never overwritten, so choose a later month"
            )
    if errors:
        raise ValueRejected(errors)
    row = MeasureTarget(
        measure_id=measure.id,
        effective_from=effective_from,
        target=numbers["target"],
        tolerance=numbers["tolerance"],
        reason=reason,
        recorded_at=now,
        recorded_by_id=actor_id,
    )
    db.session.add(row)
    add_event(
        "measure_target_set",
        now=now,
        user_id=actor_id,
        target=measure.code,
        detail={
            "from": rules.period_text(effective_from),
            "target": rules.plain(numbers["target"]),
            "tolerance": rules.plain(numbers["tolerance"]),
        },
    )
    db.session.commit()
    return row
