"""Importing the plan from a spreadsheet (CSV or XLSX, in the export's columns).

A dry run reads the file, checks every row against a snapshot of the plan (loaded in a fixed
number of queries) and reports every problem and every change. Applying does the same checks
again and, when there is no problem at all, writes every change through the plan-change
services (cause 'import', so the action's history shows it) in ONE transaction: all or nothing.
Either way the import is recorded as an audit event (who, the file, the counts)."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Protocol

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import aliased

from tracker.domain import imports as rules
from tracker.domain.imports import (
    ActionNow,
    ImportPlan,
    Problem,
    ReadLimits,
    Snapshot,
    UnreadableFile,
)
from tracker.domain.permissions import Actor
from tracker.domain.plan_changes import FieldChange, NewAction, PlanEntry, next_ref
from tracker.domain.states import Impact, Lifecycle
from tracker.extensions import db
from tracker.models import (
    Action,
    ActionDependency,
    ActionState,
    AuditEvent,
    Inspection,
    Organisation,
    Plan,
    Recommendation,
    User,
    action_partner,
)
from tracker.services import search
from tracker.services.exchange.exports import BOM
from tracker.services.plan.plan_changes import PlanConflict, add_action, edit_action, record_edits
from tracker.services.plan.updates import Rejected
from tracker.services.platform.audit import add_event

KEEP_SECONDS = 3600  # an uploaded file waits this long for "Apply"


# The two ends of a dependency: built once, not per query.
_DEPENDENT, _PREREQ = aliased(Action), aliased(Action)


@dataclass
class ImportResult:
    filename: str
    digest: str  # sha256 of the file: the page's Apply re-checks the same file
    dry_run: bool
    applied: bool = False
    refused: str = ""  # a message when the file could not be read at all
    plan: ImportPlan = field(default_factory=ImportPlan)
    sheets: list[str] = field(default_factory=list)

    @property
    def problems(self) -> list[Problem]:
        return self.plan.problems

    @property
    def ok(self) -> bool:
        return not self.refused and not self.plan.problems


class MappedSheet(Protocol):
    """A sheet in another shape, mapped to the export's columns."""

    def sheets(self) -> list[rules.Sheet]: ...

    def prepare(self, snapshot: Snapshot) -> None: ...

    def check(self, plan: ImportPlan, snapshot: Snapshot) -> list[Problem]: ...

    def in_sheet_terms(self, problems: list[Problem]) -> list[Problem]: ...

    def applied(self, actor: Actor | None, now: datetime) -> None: ...

    def detail(self) -> dict: ...


def limits_from(config) -> ReadLimits:
    """The read limits an app's settings give (TRACKER_IMPORT_MAX_ROWS, _CELLS, _UNZIPPED_MB)."""
    default = ReadLimits()
    return ReadLimits(
        rows=config.get("IMPORT_MAX_ROWS", default.rows),
        cells=config.get("IMPORT_MAX_CELLS", default.cells),
        unzipped_bytes=config.get("IMPORT_MAX_UNZIPPED_BYTES", default.unzipped_bytes),
    )


