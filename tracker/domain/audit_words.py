"""The audit log in words: each kind of event as a sentence with names, never raw ids.

`KINDS` is the table: an event's kind -> its label (for the filter's list) and its sentence.
A sentence is a template: `{key}` is a value of the event (`about` is its target, the rest its
detail), and a part in square brackets is left out when a value it names is missing or empty.
Ids named in a kind's `people` or `localities` keys are turned into names. A kind not in the table
(an old or a new one) still reads: its kind in words, what it was about and its details.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from tracker.domain.permissions import Role
from tracker.domain.setup import MEETING_KINDS, MeetingDay
from tracker.domain.states import Impact, Lifecycle, Rag


@dataclass(frozen=True)
class Names:
    """Everything an event may name, by id (and localities by code)."""

    people: Mapping[int, str] = field(default_factory=dict)
    localities: Mapping[int, str] = field(default_factory=dict)
    locality_codes: Mapping[str, str] = field(default_factory=dict)
    organisations: Mapping[int, str] = field(default_factory=dict)
    meeting_kinds: Mapping[str, str] = field(default_factory=dict)  # in the organisation's words


@dataclass(frozen=True)
class Kind:
    label: str
    sentence: str | Callable[[dict[str, Any], Names], str]
    people: tuple[str, ...] = ()  # detail keys holding a person's id (or a list of them)
    localities: tuple[str, ...] = ()  # detail keys holding a locality's id


_TRANSITION = "[ from {from}][ to {to}]"

KINDS: dict[str, Kind] = {
    # Signing in and out
    "sign_in": Kind("Signed in", "Signed in"),
    "sign_in_failed": Kind("Sign-in refused", "Sign-in refused for {about}"),
    "sign_in_confirmed": Kind("Password confirmed", "Confirmed their password to continue"),
    "sign_in_confirm_failed": Kind(
        "Password not confirmed", "Wrong password when asked to confirm it"
    ),
    "sign_out": Kind("Signed out", "Signed out"),
    "new_password_requested": Kind(
        "New password asked for", "“Forgot your password?” used for {about}"
    ),
    "mail_preference_set": Kind("Mail choice set", "Chose to be told by {preference} mail"),
    "return_no_change_marked": Kind(
        "Return: no change marked",
        "“No change this cycle” marked on the draft return for {about}"
        "[ for {actions} untouched actions][: {refs}]",
    ),
    "permission_refused": Kind(
        "Refused: no permission", "Refused {method} {about}[ (needs {permission})]"
    ),
    # People
    "tracker_initialised": Kind(
        "Tracker set up",
        "Set up for {organisation} ({kind}) with {about} as its first administrator",
    ),
    "user_created": Kind("Account made", "Account made for {about}[ as {role}]"),
    "person_invited": Kind(
        "Person invited",
        "{person} invited[ as {role}][, replacing {replaced_deputy} as deputy]",
        people=("person_id",),
    ),
    "person_reinvited": Kind("Invitation sent again", "New invitation sent to {about}"),
    "person_imported": Kind(
        "Person imported",
        "{person} added from a people sheet[ as {role}]: their invitation waits to be sent",
        people=("person_id",),
    ),
    "invitation_used": Kind("Invitation used", "Password set from an invitation"),
    "person_changed": Kind("Person changed", lambda v, n: _person_changed(v, n)),
    "person_left": Kind(
        "Person marked as left",
        "{person} marked as left[ on {left_on}][; open actions {open_actions} chased through "
        "{chased_through}][; no longer deputy for {was_deputy_for}]",
        people=("person_id", "chased_through"),
        localities=("was_deputy_for",),
    ),
    "actions_reassigned": Kind(
        "Actions reassigned",
        "Open actions of {from} reassigned to {to}[: {refs}]",
        people=("from", "to"),
    ),
    "people_anonymised": Kind(
        "Leavers anonymised", "Leavers anonymised ({about})[: {people}]", people=("people",)
    ),
    "token_created": Kind(
        "API token made",
        "API token[ “{label}”] made for {person}[, expiring {expires_on}]",
        people=("person_id",),
    ),
    "token_revoked": Kind(
        "API tokens revoked", "{count} API token(s) of {person} revoked", people=("person_id",)
    ),
    "calendar_feed_created": Kind(
        "Calendar link made", "Calendar feed link made for {person}", people=("person_id",)
    ),
    "calendar_feed_reset": Kind(
        "Calendar link replaced", "Calendar feed link replaced for {person}", people=("person_id",)
    ),
    "calendar_feed_revoked": Kind(
        "Calendar link turned off",
        "Calendar feed link turned off for {person}",
        people=("person_id",),
    ),
    "calendar_feed_read": Kind("Calendar feed read", "Calendar feed read[ ({events} events)]"),
    # Set-up: organisations and areas
    "organisation_added": Kind("Organisation added", "Organisation {about} added[ ({kind})]"),
    "organisation_changed": Kind("Organisation changed", lambda v, n: _organisation_changed(v)),
    "organisation_removed": Kind("Organisation removed", "Organisation {about} removed"),
    "area_added": Kind("Area added", "Area {about} added[ with its plan, {plan}]"),
    "area_renamed": Kind("Area renamed", "Area {from} renamed {to}[; its plan is now {plan}]"),
    "area_retired": Kind(
        "Area retired", "Area {about} retired: no more returns or SEFs are asked of it"
    ),
    "area_unretired": Kind(
        "Area back in use", "Area {about} back in use: its returns and SEFs are asked for again"
    ),
    "area_removed": Kind("Area removed", "Area {about} removed[ with its empty plan, {plan}]"),
    # Actions and the plan
    "action_updated": Kind("Action updated", "{about} updated[: {lifecycle}][, {rag}]"),
    "action_signed_off": Kind("Action signed off", "{about} signed off as closed with evidence"),
    "action_returned": Kind("Sign-off refused", "{about} returned to its lead, not signed off"),
    "action_superseded": Kind("Action superseded", "{about} superseded[ by {superseded_by}]"),
    "action_edited": Kind("Action edited", "{about} edited[: {fields}]"),
    "action_added": Kind("Action added", "{about} added[ to the {plan} plan]"),
    "target_date_requested": Kind(
        "Target date change asked", "New target date asked for {about}" + _TRANSITION
    ),
    "target_date_approved": Kind(
        "Target date change approved", "Target date change for {about} approved" + _TRANSITION
    ),
    "target_date_refused": Kind(
        "Target date change refused", "Target date change for {about} refused" + _TRANSITION
    ),
    "dependency_added": Kind(
        "Dependency added",
        "{about} now depends on {depends_on}[; target dates clash: {date_clash}]",
    ),
    "dependency_removed": Kind("Dependency removed", "{about} no longer depends on {depends_on}"),
    "recommendation_added": Kind(
        "Recommendation added", "Recommendation {about} added[ from {file}]"
    ),
    "recommendation_changed": Kind(
        "Recommendation changed", "Recommendation {about} changed[ from {file}]"
    ),
    "inspection_added": Kind(
        "Inspection added",
        "Inspection {about} added[: {title}][ ({framework})][; findings added: {findings_added}]",
    ),
    "inspection_changed": Kind(
        "Inspection changed",
        "Inspection {about} changed[: {title}][ ({framework})][; findings added: "
        "{findings_added}][; findings changed: {findings_changed}]",
    ),
    "inspection_framework_changed": Kind(
        "Inspection kind changed", "Inspection {about} is now: {framework}[ (it was: {was})]"
    ),
    "plan_submission_recorded": Kind(
        "Plan sent to Ofsted", "Action plan recorded as sent to Ofsted[ on {submitted_on}]"
    ),
    "import": Kind("Plan imported", "Plan file {about} read[ ({rows} rows)][; applied: {applied}]"),
    "people_import": Kind(
        "People sheet imported",
        "People sheet {about} read[ ({rows} rows)][; people added: {added}]",
    ),
    "export": Kind("Export", "Exported {about}[ ({rows} rows)]"),
    "report_generated": Kind("Report made", "Quarterly report {about} made"),
    # Returns, SEFs, evidence, challenges
    "return_draft_saved": Kind(
        "Return draft saved", "Draft return saved for {about}[ ({entries} entries)]"
    ),
    "return_submitted": Kind(
        "Return submitted", "Return submitted for {about}[ ({updates} updates)][; late: {late}]"
    ),
    "return_amended": Kind(
        "Return amended", "Return amended for {about}[ ({updates} updates)][; late: {late}]"
    ),
    "return_reopened": Kind("Return reopened", "Return reopened for {about}"),
    "sef_draft_saved": Kind("SEF draft saved", "SEF draft saved for {about}[ (version {version})]"),
    "sef_submitted": Kind("SEF submitted", "SEF submitted for {about}[ (version {version})]"),
    "evidence_added": Kind("Evidence added", "Evidence[ “{title}”] added to {about}"),
    "evidence_withdrawn": Kind(
        "Evidence withdrawn", "Evidence[ “{title}”] withdrawn from {about}[: {reason}]"
    ),
    "evidence_refused": Kind("Evidence refused", "Evidence refused for {about}[: {errors}]"),
    "evidence_infected": Kind(
        "File with a virus refused", "A file with a virus refused for {about}"
    ),
    "evidence_downloaded": Kind("Evidence downloaded", "Evidence file downloaded from {about}"),
    "evidence_download_refused": Kind(
        "Evidence download refused", "Evidence file download refused for {about}"
    ),
    "challenge_raised": Kind("Challenge raised", "Challenge raised on {about}"),
    "challenge_responded": Kind("Challenge answered", "Challenge on {about} answered"),
    "challenge_accepted": Kind("Challenge accepted", "Challenge on {about} accepted"),
    "challenge_escalated": Kind("Challenge escalated", "Challenge on {about} escalated"),
    # Meetings, measures, mail and the scheduler
    "meeting_recorded": Kind(
        "Meeting recorded", "{kind} meeting[ of {held_on}] recorded[ ({actions} actions)]"
    ),
    "follow_up_done": Kind("Follow-up done", "Meeting follow-up marked done"),
    "follow_up_reopened": Kind("Follow-up reopened", "Meeting follow-up reopened"),
    "pack_note_written": Kind(
        "Pack covering note written", "Meeting pack's covering note written[ (version {version})]"
    ),
    "measure_values_recorded": Kind(
        "Measure values recorded",
        "Measure values recorded for {about}[: {added} added][, {replaced} replaced]",
    ),
    "measure_target_set": Kind(
        "Measure target set",
        "Target for {about} set to {target}[, tolerance {tolerance}][, from {from}]",
    ),
    "outbox_resent": Kind("Message sent again", "Message to {about} queued to send again"),
    "chase_run": Kind("Daily chase", "Daily chase wrote {messages} messages[ about {items} items]"),
    "scheduler_caught_up": Kind(
        "Scheduler caught up", "Scheduler caught up on missed days[: {missed_days}]"
    ),
    "seed_loaded": Kind("Demo data loaded", "Demo data loaded"),
    # The set-up (tracker/services/access/settings.py)
    "setup.words": Kind("Words changed", lambda values, names: _words_changed(values)),
    "setup.meeting_days": Kind(
        "Meeting days changed", lambda values, names: _meeting_days_changed(values, names)
    ),
}

_PART = re.compile(r"\[([^\[\]]*)\]")
_KEY = re.compile(r"\{([a-z_]+)\}")
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_WORDS_FOR = {
    **{r.value: r.label for r in Role},
    **{s.value: s.label for s in Lifecycle},
    **{s.value: s.label for s in Rag},
    **{s.value: s.label for s in Impact},
}
_WORDED_KEYS = {"role", "lifecycle", "rag", "impact", "kind"}
# A person's details as an admin changes them (see services.people), in the order they are read.
_FIELDS = {
    "name": "name",
    "email": "email address",
    "job_title": "job title",
    "organisation_id": "organisation",
    "role": "role",
    "locality_id": "area",
    "line_manager_id": "line manager",
}


def kind_label(kind: str) -> str:
    """What the filter's list calls a kind: the table's label, or the kind in words."""
    known = KINDS.get(kind)
    return known.label if known else _words(kind)


def describe(kind: str, target: str, detail: Mapping[str, Any] | None, names: Names) -> str:
    """The event as one sentence with names, for the audit page and its CSV."""
    detail = dict(detail or {}) if isinstance(detail, Mapping) else {}
    known = KINDS.get(kind)
    if known is None:
        return _fallback(kind, target, detail, names)
    values = _values(known, target, detail, names)
    try:
        if callable(known.sentence):
            return known.sentence(values, names)
        return _fill(known.sentence, values)
    except (KeyError, TypeError, ValueError):  # an event older than its sentence: still read
        return _fallback(kind, target, detail, names)


def _values(known: Kind, target: str, detail: dict[str, Any], names: Names) -> dict[str, Any]:
    values: dict[str, Any] = {k: _text(v, key=k) for k, v in detail.items()}
    for key in known.people:
        if key in detail:
            values[key] = _named(detail[key], names.people)
    for key in known.localities:
        if key in detail:
            values[key] = _named(detail[key], names.localities)
    values["about"] = _about(target, names)
    if detail.get("kind") in names.meeting_kinds:
        values["kind"] = names.meeting_kinds[detail["kind"]]
    values["_detail"] = detail  # as recorded, for a sentence made by a function
    if "person_id" in detail:
        values["person"] = _named(detail["person_id"], names.people) or target
    return values


def _fill(template: str, values: Mapping[str, Any]) -> str:
    """`{key}` from `values`; a `[part]` only when every key it names has a value."""

    def part(match: re.Match) -> str:
        inner = match.group(1)
        if all(values.get(k) not in (None, "", []) for k in _KEY.findall(inner)):
            return _KEY.sub(lambda m: str(values[m.group(1)]), inner)
        return ""

    text = _PART.sub(part, template)
    missing = [k for k in _KEY.findall(text) if values.get(k) in (None, "")]
    if missing:
        raise KeyError(missing[0])
    return _KEY.sub(lambda m: str(values[m.group(1)]), text)


# The organisation's words (tracker/domain/setup.py), as a change names them.
_WORD_NAMES = {
    "board": "the board",
    "board_short": "the board's short name",
    "group": "the group",
    "group_short": "the group's short name",
    "scrutiny": "the scrutiny body",
    "area": "the name of an area",
    "areas": "the name of areas",
}


def _words_changed(values: dict[str, Any]) -> str:
    """ "The organisation's words changed: the board from “X” to “Y”" (or "set to “Y”", the
    first time, over the defaults)."""
    detail = values["_detail"]
    old, new = detail.get("from"), detail.get("to")
    old = old if isinstance(old, Mapping) else {}
    new = new if isinstance(new, Mapping) else {}
    changes = [
        f"{name} from “{old[key]}” to “{new[key]}”"
        if old.get(key)
        else f"{name} set to “{new[key]}”"
        for key, name in _WORD_NAMES.items()
        if new.get(key) and new.get(key) != old.get(key)
    ]
    return "The organisation's words changed" + (": " + "; ".join(changes) if changes else "")


def _meeting_days_changed(values: dict[str, Any], names: Names) -> str:
    """ "The meetings' usual days changed: Strategic group from “The third Thursday …” to
    “The last Friday …”" (each kind whose day changed, in the organisation's words)."""
    detail = values["_detail"]
    old, new = detail.get("from"), detail.get("to")
    old = old if isinstance(old, Mapping) else {}
    new = new if isinstance(new, Mapping) else {}
    changes = []
    for kind in MEETING_KINDS:
        if not isinstance(new.get(kind), Mapping) or new.get(kind) == old.get(kind):
            continue
        name = names.meeting_kinds.get(kind, _words(kind))
        after = MeetingDay.from_dict(new[kind]).label
        if isinstance(old.get(kind), Mapping):
            changes.append(f"{name} from “{MeetingDay.from_dict(old[kind]).label}” to “{after}”")
        else:
            changes.append(f"{name} set to “{after}”")
    return "The meetings' usual days changed" + (": " + "; ".join(changes) if changes else "")


