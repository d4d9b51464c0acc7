"""Filters for lists of actions, from query-string values: shared by the plan pages, the
all-actions list, the home page's counts and the API."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from tracker.domain.states import Lifecycle, Rag
from tracker.services.errors import BadFilter

SORT_KEYS = (
    "ref",
    "recommendation",
    "lead_organisation",
    "lead",
    "rag",
    "lifecycle",
    "target_date",
)


@dataclass
class PlanFilters:
    recommendation: str | None = None
    lead_organisation: str | None = None
    rag: str | None = None
    lifecycle: str | None = None
    overdue: bool | None = None
    sort: str = "ref"
    descending: bool = False
    plan: str | None = None  # the all-actions list only: a plan page is its own plan
    lead: int | None = None  # the lead person's user id
    involving: str | None = None  # an organisation that leads the action or is a partner on it
    due_within: int | None = None  # weeks: open, with a target date from today to then
    no_update: bool = False  # open, with no update recorded in the current cycle
    blocked: bool = False  # open, with an open prerequisite that is red or overdue
    date_clash: bool = False  # open, due before an open prerequisite is due
    # Complete, awaiting sign-off, and past its target date: waiting work, not overdue work.
    awaiting_past_target: bool = False
    open: bool = False  # not closed or superseded (the home page counts open actions)
    event: int | None = None  # an inspection event's id: actions answering any of its findings
    cycle: int | None = None  # the current cycle's number, set by the caller (not a filter)


# The query-string names a list of actions is asked with: its filters, its sort and `as_at`.
# The API list adds paging; an export takes exactly these.
LIST_PARAMS = frozenset(
    {
        "plan",
        "recommendation",
        "lead_organisation",
        "rag",
        "lifecycle",
        "overdue",
        "lead",
        "involving",
        "due_within",
        "no_update",
        "blocked",
        "date_clash",
        "awaiting_past_target",
        "open",
        "event",
        "sort",
        "as_at",
    }
)

_TRUE, _FALSE = {"true", "1", "yes"}, {"false", "0", "no"}
LONGEST_FILTER = 64
MOST_WEEKS = 52


def _flag(args: dict[str, str], name: str) -> bool | None:
    value = args.get(name)
    if value in (None, ""):
        return None
    if value not in _TRUE | _FALSE:
        raise BadFilter(name, f"{name} must be true or false")
    return value in _TRUE


def _whole_number(args: dict[str, str], name: str, lo: int, hi: int) -> int | None:
    value = (args.get(name) or "").strip()
    if not value:
        return None
    if not value.isdecimal() or len(value) > 10 or not lo <= int(value) <= hi:
        raise BadFilter(name, f"{name} must be a whole number from {lo} to {hi}")
    return int(value)


def check_plan(plan: str | None, plans: Collection[str]) -> str | None:
    """A plan filter's value: one of the plans' codes (from the database, in their order)."""
    if plan and plan not in plans:
        raise BadFilter("plan", "plan must be one of " + ", ".join(plans))
    return plan or None


def parse_filters(
    args: dict[str, str], *, cycle: int | None = None, plans: Collection[str] = ()
) -> PlanFilters:
    """Turn query-string values into filters, naming the parameter when one is not understood.
    `cycle` is the current cycle's number, which the 'no update this cycle' filter needs;
    `plans` the plans' codes, which a plan filter must be one of."""
    for name, value in args.items():
        if "\x00" in value or len(value) > LONGEST_FILTER:
            raise BadFilter(name, f"{name} is not a value the tracker understands")
    f = PlanFilters(cycle=cycle)
    f.plan = check_plan(args.get("plan"), plans)
    f.lead = _whole_number(args, "lead", 1, 2**31 - 1)
    f.event = _whole_number(args, "event", 1, 2**31 - 1)
    if involving := args.get("involving"):
        f.involving = involving.strip().lower()
    f.due_within = _whole_number(args, "due_within", 1, MOST_WEEKS)
    f.no_update = bool(_flag(args, "no_update"))
    f.blocked = bool(_flag(args, "blocked"))
    f.date_clash = bool(_flag(args, "date_clash"))
    f.awaiting_past_target = bool(_flag(args, "awaiting_past_target"))
    f.open = bool(_flag(args, "open"))
    if rec := args.get("recommendation"):
        f.recommendation = rec.strip().upper()
    if org := args.get("lead_organisation"):
        f.lead_organisation = org.strip().lower()
    if rag := args.get("rag"):
        if rag not in {r.value for r in Rag}:
            raise BadFilter("rag", "rag must be one of red, amber, green")
        f.rag = rag
    if lifecycle := args.get("lifecycle"):
        if lifecycle not in {s.value for s in Lifecycle}:
            raise BadFilter(
                "lifecycle", "lifecycle must be one of " + ", ".join(s.value for s in Lifecycle)
            )
        f.lifecycle = lifecycle
    f.overdue = _flag(args, "overdue")
    sort = args.get("sort") or "ref"
    if sort.startswith("-"):
        f.descending, sort = True, sort[1:]
    if sort not in SORT_KEYS:
        raise BadFilter("sort", "sort must be one of " + ", ".join(SORT_KEYS))
    f.sort = sort
    return f


def describe_filters(
    filters, leads, organisations, *, show_plan: bool, events: dict[int, str] | None = None
) -> list[str]:
    """The filters that chose a list's rows, in words: a printed page says them, since the
    filter form is not printed. `events`: each inspection event's title by id."""
    org_names = {o.code: o.name for o in organisations}
    said = []
    if show_plan and filters.plan:
        said.append(f"plan {filters.plan}")
    if filters.event is not None:
        title = (events or {}).get(filters.event, f"inspection or visit {filters.event}")
        said.append(f"answering a finding of {title}")
    if filters.recommendation:
        said.append(f"recommendation {filters.recommendation}")
    if filters.lead is not None:
        said.append(f"lead {dict(leads).get(filters.lead, filters.lead)}")
    if filters.lead_organisation:
        org = filters.lead_organisation
        said.append(f"lead organisation {org_names.get(org, org)}")
    if filters.involving:
        said.append(f"lead or partner {org_names.get(filters.involving, filters.involving)}")
    if filters.rag:
        said.append(f"RAG {filters.rag}")
    if filters.lifecycle:
        said.append(f"lifecycle {Lifecycle(filters.lifecycle).label.lower()}")
    if filters.overdue is not None:
        said.append("overdue only" if filters.overdue else "not overdue")
    if filters.open:
        said.append("open only")
    if filters.awaiting_past_target:
        said.append("complete, awaiting sign-off past its target date")
    if filters.due_within:
        said.append(f"due within {filters.due_within} weeks")
    if filters.no_update:
        said.append("no update this cycle")
    if filters.blocked:
        said.append("blocked by an open prerequisite")
    if filters.date_clash:
        said.append("due before a prerequisite")
    return said