def digest_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def load_snapshot() -> Snapshot:
    """The plan as plain values, for checking a file: seven queries, whatever its size."""
    plans: dict[str, str] = {}
    kinds: dict[str, str] = {}
    for code, name, kind in db.session.execute(select(Plan.code, Plan.name, Plan.kind)).all():
        plans[name.lower()] = code
        plans[code.lower()] = code
        kinds[code] = kind
    recommendation_rows = {
        ref: rules.RecommendationNow(
            ref=ref,
            title=title.strip(),
            text=(text or "").strip(),
            judgement_area=(area or "").strip(),
            lead_body=lead_body,
            partners=tuple(p.strip() for p in (partners or []) if p and p.strip()),
        )
        for ref, title, text, area, lead_body, partners in db.session.execute(
            select(
                Recommendation.ref,
                Recommendation.title,
                Recommendation.text,
                Recommendation.judgement_area,
                Recommendation.lead_body,
                Recommendation.partners,
            )
        ).all()
    }
    recommendations = set(recommendation_rows)
    organisations: dict[str, str] = {}
    for code, name in db.session.execute(select(Organisation.code, Organisation.name)).all():
        organisations[code.lower()] = code
        organisations[name.lower()] = code
    by_email: dict[str, int] = {}
    by_name: dict[str, list[int]] = {}
    leads: dict[int, tuple[str, str]] = {}
    active_ids: set[int] = set()
    lead_ids = select(Action.lead_user_id).where(Action.lead_user_id.is_not(None))
    for uid, name, email, active in db.session.execute(
        select(User.id, User.name, User.email, User.active).where(
            User.active.is_(True) | User.id.in_(lead_ids)
        )
    ).all():
        leads[uid] = (name.strip().lower(), (email or "").lower())
        if not active:
            continue
        active_ids.add(uid)
        if email:
            by_email[email.lower()] = uid
        by_name.setdefault(name.strip().lower(), []).append(uid)
    partners: dict[int, list[str]] = {}
    for action_id, code in db.session.execute(
        select(action_partner.c.action_id, Organisation.code).join(
            Organisation, Organisation.id == action_partner.c.organisation_id
        )
    ).all():
        partners.setdefault(action_id, []).append(code)
    depends: dict[str, set[str]] = {}
    for a, b in db.session.execute(
        select(_DEPENDENT.ref, _PREREQ.ref)
        .select_from(ActionDependency)
        .join(_DEPENDENT, _DEPENDENT.id == ActionDependency.action_id)
        .join(_PREREQ, _PREREQ.id == ActionDependency.depends_on_id)
    ).all():
        depends.setdefault(a, set()).add(b)
    lifecycle_labels = {s.value: s.label for s in Lifecycle}
    impact_labels = {i.value: i.label for i in Impact}
    actions: dict[str, ActionNow] = {}
    rows = db.session.execute(
        select(
            Action.id,
            Action.ref,
            Action.title,
            Action.description,
            Action.lead_user_id,
            Action.success_measure,
            Action.start_date,
            Action.target_date,
            Action.plan_version,
            Plan.code,
            Recommendation.ref,
            Organisation.code,
            ActionState.lifecycle,
            ActionState.rag,
            ActionState.impact,
            ActionState.summary,
        )
        .join(Plan, Plan.id == Action.plan_id)
        .join(Recommendation, Recommendation.id == Action.recommendation_id)
        .join(Organisation, Organisation.id == Action.lead_organisation_id)
        .join(ActionState, ActionState.action_id == Action.id)
    ).all()
    for (
        action_id,
        ref,
        title,
        description,
        lead_user_id,
        success_measure,
        start_date,
        target_date,
        plan_version,
        plan_code,
        rec_ref,
        org_code,
        lifecycle,
        rag,
        impact,
        summary,
    ) in rows:
        closed = Lifecycle(lifecycle).is_closed
        actions[ref] = ActionNow(
            ref=ref,
            plan_code=plan_code,
            recommendation=rec_ref,
            entry=PlanEntry(
                title=title.strip(),
                description=(description or "").strip(),
                lead=str(lead_user_id or ""),
                lead_organisation=org_code,
                partners=tuple(sorted(partners.get(action_id, []))),
                success_measure=(success_measure or "").strip(),
            ),
            start_date=start_date,
            target_date=target_date,
            lifecycle=lifecycle,
            lifecycle_label=lifecycle_labels[lifecycle],
            closed=closed,
            rag="" if closed or not rag else rag.capitalize(),
            impact_label=impact_labels[impact],
            summary=(summary or "").strip(),
            plan_version=plan_version,
            depends_on=frozenset(depends.get(ref, ())),
        )
    refs_by_plan: dict[str, list[str]] = {code: [] for code in kinds}
    for a in actions.values():
        refs_by_plan[a.plan_code].append(a.ref)
    # A plan's refs follow its own sequence; a plan with no action yet takes the council's own.
    next_refs = {
        code: next_ref(kinds[code], code, refs) for code, refs in refs_by_plan.items() if refs
    }
    return Snapshot(
        plans,
        next_refs,
        recommendations,
        organisations,
        by_email,
        by_name,
        actions,
        leads=leads,
        active_ids=active_ids,
        recommendation_rows=recommendation_rows,
    )


