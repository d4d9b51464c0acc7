"""The quarterly scrutiny report, "Quarterly performance and progress against Ofsted action
plan": every figure in it is computed here from the measures and the plan, none typed.

Its shape follows the seed report: an executive summary with counts and the change since the
last quarter, the measures outside tolerance with their narrative, the action plan position,
and an appendix of every measure with its status. Governance meetings held in the quarter are
added by the meetings feature. The same `QuarterlyReport` is drawn as HTML, PDF and DOCX."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from tracker.domain import measures as rules
from tracker.domain import sef as sef_rules
from tracker.domain.measures import Quarter, Status
from tracker.domain.meetings import MeetingKind, kind_labels
from tracker.extensions import db
from tracker.models import (
    Action,
    ActionState,
    Meeting,
    MeetingDecision,
    MeetingFollowUp,
    Plan,
    Recommendation,
    User,
)
from tracker.services.access.settings import current as current_setup
from tracker.services.loop import return_reads, sefs
from tracker.services.reads.measures import MeasureRow, Scorecard, get_scorecards

LIFECYCLE_ORDER = (
    "not_started",
    "in_progress",
    "complete_awaiting_signoff",
    "closed_evidenced",
    "superseded",
)
LIFECYCLE_LABELS = {
    "not_started": "Not started",
    "in_progress": "In progress",
    "complete_awaiting_signoff": "Complete, awaiting sign-off",
    "closed_evidenced": "Closed with evidence",
    "superseded": "Superseded",
}
RAG_ORDER = ("red", "amber", "green", None)
RAG_LABELS = {"red": "Red", "amber": "Amber", "green": "Green", None: "No RAG (closed)"}
LEAD_BODY_LABELS = {
    "trust": "Trust",
    "council": "Council",
    "joint": "Joint",
    "safeguarding_board": "Safeguarding board",
}
SUMMARY_STATUSES = (
    Status.ON_TARGET,
    Status.IN_TOLERANCE,
    Status.OFF_TARGET,
    Status.NO_TARGET_SET,
)
SUMMARY_LABELS = {
    Status.ON_TARGET: "At or above target",
    Status.IN_TOLERANCE: "Within tolerance",
    Status.OFF_TARGET: "Outside tolerance",
    Status.NO_TARGET_SET: "No target set",
}


@dataclass(frozen=True)
class SummaryLine:
    """One status's count of key and of operational measures, this quarter and last."""

    status: Status
    label: str
    key: int
    key_previous: int
    operational: int
    operational_previous: int

    @property
    def total(self) -> int:
        return self.key + self.operational

    @property
    def key_change(self) -> int:
        return self.key - self.key_previous

    @property
    def operational_change(self) -> int:
        return self.operational - self.operational_previous


@dataclass
class RecommendationLine:
    ref: str
    title: str
    lead_body: str
    total: int = 0
    closed: int = 0
    red: int = 0
    amber: int = 0
    green: int = 0


@dataclass
class ActionPlanPosition:
    as_at: date
    # Returns and SEFs counted: those due from the quarter's first day to its last (or today).
    window_from: date
    window_to: date
    total: int
    # lifecycle -> rag -> count (main plan)
    grid: dict[str, dict[str | None, int]]
    by_recommendation: list[RecommendationLine]
    by_lead_body: list[RecommendationLine]
    locality_actions: int
    returns_due: int
    returns_on_time: int
    returns_late: int
    returns_missing: int
    sef_months: list[str]
    sefs_expected: int
    sefs_received: int
    sefs_late: int

    @property
    def window(self) -> str:
        return f"between {_day(self.window_from)} and {_day(self.window_to)}"

    @property
    def returns_sentence(self) -> str:
        area = current_setup().words.area_lower
        if not self.returns_due:
            return f"No {area} return fell due {self.window}."
        return (
            f"{self.returns_on_time} of {self.returns_due} {area} returns due "
            f"{self.window} came in on time; {self.returns_late} late and "
            f"{self.returns_missing} not submitted."
        )

    @property
    def sefs_sentence(self) -> str:
        area = current_setup().words.area_lower
        if not self.sefs_expected:
            return f"No monthly {area} SEF fell due {self.window}."
        late = f", {self.sefs_late} of them late" if self.sefs_late else ""
        return (
            f"{self.sefs_received} of {self.sefs_expected} monthly {area} SEFs due "
            f"({', '.join(self.sef_months)}) were received{late}."
        )


