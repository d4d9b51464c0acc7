"""Loading an illustrative seed (seed/*.yaml, *.csv, or another folder such as seed/second).
Loading twice changes nothing. Everything about the demo (its inspections, areas, plans, cycles,
people and demo accounts) is in the seed files; the files beside `reference.yaml`,
`main_plan.csv` and `history.csv` are optional (see seed/README.md).

`reference.yaml` may also hold `setup` (the council's words, rhythm, self-evaluation and
chasing: the starting settings) and `demo_today` (read by config.py, left alone here)."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import func, select
from werkzeug.security import generate_password_hash

from tracker.domain.calendar import LONDON
from tracker.domain.cycles import Schedule, fortnightly
from tracker.domain.setup import WEEKDAYS, Rhythm, Words, mid_sentence, parse_time
from tracker.extensions import db
from tracker.models import (
    Action,
    ActionDependency,
    ActionUpdate,
    Locality,
    LocalityReturn,
    Organisation,
    Plan,
    Recommendation,
    TargetDateRequest,
    UpdateCycle,
    User,
    action_finding,
    action_partner,
)
from tracker.services import search
from tracker.services.access import settings
from tracker.services.performance.measure_seed import load_measures
from tracker.services.plan import projection
from tracker.services.platform.audit import add_event
from tracker.services.platform.evidence_seed import derive_evidence
from tracker.services.platform.inspection_seed import load_inspections


@dataclass
class SeedResult:
    created: dict[str, int]

    @property
    def changed(self) -> bool:
        return any(self.created.values())


def setup_from_seed(block: dict[str, Any]) -> dict[str, Any]:
    """A seed's `setup:` block as the values services/access/settings.py saves: `words` as given;
    `rhythm` (every, from, due_weekday by name, due_time) as the first of `rhythms`;
    `self_evaluation: null` for none asked; `chasing` as given."""
    values: dict[str, Any] = {}
    if block.get("words"):
        values["words"] = dict(block["words"])
    if block.get("rhythm"):
        r = block["rhythm"]
        values["rhythms"] = [
            Rhythm(
                every=str(r["every"]),
                starts_on=r["from"],
                due_weekday=WEEKDAYS.index(str(r.get("due_weekday", "friday")).lower()),
                due_time=parse_time(str(r.get("due_time", "12:00"))),
            ).as_dict()
        ]
    if "self_evaluation" in block:
        sef = block["self_evaluation"]
        values["self_evaluation"] = {"enabled": False} if sef is None else dict(sef)
    if block.get("chasing"):
        values["chasing"] = dict(block["chasing"])
    return values


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return [{k: (v or "").strip() for k, v in row.items()} for row in csv.DictReader(fh)]


def _date(value: str) -> date | None:
    return date.fromisoformat(value) if value else None


def _split(value: str) -> list[str]:
    return [v.strip() for v in value.split(";") if v.strip()]


def load_seed(
    seed_dir: str | Path,
    *,
    now: datetime,
    demo_password: str | None,
    hash_method: str,
    cycle_start: date | None = None,
    cycles_through: date | None = None,
) -> SeedResult:
    """Create whatever of the seed is missing, matched on natural keys (codes, emails, refs).
    The cycles run from `cycle_start` to `cycles_through`, by default the seed's own."""
    seed_dir = Path(seed_dir)
    ref = yaml.safe_load((seed_dir / "reference.yaml").read_text(encoding="utf-8"))
    setup_values = setup_from_seed(ref.get("setup") or {})
    if cycle_start is not None:
        schedule = fortnightly(cycle_start)
    elif setup_values.get("rhythms"):
        schedule = Schedule([Rhythm.from_dict(r) for r in setup_values["rhythms"]])
    else:
        schedule = fortnightly(ref["cycles"]["first_opens_on"])
    cycles_through = cycles_through or ref["cycles"]["through"]
    demo_accounts = {e.lower() for e in ref.get("demo_accounts") or ()}
    main_plan = ref["main_plan"]
    created = {
        k: 0
        for k in (
            "organisations",
            "localities",
            "people",
            "inspections",
            "recommendations",
            "plans",
            "cycles",
            "actions",
            "dependencies",
            "updates",
            "date_requests",
        )
    }

    created["settings"] = settings.seed(setup_values, now=now)

    orgs = {o.code: o for o in db.session.execute(select(Organisation)).scalars()}
    for o in ref["organisations"]:
        if o["code"] not in orgs:
            orgs[o["code"]] = Organisation(code=o["code"], name=o["name"], kind=o["kind"])
            db.session.add(orgs[o["code"]])
            created["organisations"] += 1

    # The areas returns are made for (`areas`, or the first demo's `localities`), each with a plan.
    areas = ref.get("areas") or ref.get("localities") or []
    localities = {loc.code: loc for loc in db.session.execute(select(Locality)).scalars()}
    for loc in areas:
        if loc["code"] not in localities:
            localities[loc["code"]] = Locality(code=loc["code"], name=loc["name"])
            db.session.add(localities[loc["code"]])
            created["localities"] += 1
    db.session.flush()

    people = {u.email: u for u in db.session.execute(select(User)).scalars() if u.email}
    demo_hash = generate_password_hash(demo_password, method=hash_method) if demo_password else None
    for p in ref["people"]:
        email = p["email"].lower()
        area = p.get("area") or p.get("locality")
        if email not in people:
            people[email] = User(
                email=email,
                name=p["name"],
                job_title=p.get("job_title", ""),
                organisation_id=orgs[p["organisation"]].id,
                role=p["role"],
                locality_id=localities[area].id if area else None,
                active=True,
                created_at=now,
            )
            db.session.add(people[email])
            created["people"] += 1
        if demo_hash and email in demo_accounts and not people[email].password_hash:
            people[email].password_hash = demo_hash
    db.session.flush()
    for p in ref["people"]:
        manager = p.get("line_manager")
        user = people[p["email"].lower()]
        if manager and user.line_manager_id is None:
            user.line_manager_id = people[manager.lower()].id

    recs, made = load_inspections(ref, people)
    created |= made

    plans = {p.code: p for p in db.session.execute(select(Plan)).scalars()}
    plan_names = {a["code"]: a.get("plan_name") for a in areas}
    # An area's plan is named with the seed's word for an area ("North locality action plan").
    area = mid_sentence(str(setup_values.get("words", {}).get("area") or Words().area))
    wanted = [(main_plan["code"], main_plan["name"], "main", None)] + [
        (code, plan_names.get(code) or f"{loc.name} {area} action plan", "locality", loc.id)
        for code, loc in localities.items()
    ]
    for code, name, kind, locality_id in wanted:
        if code not in plans:
            plans[code] = Plan(code=code, name=name, kind=kind, locality_id=locality_id)
            db.session.add(plans[code])
            created["plans"] += 1

    cycles = {c.number: c for c in db.session.execute(select(UpdateCycle)).scalars()}
    for c in schedule.until(cycles_through):
        if c.number not in cycles:
            cycles[c.number] = UpdateCycle(
                number=c.number, opens_on=c.opens_on, due_on=c.due_on, due_at=c.due_at_utc
            )
            db.session.add(cycles[c.number])
            created["cycles"] += 1
    db.session.flush()

    rows = [(main_plan["code"], r) for r in _read_csv(seed_dir / "main_plan.csv")] + [
        (r.get("area") or r["locality"], r) for r in _area_rows(seed_dir)
    ]
    actions = {a.ref: a for a in db.session.execute(select(Action)).scalars()}
    new_refs: set[str] = set()
    for plan_code, r in rows:
        if r["ref"] in actions:
            continue
        lead = people[r["lead"].lower()] if r["lead"] else None
        action = Action(
            ref=r["ref"],
            plan_id=plans[plan_code].id,
            recommendation_id=recs[r.get("finding") or r["recommendation"]].id,
            title=r["title"],
            description=r["description"],
            lead_user_id=lead.id if lead else None,
            lead_organisation_id=orgs[r["lead_organisation"]].id,
            start_date=_date(r["start_date"]),
            target_date=_date(r["target_date"]),
            success_measure=r["success_measure"],
            version=1,
            created_at=now,
        )
        actions[r["ref"]] = action
        new_refs.add(r["ref"])
        db.session.add(action)
        created["actions"] += 1
    db.session.flush()

    partner_rows = []
    dependency_rows = []
    finding_rows = []
    for _plan_code, r in rows:
        if r["ref"] not in new_refs:
            continue
        action = actions[r["ref"]]
        if r.get("implements"):
            action.main_action_id = actions[r["implements"]].id
        for code in _split(r["partners"]):
            partner_rows.append({"action_id": action.id, "organisation_id": orgs[code].id})
        # Further findings it answers, of any event (its own finding is never repeated).
        for further in _split(r.get("further_findings", "")):
            finding_rows.append({"action_id": action.id, "recommendation_id": recs[further].id})
        for prereq in _split(r["depends_on"]):
            dependency_rows.append(
                {"action_id": action.id, "depends_on_id": actions[prereq].id, "created_at": now}
            )
    if partner_rows:
        db.session.execute(action_partner.insert(), partner_rows)
    if finding_rows:
        db.session.execute(action_finding.insert(), finding_rows)
    if dependency_rows:
        db.session.execute(ActionDependency.__table__.insert(), dependency_rows)
        created["dependencies"] += len(dependency_rows)

    versions: dict[str, int] = {}
    update_rows = []
    for h in _read_csv(seed_dir / "history.csv"):
        if h["action_ref"] not in new_refs:
            continue
        action = actions[h["action_ref"]]
        version = versions.get(h["action_ref"], 0) + 1
        versions[h["action_ref"]] = version
        recorded_at = datetime.fromisoformat(h["recorded_at"].replace("Z", "+00:00"))
        if version == 1:
            action.created_at = recorded_at
        update_rows.append(
            {
                "action_id": action.id,
                "version": version,
                "cycle_id": _cycle_id(h, recorded_at, cycles, schedule),
                "author_id": people[h["author"].lower()].id if h["author"] else None,
                "cause": h["cause"] or "import",
                "recorded_at": recorded_at,
                "lifecycle": h["lifecycle"],
                "rag": h["rag"] or None,
                "impact": h["impact"],
                "summary": h["summary"],
                "reason": h["reason"],
                "evidence": h["evidence"],
            }
        )
    for ref_, version in versions.items():
        actions[ref_].version = version
    if update_rows:
        db.session.execute(ActionUpdate.__table__.insert(), update_rows)
        created["updates"] += len(update_rows)
        db.session.flush()  # the actions' versions, before the projection reads them
        projection.rebuild({row["action_id"] for row in update_rows})
    missing = new_refs - set(versions)
    if missing:
        raise ValueError(f"seed history has no initial row for {', '.join(sorted(missing))}")

    created["date_requests"] = _load_date_requests(seed_dir, actions, new_refs, people)

    created["returns"] = _derive_returns(update_rows, actions, plans, cycles, people)
    # Before the meetings: their snapshots list the evidence added since the last meeting.
    created["evidence"] = derive_evidence(update_rows, actions)
    created["meetings"] = _load_meetings(seed_dir / "meetings.yaml", people)
    created |= load_measures(seed_dir, now=now)

    if any(created.values()):
        add_event("seed_loaded", now=now, detail=created)
        search.rebuild()  # the history went in by bulk insert, past the index's listener
    db.session.commit()
    return SeedResult(created)