def run_import(
    filename: str,
    data: bytes,
    *,
    dry_run: bool,
    actor: Actor | None,
    now: datetime,
    max_bytes: int,
    remote_addr: str = "",
    progress: Callable[[str, int, int], None] | None = None,
    limits: ReadLimits | None = None,
    mapped: MappedSheet | None = None,
) -> ImportResult:
    """Check the file (and, unless `dry_run`, apply it all or not at all). `progress` is told
    (stage, done, total) as rows are checked and written; the file is read within `limits`
    (the defaults unless given). A sheet in another shape comes `mapped` to the export's
    columns (tracker/services/exchange/mapped_imports.py): the same checks, the same transaction."""
    filename = filename.replace("\x00", "")[:200] or "import"  # as kept in the audit log
    result = ImportResult(filename=filename, digest=digest_of(data), dry_run=dry_run)
    user_id = actor.user_id if actor else None
    if len(data) > max_bytes:
        result.refused = (
            f"The file is {len(data) / 1_048_576:.1f} MB: the largest file that can be imported "
            f"is {max_bytes / 1_048_576:.0f} MB. Split it, or import the plans one at a time."
        )
    elif not data:
        result.refused = "The file is empty: choose the file to import."
    else:
        try:
            if mapped is None:
                sheets, read_problems = rules.read_file(filename, data, limits)
            else:
                sheets, read_problems = mapped.sheets(), []
        except UnreadableFile as exc:
            result.refused = str(exc)
        else:
            result.sheets = [s.name for s in sheets]
            total = sum(len(s.rows) for s in sheets)
            snapshot = load_snapshot()
            if mapped is not None:
                mapped.prepare(snapshot)
            tell = (lambda done: progress("Checking", done, total)) if progress else None
            result.plan = rules.plan_import(sheets, snapshot, progress=tell)
            if mapped is not None:
                read_problems = mapped.check(result.plan, snapshot)
                result.plan.problems = mapped.in_sheet_terms(result.plan.problems)
                result.plan.notices = mapped.in_sheet_terms(result.plan.notices)
                read_problems = mapped.in_sheet_terms(read_problems)
            result.plan.problems = rules.sort_problems(
                read_problems + result.plan.problems, result.sheets
            )
            if read_problems:
                result.plan.clear_changes()
            if not dry_run and result.ok and result.plan.changes:
                try:
                    _apply(result, actor, now, remote_addr, progress)
                    if mapped is not None:
                        mapped.applied(actor, now)
                    result.applied = True
                except (Rejected, PlanConflict) as exc:
                    db.session.rollback()
                    result.plan.problems = [_as_problem(exc, result.plan)]
                    result.plan.clear_changes()
                except Exception:
                    db.session.rollback()  # all or nothing, whatever went wrong
                    raise
    detail = {
        "file": filename[:200],
        "sha256": result.digest,
        "dry_run": dry_run,
        "applied": result.applied,
        "bytes": len(data),
        **result.plan.summary(),
        **(mapped.detail() if mapped is not None else {}),
    }
    if result.refused:
        detail["refused"] = result.refused[:300]
    add_event(
        "import",
        now=now,
        user_id=user_id,
        target=filename[:300],
        detail=detail,
        remote_addr=remote_addr,
    )
    db.session.commit()
    return result


def _as_problem(exc: Exception, plan: ImportPlan) -> Problem:
    if isinstance(exc, PlanConflict):
        return Problem(
            "",
            0,
            "Ref",
            f"{exc.ref} was changed while the file was imported: nothing was "
            "written. Check the file again.",
        )
    errors = getattr(exc, "errors", {}) or {}
    return Problem("", 0, "", "Nothing was written: " + "; ".join(errors.values()))


