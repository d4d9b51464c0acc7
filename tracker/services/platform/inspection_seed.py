"""The seed's inspection events and their findings. A seed names either one inspection
(`inspection:`, its findings in `recommendations:`, all recommendations) or a list of events
(`inspections:`, each with its framework, dates, judgements and `findings:` of every kind).
Matched on natural keys, so loading twice changes nothing: a finding by its ref, an event of a
list by its framework and title, the one inspection by being there at all."""

from __future__ import annotations

from datetime import UTC, datetime, time
from typing import Any

from sqlalchemy import select

from tracker.domain.calendar import LONDON
from tracker.domain.frameworks import FindingKind, finding_kind_problem, get_framework
from tracker.extensions import db
from tracker.models import Inspection, Recommendation


def load_inspections(
    ref: dict[str, Any], people: dict[str, Any]
) -> tuple[dict[str, Recommendation], dict[str, int]]:
    """Every finding by ref (those already there included), and how many events and findings
    were made. A finding of a kind its event's framework never produces is refused."""
    created = {"inspections": 0, "recommendations": 0}
    recs = {r.ref: r for r in db.session.execute(select(Recommendation)).scalars()}
    existing = list(db.session.execute(select(Inspection).order_by(Inspection.id)).scalars())
    if "inspections" in ref:
        events = [(e, e.get("findings") or []) for e in ref["inspections"]]
    else:
        events = [(ref["inspection"], ref["recommendations"])]
    for e, findings in events:
        if "inspections" in ref:
            found = [i for i in existing if i.framework == e["framework"] and i.title == e["title"]]
        else:
            found = existing[:1]
        inspection = found[0] if found else _new_inspection(e, people)
        created["inspections"] += not found
        framework = get_framework(inspection.framework)
        for n, f in enumerate(findings, start=1):
            if f["ref"] in recs:
                continue
            kind = f.get("kind", FindingKind.RECOMMENDATION.value)
            if problem := finding_kind_problem(framework, kind):
                raise ValueError(f"seed finding {f['ref']}: {problem}")
            recs[f["ref"]] = Recommendation(
                inspection_id=inspection.id,
                ref=f["ref"],
                number=n,
                kind=kind,
                title=f["title"],
                text=f["text"],
                judgement_area=f.get("judgement_area", ""),
                lead_body=f["lead_body"],
                partners=list(f.get("partners") or []),
            )
            db.session.add(recs[f["ref"]])
            created["recommendations"] += 1
    return recs, created


def _new_inspection(e: dict[str, Any], people: dict[str, Any]) -> Inspection:
    sent = e.get("plan_submitted_on")
    recorder = people.get((e.get("plan_submitted_by") or "").lower())
    inspection = Inspection(
        framework=e["framework"],
        title=e.get("title"),
        local_authority=e["local_authority"],
        started_on=e.get("started_on"),
        ended_on=e.get("ended_on"),
        report_received=e.get("report_received"),
        report_published=e["report_published"],
        deadline_anchor=e.get("deadline_anchor", "publication"),
        judgements=[{"area": k, "grade": v} for k, v in (e.get("judgements") or {}).items()],
        plan_submitted_on=sent,
        plan_submitted_recorded_by_id=recorder.id if recorder else None,
        # Recorded at five that afternoon, London time, as someone at the council would have.
        plan_submitted_recorded_at=(
            datetime.combine(sent, time(17, 0), tzinfo=LONDON).astimezone(UTC) if sent else None
        ),
    )
    db.session.add(inspection)
    db.session.flush()
    return inspection
