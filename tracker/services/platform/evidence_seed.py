"""Illustrative evidence items for the seed: every action the history leaves closed with evidence
or complete and awaiting sign-off gets one, as its lead would have added it, so that the demo's
sign-off queue can be worked through.

Each item is a link (no file is stored) to an address on the illustrative intranet, titled
"Illustrative: ..." from what the lead typed in the history's evidence column (a description,
not proof). It is added by the action's lead (or, with no lead, by whoever marked it complete)
an hour before the action was marked complete, and dated that day."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from sqlalchemy import select

from tracker.domain.calendar import LONDON
from tracker.domain.evidence import TITLE_LIMIT, EvidenceType
from tracker.extensions import db
from tracker.models import Action, Evidence

DONE = ("complete_awaiting_signoff", "closed_evidenced")
PREFIX = "Illustrative: "
URL = "https://intranet.example/illustrative/evidence/{ref}"
ADDED_BEFORE = timedelta(hours=1)

# The first word that says what kind of document the description is about.
_TYPES = (
    (EvidenceType.AUDIT, ("audit", "dip sample", "sample", "checked", "validated", "review")),
    (EvidenceType.MINUTES, ("minutes", "log", "notes", "conference", "meeting", "board")),
    (EvidenceType.TRAINING_RECORD, ("training", "briefing", "briefed", "attendance", "launched")),
    (
        EvidenceType.POLICY,
        ("policy", "protocol", "standard", "guide", "threshold", "framework", "template"),
    ),
    (EvidenceType.DATA, ("report", "dashboard", "data", "%", "indicator", "measures")),
)


def evidence_type_for(text: str) -> EvidenceType:
    lowered = text.lower()
    for kind, words in _TYPES:
        if any(w in lowered for w in words):
            return kind
    return EvidenceType.OTHER


def title_for(description: str, action_title: str) -> str:
    """The description's first clause (up to a colon, semicolon or full stop), or the action's
    title when the lead typed none, labelled illustrative and kept within the title limit."""
    text = re.split(r"[:;]|\.\s", description.strip(), maxsplit=1)[0].strip().rstrip(".")
    text = text or action_title.strip()
    room = min(TITLE_LIMIT, 150) - len(PREFIX)
    if len(text) > room:
        text = text[: room - 3].rsplit(" ", 1)[0] + "..."
    return PREFIX + text


def derive_evidence(update_rows: list[dict], actions: dict[str, Action]) -> int:
    """One illustrative link for each action the history leaves done, unless it has evidence."""
    by_id = {a.id: a for a in actions.values()}
    history: dict[int, list[dict]] = {}
    for row in update_rows:
        history.setdefault(row["action_id"], []).append(row)
    done = {
        action_id: sorted(rows, key=lambda r: r["version"])
        for action_id, rows in history.items()
        if max(rows, key=lambda r: r["version"])["lifecycle"] in DONE
    }
    if not done:
        return 0
    has_evidence = set(
        db.session.execute(
            select(Evidence.action_id).where(Evidence.action_id.in_(list(done))).distinct()
        ).scalars()
    )
    made = 0
    for action_id, rows in done.items():
        if action_id in has_evidence:
            continue
        action = by_id[action_id]
        marked = _marked_complete(rows)
        added_at: datetime = marked["recorded_at"] - ADDED_BEFORE
        description = next((r["evidence"] for r in rows if r["evidence"].strip()), "")
        if marked["evidence"].strip():
            description = marked["evidence"]
        db.session.add(
            Evidence(
                action_id=action_id,
                kind="link",
                url=URL.format(ref=action.ref.lower()),
                title=title_for(description, action.title),
                evidence_type=evidence_type_for(description).value,
                evidence_date=added_at.astimezone(LONDON).date(),
                added_by_id=action.lead_user_id or marked["author_id"],
                added_at=added_at,
            )
        )
        made += 1
    db.session.flush()
    return made


def _marked_complete(rows: list[dict]) -> dict:
    """The row that began the action's last run of being done: the last one marking it complete
    after it was open (or the closing row, if it was closed without being marked complete)."""
    marked = None
    previous = None
    for row in rows:
        if row["lifecycle"] in DONE and previous not in DONE:
            marked = row
        previous = row["lifecycle"]
    return marked or rows[-1]
