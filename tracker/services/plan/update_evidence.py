"""An update to an action with its evidence, in one step: the evidence items (files or links)
pass every check of the evidence page (tracker/services/plan/evidence.py) before anything is
written, and are written in the update's own transaction. A refused item writes nothing (but
its audit event); an update that is not saved leaves no item and no file behind."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime

from tracker.domain.permissions import Actor
from tracker.domain.updates import Proposal
from tracker.services.errors import NotFound
from tracker.services.plan import evidence as evidence_service
from tracker.services.plan import updates as update_service

# The evidence service's field names, as fields of an update (beside its "evidence" text).
FIELDS = {
    "title": "evidence_title",
    "evidence_type": "evidence_type",
    "evidence_date": "evidence_date",
    "file": "evidence_file",
    "url": "evidence_url",
}


def field_for(name: str) -> str:
    return FIELDS.get(name, "evidence_file")


def check_items(
    subject: evidence_service.Subject,
    items: Sequence[evidence_service.NewEvidence],
    *,
    actor: Actor,
    now: datetime,
    today: date,
    store: evidence_service.EvidenceStore | None,
    remote_addr: str = "",
) -> tuple[list[evidence_service.CheckedEvidence], dict[str, str]]:
    """(the items that passed, the errors of those that did not, by update field)."""
    checked, errors = [], {}
    for item in items:
        try:
            checked.append(
                evidence_service.check_new(
                    subject,
                    item,
                    actor=actor,
                    now=now,
                    today=today,
                    store=store,
                    remote_addr=remote_addr,
                )
            )
        except evidence_service.EvidenceRejected as exc:
            for name, message in exc.errors.items():
                errors.setdefault(field_for(name), message)
        except evidence_service.Forbidden:
            raise update_service.Forbidden(subject.label) from None
    return checked, errors


def record_update_with_evidence(
    ref: str,
    proposal: Proposal,
    *,
    evidence: Sequence[evidence_service.NewEvidence],
    store: evidence_service.EvidenceStore | None,
    expected_version: int,
    actor: Actor,
    now: datetime,
    today: date,
    cycle_start: date,
    remote_addr: str = "",
    before_commit: Callable[[update_service.ActionContext, int], None] | None = None,
) -> int:
    """`record_update` with evidence items added in the same transaction. Every problem is
    raised at once (the update's rules and each item's checks, as Rejected); 404, 403 and a
    stale version come first, as for any update."""
    common = {
        "expected_version": expected_version,
        "actor": actor,
        "now": now,
        "today": today,
        "cycle_start": cycle_start,
        "remote_addr": remote_addr,
        "before_commit": before_commit,
    }
    if not evidence:
        return update_service.record_update(ref, proposal, **common)
    contexts = update_service.load_contexts(refs=[ref])
    if not contexts:
        raise NotFound(f"No action {ref}")
    ctx = next(iter(contexts.values()))
    if not update_service.may_update(actor, ctx):
        raise update_service.Forbidden(ref)
    if ctx.action.version != expected_version:
        raise update_service.Conflict(
            ref,
            expected_version,
            ctx.action.version,
            update_service.changes_since(ctx.action.id, expected_version),
        )
    subject = evidence_service.action_subject(ref)
    checked, errors = check_items(
        subject, evidence, actor=actor, now=now, today=today, store=store, remote_addr=remote_addr
    )
    if errors:
        contexts = update_service.load_contexts(refs=[ref])  # a refusal's audit event committed
        ctx = next(iter(contexts.values()))
        rules = update_service.validate(ctx, proposal, actor, evidence_added=len(evidence))
        raise update_service.Rejected(rules | errors)
    staged: list[evidence_service.Staged] = []

    def add_evidence() -> None:
        staged.append(
            evidence_service.stage(
                subject, checked, actor=actor, now=now, store=store, remote_addr=remote_addr
            )
        )

    try:
        return update_service.record_update(
            ref,
            proposal,
            evidence_added=len(checked),
            with_change=add_evidence,
            **common,
        )
    except BaseException:
        for s in staged:
            s.discard()
        raise