def _apply(
    result: ImportResult,
    actor: Actor | None,
    now: datetime,
    remote_addr: str,
    progress: Callable[[str, int, int], None] | None,
) -> None:
    """Write every change without committing (the caller commits once)."""
    plan = result.plan
    reason = f"Imported from {result.filename}"[:200]
    author_id = actor.user_id if actor else None
    total = plan.changes
    done = 0

    def step() -> None:
        nonlocal done
        done += 1
        if progress and (done % 50 == 0 or done == total):
            progress("Writing", done, total)

    _apply_recommendations(plan, result.filename, actor, now, remote_addr, step)
    for new in plan.new_actions:
        add_action(
            new.plan_code,
            NewAction(
                recommendation=new.recommendation,
                title=new.entry.title,
                description=new.entry.description,
                lead_organisation=new.entry.lead_organisation,
                start_date=new.start_date,
                target_date=new.target_date,
                success_measure=new.entry.success_measure,
                reason=reason,
            ),
            lead_user_id=int(new.entry.lead) if new.entry.lead else None,
            partners=new.entry.partners,
            actor=actor,
            now=now,
            cause="import",
            remote_addr=remote_addr,
            ref=new.ref,
            commit=False,
            first_state=plan.initial_states.get(new.ref),
        )
        step()
    for edit in plan.edits:
        version = edit.plan_version
        if edit.entry is not None:
            version = edit_action(
                edit.ref,
                edit.entry,
                reason=reason,
                expected_plan_version=version,
                actor=actor,
                now=now,
                cause="import",
                remote_addr=remote_addr,
                commit=False,
            )
        if edit.start_date or edit.target_date:
            _move_dates(edit, version, reason=reason, author_id=author_id, now=now)
        step()
    if plan.dependencies:
        ids = dict(
            db.session.execute(
                select(Action.ref, Action.id).where(
                    Action.ref.in_(
                        {r for r in plan.dependencies}
                        | {d for old, new in plan.dependencies.values() for d in (*old, *new)}
                    )
                )
            ).all()
        )
        for ref, (before, after) in plan.dependencies.items():
            added = sorted(set(after) - set(before))
            removed = sorted(set(before) - set(after))
            if removed:
                db.session.execute(
                    delete(ActionDependency).where(
                        ActionDependency.action_id == ids[ref],
                        ActionDependency.depends_on_id.in_([ids[r] for r in removed]),
                    )
                )
            if added:
                db.session.execute(
                    insert(ActionDependency),
                    [
                        {
                            "action_id": ids[ref],
                            "depends_on_id": ids[d],
                            "created_at": now,
                            "created_by_id": author_id,
                        }
                        for d in added
                    ],
                )
            record_edits(
                ids[ref],
                [FieldChange("depends_on", ", ".join(before), ", ".join(after))],
                reason=reason,
                author_id=author_id,
                now=now,
                cause="import",
            )
            step()


