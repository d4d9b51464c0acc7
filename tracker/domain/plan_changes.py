"""Rules for changing the plan itself: adding an action, editing its fields, moving its target
date (a request and a chair's decision) and naming the action that supersedes it."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import date

from tracker.domain.states import Lifecycle
from tracker.domain.updates import TEXT_LIMIT

TITLE_LIMIT = 300
# The fields of an action a chair or admin may edit (its dates move only by request).
EDITABLE = ("title", "description", "lead", "lead_organisation", "partners", "success_measure")
FIELD_LABELS = {
    "title": "Title",
    "description": "Description",
    "lead": "Lead",
    "lead_organisation": "Lead organisation",
    "partners": "Partners",
    "success_measure": "Success measure",
    "target_date": "Target date",
    "superseded_by": "Replaced by",
}
_REF = re.compile(r"([A-Z]+)-(\d+)")


def next_ref(plan_kind: str, plan_code: str, existing_refs: Iterable[str]) -> str:
    """The next ref in a plan's sequence: the plan's own prefix (MAP- in the main plan, N- in
    North's) and one more than its highest number, padded as the plan pads them."""
    parsed = [m.groups() for r in existing_refs if (m := _REF.fullmatch(r))]
    if parsed:
        prefix = Counter(p for p, _ in parsed).most_common(1)[0][0]
        numbers = [n for p, n in parsed if p == prefix]
        width = max(len(n) for n in numbers)
        highest = max(int(n) for n in numbers)
    else:
        prefix = "MAP" if plan_kind == "main" else plan_code[:1].upper()
        width, highest = (3 if plan_kind == "main" else 2), 0
    return f"{prefix}-{highest + 1:0{width}d}"


@dataclass(frozen=True)
class PlanEntry:
    """An action's editable fields, as plain values (lead: the person's id as text, or '';
    lead_organisation: a code; partners: organisation codes, sorted)."""

    title: str
    description: str
    lead: str
    lead_organisation: str
    partners: tuple[str, ...]
    success_measure: str

    def value(self, name: str) -> str:
        raw = getattr(self, name)
        return ", ".join(raw) if isinstance(raw, tuple) else str(raw).strip()


@dataclass(frozen=True)
class FieldChange:
    field: str
    old: str
    new: str


def changed_fields(current: PlanEntry, proposed: PlanEntry) -> list[FieldChange]:
    """Each editable field whose value differs, in the form's order."""
    return [
        FieldChange(f.name, current.value(f.name), proposed.value(f.name))
        for f in fields(PlanEntry)
        if current.value(f.name) != proposed.value(f.name)
    ]


def _text_errors(values: dict[str, str]) -> dict[str, str]:
    errors = {}
    for name, value in values.items():
        limit = TITLE_LIMIT if name == "title" else TEXT_LIMIT
        if len(value) > limit:
            errors[name] = (
                f"{FIELD_LABELS.get(name, name.capitalize())} must be {limit} characters or fewer"
            )
    return errors


def check_reason(reason: str, errors: dict[str, str], what: str) -> None:
    if not reason.strip():
        errors["reason"] = f"Give a reason for {what}: it is kept in the action's history"
    elif len(reason) > TEXT_LIMIT:
        errors["reason"] = f"The reason must be {TEXT_LIMIT} characters or fewer"


def check_edit(
    current: PlanEntry, proposed: PlanEntry, reason: str, *, lifecycle: Lifecycle
) -> dict[str, str]:
    """An edit changes at least one field of an open action, keeps a title and gives a reason."""
    if Lifecycle(lifecycle).is_closed:
        return {
            "title": f"This action is {Lifecycle(lifecycle).label.lower()}: its plan entry "
            "can no longer be edited"
        }
    errors = _text_errors(
        {
            "title": proposed.title,
            "description": proposed.description,
            "success_measure": proposed.success_measure,
        }
    )
    if not proposed.title.strip():
        errors["title"] = "Enter a title"
    if not proposed.lead_organisation.strip():
        errors["lead_organisation"] = "Choose the lead organisation"
    if not errors and not changed_fields(current, proposed):
        errors["title"] = "Nothing has changed: change at least one field, or go back"
    check_reason(reason, errors, "the change")
    return errors


@dataclass(frozen=True)
class NewAction:
    recommendation: str
    title: str
    description: str
    lead_organisation: str
    start_date: date | None
    target_date: date | None
    success_measure: str
    reason: str


def check_new_action(new: NewAction) -> dict[str, str]:
    """A new action names its recommendation, title, lead organisation, target date (on or after
    its start date) and success measure, with the reason it is added."""
    errors = _text_errors(
        {"title": new.title, "description": new.description, "success_measure": new.success_measure}
    )
    if not new.recommendation:
        errors["recommendation"] = "Choose the recommendation this action answers"
    if not new.title.strip():
        errors["title"] = "Enter a title"
    if not new.lead_organisation:
        errors["lead_organisation"] = "Choose the lead organisation"
    if new.target_date is None:
        errors["target_date"] = "Enter a target date"
    elif new.start_date is not None and new.target_date < new.start_date:
        errors["target_date"] = "The target date must be the same as or after the start date"
    if not new.success_measure.strip():
        errors["success_measure"] = "Say how success will be measured"
    check_reason(new.reason, errors, "adding the action")
    return errors


def check_date_request(
    *,
    current: date | None,
    start: date | None,
    new: date,
    reason: str,
    lifecycle: Lifecycle,
    pending: bool,
    today: date,
) -> dict[str, str]:
    """A request to move a target date: for an open action with no request already waiting, to
    a different date that is today or later (and not before the start date), with a reason."""
    errors: dict[str, str] = {}
    if Lifecycle(lifecycle).is_closed:
        return {"new_date": "This action is closed: its target date cannot move"}
    if pending:
        return {
            "new_date": "A request to move this action's target date is already waiting for a "
            "chair's decision"
        }
    if new == current:
        errors["new_date"] = "The new target date must be different from the current one"
    elif new < today:
        errors["new_date"] = "The new target date must be today or in the future"
    elif start is not None and new < start:
        errors["new_date"] = "The new target date must be the same as or after the start date"
    check_reason(reason, errors, "moving the date")
    return errors


@dataclass(frozen=True)
class DateDecision:
    """What a decision leaves: the action's target date and its baseline (the date first agreed)."""

    target_date: date | None
    baseline_target_date: date | None


def check_decision(*, status: str, approve: bool, note: str) -> dict[str, str]:
    """Only a pending request is decided, once; refusing it says why."""
    if status != "pending":
        return {"decision": f"This request has already been {status}"}
    errors: dict[str, str] = {}
    if not approve and not note.strip():
        errors["note"] = "Say why the request is refused: the lead will see it"
    elif len(note) > TEXT_LIMIT:
        errors["note"] = f"The note must be {TEXT_LIMIT} characters or fewer"
    return errors


def decide(
    *, target: date | None, baseline: date | None, requested: date, approve: bool
) -> DateDecision:
    """Approved, the target date moves and the first agreed date is kept as the baseline;
    refused, nothing moves."""
    if not approve:
        return DateDecision(target, baseline)
    return DateDecision(requested, baseline if baseline is not None else target)


def is_rebaselined(baseline: date | None, target: date | None) -> bool:
    """An action is re-baselined once an approved request has moved its target date."""
    return baseline is not None and baseline != target


def check_replacement(
    *, action_ref: str, replacement_ref: str, found: bool, replacement_closed: bool
) -> str:
    """The action that supersedes another exists, is another action and is still open ('' when
    it may)."""
    if not replacement_ref.strip():
        return "Name the action that replaces this one, for example AP-012"
    if replacement_ref == action_ref:
        return "An action cannot be replaced by itself"
    if not found:
        return f"There is no action {replacement_ref}"
    if replacement_closed:
        return f"{replacement_ref} is closed: name an open action that replaces this one"
    return ""