def _organisation_changed(values: dict[str, Any]) -> str:
    changes = values["_detail"].get("changes") or {}
    parts = [
        f"{label} changed from {changes[key][0]} to {changes[key][1]}"
        for key, label in (("name", "name"), ("kind", "kind"))
        if key in changes
    ]
    return f"Organisation {values.get('about', '')}: {'; '.join(parts) or 'nothing changed'}"


def _person_changed(values: dict[str, Any], names: Names) -> str:
    """ "Alex Smith named deputy for Eastside", or "Sam Jones's role changed from Action
    lead to Chair or senior leader; line manager from none to Jo Brown"."""
    person = values["person"]
    changes = values["_detail"].get("changes")
    raw = changes if isinstance(changes, Mapping) else {}
    parts: list[tuple[str, str]] = []
    for key, label in _FIELDS.items():
        if key in raw:
            old, new = (list(raw[key]) + [None, None])[:2]
            parts.append(
                (label, f"from {_changed(key, old, names)} to {_changed(key, new, names)}")
            )
    clauses: list[str] = []
    if len(parts) == 1:
        clauses.append(f"{person}'s {parts[0][0]} changed {parts[0][1]}")
    elif parts:
        clauses.append(f"{person}'s details changed: " + "; ".join(f"{a} {b}" for a, b in parts))
    if "deputy_locality_id" in raw:
        old, new = (list(raw["deputy_locality_id"]) + [None, None])[:2]
        if new is not None:
            clause = f"{person} named deputy for {_named(new, names.localities)}"
            if old is not None:
                clause += f" (was {_named(old, names.localities)})"
        else:
            clause = f"{person} no longer deputy for {_named(old, names.localities)}"
        if values.get("replaced_deputy"):
            clause += f", replacing {values['replaced_deputy']}"
        clauses.append(clause)
    return "; ".join(clauses) or f"{person}: nothing changed"