def _day(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


@dataclass
class MeetingHeld:
    """A governance meeting held in the quarter, as the report lists it."""

    held_on: date
    kind: str  # the meeting's name, in the organisation's words
    chair: str
    decisions: int
    follow_ups: int


@dataclass
class QuarterlyReport:
    quarter: Quarter
    previous: Quarter
    today: date
    generated_at: datetime
    scorecard: Scorecard
    previous_scorecard: Scorecard
    summary: list[SummaryLine]
    outside: list[MeasureRow]
    plan: ActionPlanPosition
    meetings: list[MeetingHeld] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # Evidence of challenge: challenges raised, or answered or decided, in the quarter (plain
    # values, as `challenges.challenge_evidence` writes them).
    challenges: list[dict] = field(default_factory=list)
    # How many of them the reader may not read (the challenge log's rule): set per reader by
    # `tracker.http.report_files.for_reader`, which also cuts `challenges` to the readable ones.
    challenges_hidden: int = 0

    @property
    def title(self) -> str:
        return "Quarterly performance and progress against Ofsted action plan"

    @property
    def measures_total(self) -> int:
        return len(self.scorecard.rows)

    def previous_row(self, code: str) -> MeasureRow | None:
        return next((r for r in self.previous_scorecard.rows if r.code == code), None)

    def line(self, status: Status) -> SummaryLine:
        return next(s for s in self.summary if s.status is status)

    @property
    def key_counts(self) -> rules.StatusCounts:
        return self.scorecard.status_counts("key")

    @property
    def operational_counts(self) -> rules.StatusCounts:
        return self.scorecard.status_counts("operational")

    @property
    def key_count(self) -> int:
        return self.key_counts.total

    @property
    def operational_count(self) -> int:
        return self.operational_counts.total

    # The executive summary's sentences, shared by the page, the PDF and the Word file. Like the
    # scrutiny report (7.6.2 to 7.6.7), the headline is the key measures' (Appendix A), and the
    # operational measures are reported apart.
    @property
    def dataset_sentence(self) -> str:
        return (
            f"The dataset for {self.quarter.label} ({self.quarter.span}) contains "
            f"{self.key_count} key performance measures and a further {self.operational_count} "
            "operational measures. The key measures are listed in Appendix A and the operational "
            "measures in Appendix B, each with its position against contract target."
        )

    @property
    def headline_sentence(self) -> str:
        return (
            f"At the end of {self.quarter.label} there were "
            f"{self.key_counts.sentence('key measures')}."
        )

    @property
    def change_sentence(self) -> str:
        before = self.previous_scorecard.status_counts("key").within_or_better
        now = self.key_counts.within_or_better
        moved = (
            f"increased from {before} to {now}"
            if now > before
            else f"fallen from {before} to {now}"
            if now < before
            else f"stayed at {now}"
        )
        return (
            f"Since {self.previous.label}, the number of key measures within tolerance or at or "
            f"above target has {moved}."
        )

    @property
    def operational_sentence(self) -> str:
        return (
            f"Of the {self.operational_count} operational measures, reported apart from the key "
            f"measures: {self.operational_counts.sentence()}."
        )

    @property
    def outside_sentence(self) -> str:
        if not self.outside:
            return f"No measure lies outside tolerance in {self.quarter.label}."
        key, ops = len(self.outside_key), len(self.outside_operational)
        text = f"{key} key {'measure lies' if key == 1 else 'measures lie'} outside tolerance"
        text += f" in {self.quarter.label}"
        if ops:
            text += f", and {ops} operational {'measure' if ops == 1 else 'measures'}"
        return text + (
            ". The narrative is the Trust's, as supplied with the latest value in the quarter."
        )

    @property
    def outside_key(self) -> list[MeasureRow]:
        return [m for m in self.outside if m.kind == "key"]

    @property
    def outside_operational(self) -> list[MeasureRow]:
        return [m for m in self.outside if m.kind != "key"]


def _summary(now: Scorecard, before: Scorecard) -> list[SummaryLine]:
    key, key_before = now.status_counts("key"), before.status_counts("key")
    ops, ops_before = now.status_counts("operational"), before.status_counts("operational")
    return [
        SummaryLine(
            status=s,
            label=SUMMARY_LABELS[s],
            key=key.of(s),
            key_previous=key_before.of(s),
            operational=ops.of(s),
            operational_previous=ops_before.of(s),
        )
        for s in SUMMARY_STATUSES
    ]


def _action_plan(
    today: date, now: datetime, quarter: Quarter, sef_first_month: str, sef_due_working_day: int
) -> ActionPlanPosition:
    """The plan as it stands on the report's date: the main plan's actions by lifecycle and RAG,
    by recommendation and lead body; the locality returns that fell due in the quarter (up to
    now) and whether they came in on time; the SEFs due in the quarter and whether they came in.
    A return or SEF due after the quarter's end belongs to a later report."""
    rows = db.session.execute(
        select(
            Plan.kind,
            Recommendation.ref,
            Recommendation.number,
            Recommendation.title,
            Recommendation.lead_body,
            ActionState.lifecycle,
            ActionState.rag,
            func.count(),
        )
        .select_from(Action)
        .join(Plan, Plan.id == Action.plan_id)
        .join(Recommendation, Recommendation.id == Action.recommendation_id)
        .join(ActionState, ActionState.action_id == Action.id)
        .group_by(
            Plan.kind,
            Recommendation.ref,
            Recommendation.number,
            Recommendation.title,
            Recommendation.lead_body,
            ActionState.lifecycle,
            ActionState.rag,
        )
    ).all()
    grid: dict[str, dict[str | None, int]] = {
        lc: dict.fromkeys(RAG_ORDER, 0) for lc in LIFECYCLE_ORDER
    }
    recs: dict[str, RecommendationLine] = {}
    numbers: dict[str, int] = {}
    locality_actions = 0
    for kind, ref, number, title, lead_body, lifecycle, rag, count in rows:
        if kind != "main":
            locality_actions += count
            continue
        grid[lifecycle][rag] += count
        line = recs.setdefault(ref, RecommendationLine(ref, title, lead_body))
        numbers[ref] = number
        _add(line, lifecycle, rag, count)
    by_recommendation = sorted(recs.values(), key=lambda r: numbers[r.ref])
    bodies: dict[str, RecommendationLine] = {}
    for line in by_recommendation:
        body = bodies.setdefault(
            line.lead_body,
            RecommendationLine(
                line.lead_body, LEAD_BODY_LABELS.get(line.lead_body, line.lead_body), line.lead_body
            ),
        )
        body.total += line.total
        body.closed += line.closed
        body.red += line.red
        body.amber += line.amber
        body.green += line.green
    by_lead_body = [bodies[b] for b in LEAD_BODY_LABELS if b in bodies]

    # Returns due in the quarter, up to now (a cycle still open is not yet due).
    after = rules.add_months(quarter.first, 3)  # the day after the quarter's last
    cycles = [c for c in return_reads.list_cycles() if c.due_at <= now]
    due = [c for c in cycles if quarter.first <= c.due_on < after]
    grid_returns = (
        return_reads.list_return_statuses(today=today, now=now, upto=max(c.number for c in due))
        if due
        else []
    )
    wanted = {c.number for c in due}
    statuses = [s for row in grid_returns for s in row if s.cycle_number in wanted]
    on_time = sum(1 for s in statuses if s.status == "submitted" and not s.late)
    late = sum(1 for s in statuses if s.status == "submitted" and s.late)

    months = [
        m
        for m in sef_rules.sef_months(sef_first_month, today)
        if rules.period_text(quarter.first) <= m < rules.period_text(after)
        and sef_rules.due_on(m, sef_due_working_day) <= today
    ]
    cells = (
        [
            c
            for row in sefs.list_sef_grid(months, today, due_working_day=sef_due_working_day)
            for c in row.cells
        ]
        if months
        else []
    )
    received = sum(
        1
        for c in cells
        if c.status in (sef_rules.SefStatus.SUBMITTED, sef_rules.SefStatus.SUBMITTED_LATE)
    )
    return ActionPlanPosition(
        as_at=today,
        window_from=quarter.first,
        window_to=min(today, after - timedelta(days=1)),
        total=sum(line.total for line in by_recommendation),
        grid=grid,
        by_recommendation=by_recommendation,
        by_lead_body=by_lead_body,
        locality_actions=locality_actions,
        returns_due=len(statuses),
        returns_on_time=on_time,
        returns_late=late,
        returns_missing=len(statuses) - on_time - late,
        sef_months=[sef_rules.month_label(m) for m in months],
        sefs_expected=len(cells),
        sefs_received=received,
        sefs_late=sum(1 for c in cells if c.late),
    )


def _add(line: RecommendationLine, lifecycle: str, rag: str | None, count: int) -> None:
    line.total += count
    if lifecycle in ("closed_evidenced", "superseded"):
        line.closed += count
    elif rag in ("red", "amber", "green"):
        setattr(line, rag, getattr(line, rag) + count)


def build_quarterly_report(
    quarter: Quarter,
    *,
    today: date,
    now: datetime,
    small_cohort_below: int = 10,
    sef_first_month: str,
    sef_due_working_day: int = sef_rules.DEFAULT_DUE_WORKING_DAY,
) -> QuarterlyReport:
    """The report for a quarter that has begun (a quarter in the future is refused)."""
    rules.check_not_future(quarter.first, today)
    previous = quarter.previous()
    current, before = get_scorecards([quarter, previous], small_cohort_below=small_cohort_below)
    return QuarterlyReport(
        quarter=quarter,
        previous=previous,
        today=today,
        generated_at=now,
        scorecard=current,
        previous_scorecard=before,
        summary=_summary(current, before),
        outside=sorted(current.outside_tolerance(), key=lambda r: r.kind != "key"),
        plan=_action_plan(today, now, quarter, sef_first_month, sef_due_working_day),
        meetings=_meetings_held(quarter, today),
        challenges=_challenges_in(quarter, now),
    )


def _challenges_in(quarter: Quarter, now: datetime) -> list[dict]:
    """Challenges raised, or with a step, from the quarter's first London day to its end (or
    now, for the quarter in progress): two statements."""
    from tracker.domain.calendar import LONDON
    from tracker.domain.measures import add_months
    from tracker.services.governance.challenges import challenge_evidence

    start = datetime.combine(quarter.first, datetime.min.time(), tzinfo=LONDON)
    end = datetime.combine(add_months(quarter.first, 3), datetime.min.time(), tzinfo=LONDON)
    return challenge_evidence(start, min(end, now))


_CHAIR = aliased(User)  # a meeting's chair: built once, not per query


def _meetings_held(quarter: Quarter, today: date) -> list[MeetingHeld]:
    """The board's, the group's and the Continuous Improvement Board's meetings held in the
    quarter (up to today), oldest first, with how many decisions and follow-ups each recorded:
    one query (and the set-up's, once a request, for their names)."""
    decisions = (
        select(func.count())
        .where(MeetingDecision.meeting_id == Meeting.id)
        .correlate(Meeting)
        .scalar_subquery()
    )
    follow_ups = (
        select(func.count())
        .where(MeetingFollowUp.meeting_id == Meeting.id)
        .correlate(Meeting)
        .scalar_subquery()
    )
    rows = db.session.execute(
        select(Meeting.held_on, Meeting.kind, _CHAIR.name, decisions, follow_ups)
        .join(_CHAIR, _CHAIR.id == Meeting.chair_id)
        .where(
            Meeting.held_on >= quarter.first,
            Meeting.held_on < rules.add_months(quarter.first, 3),
            Meeting.held_on <= today,
        )
        .order_by(Meeting.held_on, Meeting.id)
    ).all()
    if not rows:
        return []
    labels = kind_labels(current_setup().words)
    return [
        MeetingHeld(held_on, labels[MeetingKind(kind)], name, n_decisions, n_follow_ups)
        for held_on, kind, name, n_decisions, n_follow_ups in rows
    ]
