"""Recording inspection events (issue 20.3): an administrator adds or changes an event with
its framework, dates, judgements and findings, and says which actions answer each finding.
Every problem is found before anything is written; a change is one commit with its audit event."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, insert, select

from tracker.domain.frameworks import FindingKind, get_framework, is_framework
from tracker.domain.inspection_events import (
    EventInput,
    FindingInput,
    a_or_an,
    event_problems,
    framework_change_problems,
    normalise_ref,
)
from tracker.domain.permissions import Actor, Permission, can
from tracker.extensions import db
from tracker.models import Action, Inspection, Recommendation, action_finding
from tracker.services.errors import NotFound
from tracker.services.platform.audit import add_event


class EventRefused(ValueError):
    """The event cannot be saved as entered: `problems` lists (field, message), every one."""

    def __init__(self, problems: list[tuple[str, str]]):
        super().__init__("; ".join(message for _, message in problems))
        self.problems = problems


@dataclass(frozen=True)
class EventPage:
    """An event as its edit form draws it: its findings in order, with the refs of the actions
    answering each (those it is the primary finding of apart: they cannot be unlinked here)."""

    inspection: Inspection
    findings: list[Recommendation]
    primary_actions: dict[int, list[str]]
    linked_actions: dict[int, list[str]]


def get_event(inspection_id: int) -> EventPage:
    """An event with its findings and the actions answering them: three statements."""
    inspection = db.session.get(Inspection, inspection_id)
    if inspection is None:
        raise NotFound(f"No inspection {inspection_id}")
    findings = list(
        db.session.execute(
            select(Recommendation)
            .where(Recommendation.inspection_id == inspection_id)
            .order_by(Recommendation.number, Recommendation.id)
        ).scalars()
    )
    primary: dict[int, list[str]] = {f.id: [] for f in findings}
    linked: dict[int, list[str]] = {f.id: [] for f in findings}
    ids = list(primary)
    rows = db.session.execute(
        select(Action.recommendation_id, Action.ref, Action.id)
        .where(Action.recommendation_id.in_(ids))
        .order_by(Action.ref)
    ).all() + [
        (finding_id, ref, None)
        for finding_id, ref in db.session.execute(
            select(action_finding.c.recommendation_id, Action.ref)
            .join(Action, Action.id == action_finding.c.action_id)
            .where(action_finding.c.recommendation_id.in_(ids))
            .order_by(Action.ref)
        ).all()
    ]
    for finding_id, ref, own in rows:
        (primary if own is not None else linked)[finding_id].append(ref)
    return EventPage(inspection, findings, primary, linked)


def save_event(
    actor: Actor,
    event: EventInput,
    *,
    now: datetime,
    inspection_id: int | None = None,
    default_anchor: str = "publication",
) -> Inspection:
    """Add an inspection event (`inspection_id` None) or change one, with its findings and the
    actions linked to each. Only an administrator. Raises EventRefused listing every problem,
    having written nothing; commits once, with an audit event, when there is none."""
    if not can(actor, Permission.ADMIN):
        raise PermissionError("only an administrator records inspections")
    inspection = None
    if inspection_id is not None:
        inspection = db.session.get(Inspection, inspection_id)
        if inspection is None:
            raise NotFound(f"No inspection {inspection_id}")
    problems = event_problems(event)
    existing = _existing_findings(inspection)
    problems += _problems_with_the_database(event.findings, existing, inspection_id)
    if problems:
        db.session.rollback()
        raise EventRefused(problems)

    framework = get_framework(event.framework)
    created = inspection is None
    if inspection is None:
        inspection = Inspection(deadline_anchor=default_anchor)
        db.session.add(inspection)
    inspection.framework = framework.code
    inspection.title = event.title.strip()
    inspection.local_authority = event.local_authority.strip()
    inspection.started_on = event.started_on
    inspection.ended_on = event.ended_on
    inspection.report_received = event.report_received
    inspection.report_published = event.report_published  # type: ignore[assignment]
    inspection.judgements = [
        {"area": area, "grade": event.judgements[area]}
        for area in framework.areas
        if event.judgements.get(area)
    ]
    db.session.flush()
    added, changed = _write_findings(inspection, event.findings, existing)
    add_event(
        "inspection_added" if created else "inspection_changed",
        now=now,
        user_id=actor.user_id,
        target=f"inspection/{inspection.id}",
        detail={
            "title": inspection.title,
            "framework": framework.name,
            "findings_added": added,
            "findings_changed": changed,
        },
    )
    db.session.commit()
    return inspection


def change_framework(actor: Actor, inspection_id: int, code: str, *, now: datetime) -> Inspection:
    """Make a recorded event another kind of inspection or visit. Only an administrator; only
    when its judgements and findings all fit the new framework (its deadline then follows that
    framework's rule, worked out as it is read). Raises EventRefused naming each judgement and
    finding that does not fit, having written nothing; commits once, with an audit event."""
    if not can(actor, Permission.ADMIN):
        raise PermissionError("only an administrator records inspections")
    inspection = db.session.get(Inspection, inspection_id)
    if inspection is None:
        raise NotFound(f"No inspection {inspection_id}")
    if not is_framework(code):
        raise EventRefused([("framework", "Choose the kind of inspection or visit")])
    was, new = get_framework(inspection.framework), get_framework(code)
    if new.code == was.code:
        already = f"It is already {a_or_an(new.name)}: choose another kind"
        raise EventRefused([("framework", already)])
    findings = db.session.execute(
        select(Recommendation.ref, Recommendation.kind)
        .where(Recommendation.inspection_id == inspection_id)
        .order_by(Recommendation.number, Recommendation.id)
    ).all()
    problems = framework_change_problems(
        new, list(inspection.judgements or []), [(ref, kind) for ref, kind in findings]
    )
    if problems:
        db.session.rollback()
        raise EventRefused([("framework", message) for message in problems])
    inspection.framework = new.code
    add_event(
        "inspection_framework_changed",
        now=now,
        user_id=actor.user_id,
        target=f"inspection/{inspection.id}",
        detail={"title": inspection.title or new.name, "framework": new.name, "was": was.name},
    )
    db.session.commit()
    return inspection


def _existing_findings(inspection: Inspection | None) -> dict[int, Recommendation]:
    if inspection is None:
        return {}
    return {
        r.id: r
        for r in db.session.execute(
            select(Recommendation).where(Recommendation.inspection_id == inspection.id)
        ).scalars()
    }


def _problems_with_the_database(
    findings: tuple[FindingInput, ...],
    existing: dict[int, Recommendation],
    inspection_id: int | None,
) -> list[tuple[str, str]]:
    """Refs another event's finding already has, findings of another event, unknown actions."""
    problems: list[tuple[str, str]] = []
    refs = {normalise_ref(f.ref) for f in findings if f.ref.strip()}
    taken = {
        ref: finding_id
        for ref, finding_id in db.session.execute(
            select(Recommendation.ref, Recommendation.id).where(Recommendation.ref.in_(refs))
        ).all()
    }
    action_refs = {normalise_ref(r) for f in findings for r in f.actions}
    known = set(db.session.execute(select(Action.ref).where(Action.ref.in_(action_refs))).scalars())
    for n, finding in enumerate(findings):
        at = f"findings-{n}-"
        if finding.id is not None and finding.id not in existing:
            problems.append((at + "ref", f"Finding {n + 1} is not one of this inspection's"))
        ref = normalise_ref(finding.ref)
        if ref in taken and taken[ref] != finding.id:
            problems.append((at + "ref", f"Another finding already has the ref {ref}"))
        unknown = sorted({normalise_ref(r) for r in finding.actions} - known)
        if unknown:
            problems.append(
                (at + "actions", f"Finding {n + 1}: there is no action {', '.join(unknown)}")
            )
    if inspection_id is not None and len({f.id for f in findings if f.id}) < len(existing):
        problems.append(("findings", "A finding cannot be removed: every finding stays listed"))
    return problems


def _write_findings(
    inspection: Inspection,
    findings: tuple[FindingInput, ...],
    existing: dict[int, Recommendation],
) -> tuple[list[str], list[str]]:
    """Add new findings, change those that differ, and set each finding's linked actions."""
    added: list[str] = []
    changed: list[str] = []
    number = (
        db.session.execute(
            select(func.max(Recommendation.number)).where(
                Recommendation.inspection_id == inspection.id
            )
        ).scalar()
        or 0
    )
    action_ids = dict(
        db.session.execute(
            select(Action.ref, Action.id).where(
                Action.ref.in_({normalise_ref(r) for f in findings for r in f.actions})
            )
        ).all()
    )
    for finding in findings:
        values = {
            "kind": FindingKind(finding.kind).value,
            "ref": normalise_ref(finding.ref),
            "title": finding.title.strip(),
            "text": finding.text.strip(),
            "judgement_area": finding.judgement_area.strip(),
            "lead_body": finding.lead_body,
        }
        row = existing.get(finding.id) if finding.id is not None else None
        if row is None:
            number += 1
            row = Recommendation(inspection_id=inspection.id, number=number, partners=[], **values)
            db.session.add(row)
            db.session.flush()
            added.append(row.ref)
        elif any(getattr(row, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(row, k, v)
            changed.append(row.ref)
        wanted = {
            action_ids[normalise_ref(r)] for r in finding.actions if normalise_ref(r) in action_ids
        }
        own = set(
            db.session.execute(
                select(Action.id).where(Action.recommendation_id == row.id)
            ).scalars()
        )
        wanted -= own  # the primary finding is never repeated as a link
        linked = set(
            db.session.execute(
                select(action_finding.c.action_id).where(
                    action_finding.c.recommendation_id == row.id
                )
            ).scalars()
        )
        if wanted != linked:
            if linked - wanted:
                db.session.execute(
                    delete(action_finding).where(
                        action_finding.c.recommendation_id == row.id,
                        action_finding.c.action_id.in_(linked - wanted),
                    )
                )
            if wanted - linked:
                db.session.execute(
                    insert(action_finding),
                    [{"action_id": a, "recommendation_id": row.id} for a in wanted - linked],
                )
            if row.ref not in added and row.ref not in changed:
                changed.append(row.ref)
    return added, changed
