"""Every read, re-exported from the module that answers it (tracker/services/reads/), so callers
keep importing `queries`. New code may import the read model it needs directly."""

# The rows views annotate with: views never import tracker.models (issue 21.4).
from tracker.models import Plan, UpdateCycle  # noqa: F401
from tracker.services.plan.filters import SORT_KEYS, PlanFilters, parse_filters
from tracker.services.reads.action_rows import ActionRow
from tracker.services.reads.one_action import (
    HistoryEntry,
    Related,
    get_action,
    get_dependencies,
    get_history,
)
from tracker.services.reads.plan_lists import get_history_start, list_actions, updated_in_cycle
from tracker.services.reads.recommendations import (
    Counts,
    Progress,
    RecommendationSummary,
    get_deadline,
    get_inspection,
    get_progress,
    get_recommendation,
    list_further_findings,
    list_inspections,
    list_recommendations,
    totals,
)
from tracker.services.reads.reference import (
    PlanChoice,
    get_locality,
    get_plan,
    list_finding_menus,
    list_leads,
    list_organisations,
    list_plan_choices,
    list_plans,
    list_recommendation_refs,
)
from tracker.services.reads.state import (
    is_open_clause,
    join_latest_update,
    join_state,
    latest_versions,
    overdue_clause,
    state_for,
)

__all__ = [
    "SORT_KEYS",
    "ActionRow",
    "Counts",
    "HistoryEntry",
    "PlanChoice",
    "PlanFilters",
    "Progress",
    "RecommendationSummary",
    "Related",
    "get_action",
    "get_deadline",
    "get_dependencies",
    "get_history",
    "get_history_start",
    "get_inspection",
    "get_locality",
    "get_progress",
    "get_plan",
    "get_recommendation",
    "is_open_clause",
    "join_latest_update",
    "join_state",
    "latest_versions",
    "list_actions",
    "list_further_findings",
    "list_inspections",
    "list_leads",
    "list_organisations",
    "list_plan_choices",
    "list_plans",
    "list_finding_menus",
    "list_recommendation_refs",
    "list_recommendations",
    "overdue_clause",
    "parse_filters",
    "state_for",
    "totals",
    "updated_in_cycle",
]