def _area_rows(seed_dir: Path) -> list[dict[str, str]]:
    """The areas' plans: `area_plans.csv` (an `area` column), or the first demo's
    `locality_plans.csv` (a `locality` column); a seed may have neither."""
    for name in ("area_plans.csv", "locality_plans.csv"):
        if (seed_dir / name).exists():
            return _read_csv(seed_dir / name)
    return []


def _cycle_id(
    row: dict[str, str], recorded_at: datetime, cycles: dict[int, UpdateCycle], schedule: Schedule
) -> int | None:
    """The cycle a history row names; with no `cycle` column, a person's row falls in the cycle
    whose window holds its London day (so the seed fits whatever rhythm makes the cycles)."""
    if "cycle" in row:
        return cycles[int(row["cycle"])].id if row["cycle"] else None
    if row["cause"] == "import":
        return None
    number = schedule.number_for(recorded_at.astimezone(LONDON).date())
    return cycles[number].id if number in cycles else None


def _load_meetings(path: Path, people: dict[str, User]) -> int:
    """Past meetings (seed/meetings.yaml), each with the plan as it stood at the end of its day:
    rebuilt from the history, since the seed is loaded long after the event."""
    if not path.exists():
        return 0
    from tracker.models import Meeting, MeetingDecision, MeetingFollowUp, meeting_attendee
    from tracker.services.governance.meeting_snapshot import build_snapshot

    existing = set(db.session.execute(select(Meeting.idempotency_key)).scalars())
    made = 0
    for m in yaml.safe_load(path.read_text(encoding="utf-8"))["meetings"]:
        if m["key"] in existing:
            continue
        held_on = m["held_on"]
        # Recorded at five o'clock that afternoon, London time, with the plan as it stood then.
        recorded = datetime.combine(held_on, time(17, 0), tzinfo=LONDON).astimezone(UTC)
        meeting = Meeting(
            kind=m["kind"],
            held_on=held_on,
            chair_id=people[m["chair"]].id,
            other_attendees=m.get("other_attendees") or "",
            notes=(m.get("notes") or "").strip(),
            created_by_id=people[m["chair"]].id,
            created_at=recorded,
            idempotency_key=m["key"],
            snapshot=build_snapshot(meeting_day=held_on, now=recorded, as_at=recorded),
        )
        db.session.add(meeting)
        db.session.flush()
        db.session.execute(
            meeting_attendee.insert(),
            [{"meeting_id": meeting.id, "user_id": people[e].id} for e in m["attendees"]],
        )
        for position, text in enumerate(m.get("decisions") or [], start=1):
            db.session.add(MeetingDecision(meeting_id=meeting.id, position=position, text=text))
        for position, f in enumerate(m.get("follow_ups") or [], start=1):
            done_at = datetime.fromisoformat(f["done_at"]) if f.get("done_at") else None
            db.session.add(
                MeetingFollowUp(
                    meeting_id=meeting.id,
                    position=position,
                    text=f["text"],
                    assignee_id=people[f["assignee"]].id,
                    due_on=f["due_on"],
                    done_at=done_at,
                    done_by_id=people[f["assignee"]].id if done_at else None,
                )
            )
        made += 1
    return made


