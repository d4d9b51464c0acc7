"""What is searchable today, one registration each. To add a source (evidence, challenges):
one `register_source` call like these, for a model whose rows are written through the ORM."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from tracker.domain.sef import FIELD_LABELS, SELF_GRADE, own_answers
from tracker.models import (
    Action,
    ActionUpdate,
    Challenge,
    ChallengeStep,
    Evidence,
    Recommendation,
    SefVersion,
)
from tracker.services.search.index import Document, Link, register_source

SEF_TEXT = tuple(name for name in FIELD_LABELS if name != SELF_GRADE)


def _join(*parts: str | None) -> str:
    return "\n".join(p for p in parts if p)


register_source(
    Recommendation,
    kind="recommendation",
    label="Recommendation",
    fields=("ref", "title", "text"),
    to_document=lambda r: Document(title=f"{r.ref} {r.title}", body=r.text, ref=r.ref),
    link=lambda hit: Link("pages.recommendation", {"ref": hit.ref}),
)

register_source(
    Action,
    kind="action",
    label="Action",
    fields=("ref", "title", "description", "success_measure", "plan_id"),
    to_document=lambda a: Document(
        title=f"{a.ref} {a.title}",
        body=_join(a.description, a.success_measure),
        action_id=a.id,
        ref=a.ref,
    ),
    link=lambda hit: Link("plans.action", {"ref": hit.action_ref}),
)


def _update_document(u: Any) -> Document | None:
    """A progress summary, a reason and an evidence note: a "no change" row repeats the
    summary before it, so only its reason (if any) is new."""
    summary = "" if u.no_change else u.summary
    body = _join(summary, u.reason, u.evidence)
    if not body.strip():
        return None
    return Document(title="", body=body, action_id=u.action_id)


register_source(
    ActionUpdate,
    kind="update",
    label="Progress update",
    fields=("summary", "reason", "evidence", "no_change"),
    to_document=_update_document,
    link=lambda hit: Link("plans.action", {"ref": hit.action_ref, "_anchor": "history"}),
)


def _sef_document(v: Any) -> Document:
    """One document per locality, month and status: the latest version of each (drafts only
    for those who may read them)."""
    own = own_answers(getattr(v, "own_sections", None))  # the council's own sections' answers
    body = _join(*(getattr(v, name) for name in SEF_TEXT), *(o.answer for o in own))
    return Document(
        title="Self-evaluation",
        body=body,
        locality_id=v.locality_id,
        audience="plan" if v.status == "submitted" else "sef_draft",
        ref=v.month,
        key=f"{v.locality_id}:{v.month}:{v.status}",
    )


register_source(
    SefVersion,
    kind="sef",
    label="SEF",
    fields=("status", *SEF_TEXT, "own_sections"),
    to_document=_sef_document,
    link=lambda hit: Link("sefs.edit", {"locality": hit.locality_code, "month": hit.ref}),
    rows=lambda: select(SefVersion.__table__).order_by(SefVersion.version),
)


# The challenge log: a challenge's question and each step's text (a response, or the note on an
# acceptance or escalation). Only those who see every challenge find them (audience "challenge"):
# a lead finds the challenges put to them on their home page and the action's page instead.
register_source(
    Challenge,
    kind="challenge",
    label="Challenge",
    fields=("question",),
    to_document=lambda c: Document(
        title="",
        body=c.question,
        action_id=c.action_id,
        locality_id=c.locality_id,
        audience="challenge",
        ref=str(c.id),
    ),
    link=lambda hit: Link("challenges.show", {"challenge_id": int(hit.ref)}),
)


def _step_document(step: Any) -> Document | None:
    if not (step.text or "").strip():
        return None
    return Document(
        title="",
        body=step.text,
        action_id=step.action_id,
        audience="challenge",
        ref=str(step.challenge_id),
    )


register_source(
    ChallengeStep,
    kind="challenge_step",
    label="Response to a challenge",
    plural="Responses to challenges",
    fields=("text",),
    to_document=_step_document,
    link=lambda hit: Link("challenges.show", {"challenge_id": int(hit.ref)}),
)


def _evidence_document(e: Any) -> Document:
    """An evidence item's title (and its file's name or link). Evidence on an action is read by
    everyone who reads the plan; evidence on a SEF only by those who may read its drafts here
    (the pages show it to everyone once the SEF is submitted: search errs on the side of less)."""
    on_sef = e.action_id is None
    return Document(
        title=e.title,
        body=_join(e.filename, e.url),
        action_id=e.action_id,
        locality_id=e.sef_locality_id,
        audience="sef_draft" if on_sef else "plan",
        ref=(e.sef_month or "") if on_sef else "",
    )


register_source(
    Evidence,
    kind="evidence",
    label="Evidence",
    plural="Evidence",
    fields=("title", "filename", "url"),
    to_document=_evidence_document,
    link=lambda hit: (
        Link("plans.action", {"ref": hit.action_ref, "_anchor": "evidence"})
        if hit.action_ref
        else Link("sefs.edit", {"locality": hit.locality_code, "month": hit.ref})
    ),
)
