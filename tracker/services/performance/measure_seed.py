"""Loading the illustrative contract measures (seed/measures.yaml, seed/measure_values.csv)."""

from __future__ import annotations

import csv
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import yaml
from sqlalchemy import select

from tracker.domain import measures as rules
from tracker.extensions import db
from tracker.models import (
    Action,
    Measure,
    MeasureTarget,
    MeasureValue,
    Recommendation,
    measure_action,
    measure_recommendation,
)


def _number(value: object) -> Decimal | None:
    return None if value is None or value == "" else Decimal(str(value))


def _month(text: str) -> date:
    return rules.parse_period(str(text))


FIELDS = frozenset(
    {
        "code",
        "title",
        "definition",
        "area",
        "kind",
        "polarity",
        "unit",
        "frequency",
        "basis",
        "numerator",
        "denominator",
        "targets",
        "recommendations",
        "actions",
    }
)
TEXT_FIELDS = ("code", "title", "definition", "numerator", "denominator")


def check_entry(m: dict) -> None:
    """A register entry holds only known fields, with text where text belongs. In YAML's flow
    style (`{code: B12, title: ...}`) an unquoted comma ends a value and the rest becomes a
    field of its own, so a title cut at a comma shows here as an unknown field."""
    code = m.get("code", "?")
    unknown = sorted(str(k) for k in m if k not in FIELDS)
    if unknown:
        raise ValueError(
            f"measures.yaml, {code}: unknown field {unknown[0]!r} (quote a value that holds a "
            "comma)"
        )
    for name in TEXT_FIELDS:
        if name in m and not isinstance(m[name], str):
            raise ValueError(f"measures.yaml, {code}: {name} must be text")


def load_measures(seed_dir: Path, *, now: datetime) -> dict[str, int]:
    """Create the measures the database lacks (matched on code), with their targets, links and
    values. Loading twice changes nothing."""
    register = seed_dir / "measures.yaml"
    if not register.exists():
        return {"measures": 0, "measure_values": 0}
    data = yaml.safe_load(register.read_text(encoding="utf-8"))
    default_from = str(data["defaults"]["targets_from"])  # the month targets apply from
    existing = set(db.session.execute(select(Measure.code)).scalars())
    recs = {r.ref: r.id for r in db.session.execute(select(Recommendation)).scalars()}
    action_ids = dict(db.session.execute(select(Action.ref, Action.id)).all())
    created: dict[str, Measure] = {}
    positions: dict[str, int] = {}
    for m in data["measures"]:
        check_entry(m)
        positions[m["area"]] = positions.get(m["area"], 0) + 1
        if m["code"] in existing:
            continue
        measure = Measure(
            code=m["code"],
            title=m["title"],
            definition=m.get("definition", ""),
            area=m["area"],
            kind=m["kind"],
            polarity=m["polarity"],
            unit=m["unit"],
            frequency=m["frequency"],
            quarter_basis=m.get("basis", "latest"),
            numerator_label=m.get("numerator", ""),
            denominator_label=m.get("denominator", ""),
            position=positions[m["area"]],
        )
        db.session.add(measure)
        created[m["code"]] = measure
    if not created:
        return {"measures": 0, "measure_values": 0}
    db.session.flush()
    link_recs, link_actions, targets = [], [], []
    for m in data["measures"]:
        measure = created.get(m["code"])
        if measure is None:
            continue
        for t in m.get("targets") or [{}]:
            target, tolerance = _number(t.get("target")), _number(t.get("tolerance"))
            rules.check_target(
                target, tolerance, rules.Polarity(m["polarity"]), rules.Unit(m["unit"])
            )
            targets.append(
                {
                    "measure_id": measure.id,
                    "effective_from": _month(t.get("from", default_from)),
                    "target": target,
                    "tolerance": tolerance,
                    "reason": t.get("reason", "Contract year 1 target (illustrative)."),
                    "recorded_at": now,
                    "recorded_by_id": None,
                }
            )
        link_recs += [
            {"measure_id": measure.id, "recommendation_id": recs[ref]}
            for ref in m.get("recommendations", [])
            if ref in recs
        ]
        link_actions += [
            {"measure_id": measure.id, "action_id": action_ids[ref]}
            for ref in m.get("actions", [])
            if ref in action_ids
        ]
    db.session.execute(MeasureTarget.__table__.insert(), targets)
    if link_recs:
        db.session.execute(measure_recommendation.insert(), link_recs)
    if link_actions:
        db.session.execute(measure_action.insert(), link_actions)
    values = []
    values_file = seed_dir / "measure_values.csv"
    if values_file.exists():
        with values_file.open(newline="", encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                measure = created.get(row["measure"])
                if measure is None:
                    continue
                values.append(
                    {
                        "measure_id": measure.id,
                        "period": _month(row["period"]),
                        "value": Decimal(row["value"]),
                        "numerator": _number(row["numerator"]),
                        "denominator": _number(row["denominator"]),
                        "narrative": row["narrative"],
                        "recorded_at": now,
                        "recorded_by_id": None,
                    }
                )
    if values:
        db.session.execute(MeasureValue.__table__.insert(), values)
    return {"measures": len(created), "measure_values": len(values)}