def _load_date_requests(seed_dir: Path, actions, new_refs: set[str], people) -> int:
    """Requests to move a target date, with chairs' decisions: an approved one moves the date
    and keeps the first agreed date as the baseline, as the service does."""
    path = seed_dir / "date_requests.csv"
    if not path.exists():
        return 0
    made = 0
    for r in _read_csv(path):
        if r["action_ref"] not in new_refs:
            continue
        action = actions[r["action_ref"]]
        new_date = date.fromisoformat(r["new_date"])
        decided_at = (
            datetime.fromisoformat(r["decided_at"].replace("Z", "+00:00"))
            if r["decided_at"]
            else None
        )
        db.session.add(
            TargetDateRequest(
                action_id=action.id,
                requested_by_id=people[r["requested_by"].lower()].id,
                requested_at=datetime.fromisoformat(r["requested_at"].replace("Z", "+00:00")),
                old_date=action.target_date,
                new_date=new_date,
                reason=r["reason"],
                status=r["status"],
                decided_by_id=people[r["decided_by"].lower()].id if r["decided_by"] else None,
                decided_at=decided_at,
                decision_note=r["decision_note"],
            )
        )
        if r["status"] == "approved":
            action.baseline_target_date = action.baseline_target_date or action.target_date
            action.target_date = new_date
            action.plan_version += 1
        made += 1
    return made