def _apply_recommendations(
    plan: ImportPlan,
    filename: str,
    actor: Actor | None,
    now: datetime,
    remote_addr: str,
    step: Callable[[], None],
) -> None:
    """Add and change recommendations (before the actions, which may answer a new one), each
    recorded as an audit event with cause "import" and what changed."""
    if not plan.new_recommendations and not plan.recommendation_edits:
        return
    user_id = actor.user_id if actor else None
    if plan.new_recommendations:
        inspection_id, number = db.session.execute(
            select(func.max(Recommendation.inspection_id), func.max(Recommendation.number))
        ).one()
        if inspection_id is None:
            inspection_id = db.session.execute(select(func.max(Inspection.id))).scalar_one()
        if inspection_id is None:
            raise Rejected({"recommendation": "There is no inspection to add recommendations to"})
        number = number or 0
        for new in plan.new_recommendations:
            number += 1
            v = new.values
            db.session.add(
                Recommendation(
                    inspection_id=inspection_id,
                    ref=v.ref,
                    number=number,
                    title=v.title,
                    text=v.text,
                    judgement_area=v.judgement_area,
                    lead_body=v.lead_body,
                    partners=list(v.partners),
                )
            )
            add_event(
                "recommendation_added",
                now=now,
                user_id=user_id,
                target=v.ref,
                detail={"cause": "import", "file": filename[:200], "title": v.title[:200]},
                remote_addr=remote_addr,
            )
            step()
        db.session.flush()  # the actions added next may answer one of them
    for edit in plan.recommendation_edits:
        v, before = edit.values, edit.before
        names = [name for name, column in rules.REC_FIELDS.items() if column in edit.fields]
        values = {name: getattr(v, name) for name in names}
        if "partners" in values:
            values["partners"] = list(v.partners)
        changed = db.session.execute(
            update(Recommendation)
            .where(Recommendation.ref == v.ref)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        if changed.rowcount != 1:
            raise Rejected({"recommendation": f"{v.ref} was removed while the file was imported"})
        search.reindex(Recommendation, Recommendation.ref == v.ref)  # no flush saw the UPDATE
        add_event(
            "recommendation_changed",
            now=now,
            user_id=user_id,
            target=v.ref,
            detail={
                "cause": "import",
                "file": filename[:200],
                "changes": {
                    name: [_short(getattr(before, name)), _short(getattr(v, name))]
                    for name in names
                },
            },
            remote_addr=remote_addr,
        )
        step()


def _short(value: object) -> str:
    text = "; ".join(value) if isinstance(value, tuple) else str(value)
    return text if len(text) <= 500 else text[:499] + "\u2026"


def _move_dates(edit, version: int, *, reason: str, author_id: int | None, now: datetime) -> None:
    values: dict[str, object] = {"plan_version": version + 1}
    changes = []
    if edit.start_date:
        values["start_date"] = edit.start_date[1]
        changes.append(
            FieldChange("start_date", _iso(edit.start_date[0]), _iso(edit.start_date[1]))
        )
    if edit.target_date:
        values["target_date"] = edit.target_date[1]
        # The first agreed date is kept as the baseline, as when a chair approves a move.
        values["baseline_target_date"] = func.coalesce(
            Action.baseline_target_date, Action.target_date
        )
        changes.append(
            FieldChange("target_date", _iso(edit.target_date[0]), _iso(edit.target_date[1]))
        )
    moved = db.session.execute(
        update(Action)
        .where(Action.ref == edit.ref, Action.plan_version == version)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if moved.rowcount != 1:
        raise PlanConflict(edit.ref, version, -1)
    action_id = db.session.execute(select(Action.id).where(Action.ref == edit.ref)).scalar_one()
    record_edits(action_id, changes, reason=reason, author_id=author_id, now=now, cause="import")


def _iso(day) -> str:
    return day.isoformat() if day else ""


# ---------------------------------------------------------------------------------------------
# The page's file store (so "Apply" re-checks the very file the report was for) and template


def keep(store: Path, digest: str, filename: str, data: bytes) -> None:
    """Hold an uploaded file until it is applied (named by its SHA-256; old ones cleared)."""
    store.mkdir(parents=True, exist_ok=True)
    cutoff = time.time() - KEEP_SECONDS
    for old in store.glob("*.bin"):
        if old.stat().st_mtime < cutoff:
            old.unlink(missing_ok=True)
            old.with_suffix(".name").unlink(missing_ok=True)
    (store / f"{digest}.bin").write_bytes(data)
    (store / f"{digest}.name").write_text(filename, encoding="utf-8")


def kept(store: Path, digest: str) -> tuple[str, bytes] | None:
    path = store / f"{digest}.bin"
    if not path.exists() or path.stat().st_mtime < time.time() - KEEP_SECONDS:
        return None
    data = path.read_bytes()
    if digest_of(data) != digest:
        return None
    name = path.with_suffix(".name")
    return (name.read_text(encoding="utf-8") if name.exists() else "import.csv"), data


def keep_problems(store: Path, digest: str, filename: str, problems: list[Problem]) -> None:
    """Hold a dry run's problems so that its report can be read a page at a time."""
    store.mkdir(parents=True, exist_ok=True)
    cutoff = time.time() - KEEP_SECONDS
    for old in store.glob("*.problems.json"):
        if old.stat().st_mtime < cutoff:
            old.unlink(missing_ok=True)
    write_status(
        store,
        f"{digest}.problems",
        {
            "filename": filename,
            "problems": [[p.sheet, p.row, p.column, p.message] for p in problems],
        },
    )


def kept_problems(store: Path, digest: str) -> ImportResult | None:
    """A held dry run's report (its problems only), or None once it has gone."""
    held = read_status(store, f"{digest}.problems")
    if held is None:
        return None
    result = ImportResult(filename=held["filename"], digest=digest, dry_run=True)
    result.plan.problems = [Problem(*p) for p in held["problems"]]
    return result


def forget(store: Path, digest: str) -> None:
    (store / f"{digest}.bin").unlink(missing_ok=True)
    (store / f"{digest}.name").unlink(missing_ok=True)


def template_csv() -> bytes:
    """The export's columns plus Success measure, and one illustrative row to copy (no one's
    plan: a made-up ref, organisation and dates)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(rules.TEMPLATE_HEADER)
    example = {
        "Ref": "AP-101",
        "Plan": "Main action plan",
        "Recommendation": "REC-1",
        "Title": "Illustrative: weekly audit of contacts that wait more than 24 hours",
        "Description": "Illustrative row: replace it with your own.",
        "Lead": "name@example.org",
        "Lead organisation": "Anytown Council",
        "Partners": "",
        "Start date": "2025-04-01",
        "Target date": "2025-06-30",
        "Depends on": "",
        rules.SUCCESS_MEASURE: "Every contact decided within 24 hours",
    }
    writer.writerow([example.get(column, "") for column in rules.TEMPLATE_HEADER])
    return (BOM + out.getvalue()).encode()


# ---------------------------------------------------------------------------------------------
# Progress of a long import, kept beside the file so any worker on the host can report it


def write_status(store: Path, digest: str, status: dict) -> None:
    store.mkdir(parents=True, exist_ok=True)
    path = store / f"{digest}.status.json"
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(status), encoding="utf-8")
    temporary.replace(path)  # readers never see half a file


STALE_SECONDS = 900  # a running import that has said nothing for this long has stopped


def running_status(stage: str, done: int, total: int) -> dict:
    """A running import's status: with its process and a heartbeat, so that an import whose
    process was killed is not shown as running for ever."""
    return {
        "state": "running",
        "stage": stage,
        "done": done,
        "total": total,
        "host": socket.gethostname(),
        "pid": os.getpid(),
        "beat": time.time(),
    }


def read_status(store: Path, digest: str) -> dict | None:
    path = store / f"{digest}.status.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _process_gone(status: dict) -> bool:
    if status.get("host") != socket.gethostname() or not status.get("pid"):
        return False  # another host's worker: only its heartbeat tells
    try:
        os.kill(int(status["pid"]), 0)
    except ProcessLookupError:
        return True
    except (OSError, ValueError):
        return False
    return False


def status_now(store: Path, digest: str, *, now: float | None = None) -> dict | None:
    """What is true of an import now. A "running" status whose process has ended (or that has
    said nothing for STALE_SECONDS) was stopped: applied if its audit event says so (the event
    is committed with the changes), else nothing was written, since an import is all or
    nothing."""
    status = read_status(store, digest)
    if status is None or status.get("state") != "running":
        return status
    now = time.time() if now is None else now
    if not _process_gone(status) and now - float(status.get("beat") or 0) < STALE_SECONDS:
        return status
    applied = applied_import(digest)
    if applied is not None:
        return {
            "state": "done",
            "filename": applied.get("file", ""),
            "counts": {k: applied.get(k, 0) for k in _COUNT_KEYS},
        }
    return {
        "state": "stopped",
        "filename": status.get("filename", ""),
        "problems": [
            [
                "",
                0,
                "",
                "The import stopped before it finished (its process ended): nothing was "
                "written, since an import is applied all or nothing. Check the file again.",
            ]
        ],
    }


_COUNT_KEYS = (
    "new_actions",
    "edited_actions",
    "dependency_changes",
    "new_recommendations",
    "edited_recommendations",
)


def applied_import(digest: str) -> dict | None:
    """The audit detail of the latest applied import of the file with this SHA-256, if it was
    applied (one statement: the latest import events)."""
    for detail in db.session.execute(
        select(AuditEvent.detail)
        .where(AuditEvent.kind == "import")
        .order_by(AuditEvent.id.desc())
        .limit(200)
    ).scalars():
        if detail and detail.get("sha256") == digest and detail.get("applied"):
            return detail
    return None


def finished_status(result: ImportResult) -> dict:
    return {
        "state": "done" if result.applied else "failed",
        "filename": result.filename,
        "counts": result.plan.summary(),
        "problems": [[p.sheet, p.row, p.column, p.message] for p in result.plan.problems[:200]],
        "refused": result.refused,
    }


def end_session(*, failed: bool) -> None:
    """A background import's session: rolled back if it failed, then let go."""
    if failed:
        db.session.rollback()
    db.session.remove()