def _changed(key: str, value: Any, names: Names) -> str:
    if value in (None, ""):
        return "none"
    if key == "organisation_id":
        return _named(value, names.organisations)
    if key == "locality_id":
        return _named(value, names.localities)
    if key == "line_manager_id":
        return _named(value, names.people)
    return _text(value, key=key)


def _fallback(kind: str, target: str, detail: Mapping[str, Any], names: Names) -> str:
    """An event the table does not know, still in words: "Widget moved: about X; count: 3"."""
    text = _words(kind)
    if target:
        text += f": about {_about(target, names)}"
    if "person_id" in detail:
        text += f"; person: {_named(detail['person_id'], names.people)}"
    rest = [
        f"{_words(k).lower()}: {_text(v, key=k)}"
        for k, v in detail.items()
        if k != "person_id" and v not in (None, "", [], {})
    ]
    if rest:
        text += "; " + "; ".join(rest)
    return text


def _about(target: str, names: Names) -> str:
    """A target like "eastside cycle 3" or "eastside SEF 2025-03" with the locality's name."""
    first, _, rest = (target or "").partition(" ")
    if rest and first in names.locality_codes:
        return f"{names.locality_codes[first]} {rest}"
    return target or ""


def _named(value: Any, table: Mapping[int, str]) -> str:
    if isinstance(value, list):
        return ", ".join(_named(v, table) for v in value)
    if isinstance(value, bool) or value is None:
        return ""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return str(value)
    return table.get(number, f"number {number} (no longer known)")


def _text(value: Any, *, key: str = "") -> str:
    """A detail's value in words: dates as 27 March 2025, yes and no, lists joined."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str):
        if key in _WORDED_KEYS and value in _WORDS_FOR:
            return _WORDS_FOR[value]
        if _ISO_DAY.fullmatch(value):
            try:
                day = date.fromisoformat(value)
            except ValueError:
                return value
            return f"{day.day} {day.strftime('%B %Y')}"
        return value
    if isinstance(value, Mapping):
        return "; ".join(f"{_words(str(k)).lower()}: {_text(v)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return ", ".join(_text(v) for v in value)
    return str(value)


def _words(kind: str) -> str:
    text = str(kind).replace("_", " ").strip()
    return text[:1].upper() + text[1:] if text else "Event"