def _derive_returns(update_rows, actions, plans, cycles, people) -> int:
    """A locality's return for a cycle counts as submitted when every action still open at the
    start of the cycle has an update in it: submitted at the last of them, late if after noon."""
    plan_locality = {p.id: p.locality_id for p in plans.values() if p.locality_id}
    heads = {u.locality_id: u.id for u in people.values() if u.role == "locality_head"}
    by_id = {a.id: a for a in actions.values()}
    cycle_by_id = {c.id: c for c in cycles.values()}
    state: dict[int, str] = {}
    updated: dict[tuple[int, int], dict[int, datetime]] = {}
    open_at_start: dict[tuple[int, int], set[int]] = {}
    for row in sorted(update_rows, key=lambda r: r["recorded_at"]):
        action = by_id[row["action_id"]]
        locality_id = plan_locality.get(action.plan_id)
        if locality_id is not None and row["cycle_id"] is not None:
            key = (locality_id, row["cycle_id"])
            if key not in open_at_start:
                open_at_start[key] = {
                    a_id
                    for a_id, lc in state.items()
                    if plan_locality.get(by_id[a_id].plan_id) == locality_id
                    and lc not in ("closed_evidenced", "superseded")
                }
            updated.setdefault(key, {})[action.id] = row["recorded_at"]
        state[action.id] = row["lifecycle"]
    existing = {
        (r.locality_id, r.cycle_id) for r in db.session.execute(select(LocalityReturn)).scalars()
    }
    made = 0
    for key, times in updated.items():
        if key in existing or not open_at_start[key] <= set(times):
            continue
        locality_id, cycle_id = key
        submitted_at = max(times.values())
        db.session.add(
            LocalityReturn(
                locality_id=locality_id,
                cycle_id=cycle_id,
                status="submitted",
                submitted_at=submitted_at,
                submitted_by_id=heads.get(locality_id),
                late=submitted_at > cycle_by_id[cycle_id].due_at,
            )
        )
        made += 1
    return made


def count_rows() -> dict[str, int]:
    """Row counts of the seeded tables (for the CLI's report)."""
    return {
        model.__tablename__: db.session.execute(
            select(func.count()).select_from(model)
        ).scalar_one()
        for model in (Recommendation, Action, ActionUpdate, User, UpdateCycle)
    }
