"""The return form's entries as plain values for the field macros (templates/macros/fields.html).

Drawing 380 entries through WTForms meant 380 FormFields of nine fields each, built, bound and
post-processed on every GET only to be read back by the macros: about a third of the page's
time at ten times the seed. Validation of a POST still goes through `ReturnForm`; what is drawn
is always the view's lines (pre-filled, or as typed), so plain objects give the same markup."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from markupsafe import Markup
from wtforms.fields.choices import SelectChoice

from tracker.domain.evidence import EvidenceType
from tracker.domain.states import Lifecycle
from tracker.services.loop import returns as return_service
from tracker.web.updates.forms import (
    IMPACT_CHOICES,
    RAG_CHOICES,
    ReturnEntryForm,
    lifecycle_choices,
)

# The hints the WTForms fields carry (their `description`), read once from the form class.
_HINTS = {
    name: getattr(ReturnEntryForm, name).kwargs.get("description", "")
    for name in ("summary", "reason", "evidence")
}


@dataclass(slots=True)
class EntryField:
    """One field as the macros read it: id, name, data, hint, choices and errors."""

    id: str
    name: str
    data: Any = None
    description: str = ""
    choices: tuple[tuple[str, str], ...] = ()  # (value, label)
    errors: list[str] = field(default_factory=list)

    def _value(self) -> str:
        return "" if self.data is None else str(self.data)

    @property
    def options_html(self) -> Markup:
        """A select's options, the chosen one selected, as the select macro writes them."""
        return _options(self.choices, self.data)


@lru_cache(maxsize=256)
def _options(choices: tuple[tuple[str, str], ...], data: Any) -> Markup:
    # Every entry picks from the same few lists: written once per list and chosen value.
    return Markup("").join(
        Markup('    <option value="{}"{}>{}</option>').format(
            value, Markup(" selected") if value == data else "", label
        )
        for value, label in choices
    )


def _pairs(choices: list[SelectChoice]) -> tuple[tuple[str, str], ...]:
    return tuple((str(c.value), str(c.label)) for c in choices)


@lru_cache(maxsize=16)
def _lifecycles(current: Lifecycle, can_sign_off: bool) -> tuple[tuple[str, str], ...]:
    return _pairs(lifecycle_choices(current, can_sign_off))


_RAG = _pairs(RAG_CHOICES)
_IMPACT = _pairs(IMPACT_CHOICES)


@dataclass(slots=True)
class Entry:
    """One action's fields, named as WTForms names them (`entries-3-summary`)."""

    ref: EntryField
    version: EntryField
    confirm_unchanged: EntryField
    confirm_label: str
    summary: EntryField
    rag: EntryField
    lifecycle: EntryField
    impact: EntryField
    reason: EntryField
    evidence: EntryField
    attach: EvidenceFields | None = None  # templates/returns/_entry_evidence.html


@dataclass(slots=True)
class EvidenceFields:
    """An evidence item given with the entry (NewEvidenceFields): a file or a link. A file
    input cannot be refilled, so only the link and the details are drawn as typed."""

    file: EntryField
    url: EntryField
    title: EntryField
    type: EntryField
    date: EntryField


_TYPES = (("", "Choose a type"), *((t.value, t.label) for t in EvidenceType))


def evidence_fields(prefix: str, typed: dict[str, str] | None = None) -> EvidenceFields:
    typed = typed or {}

    def f(name: str, **kw: Any) -> EntryField:
        return EntryField(id=prefix + name, name=prefix + name, data=typed.get(name, ""), **kw)

    return EvidenceFields(
        file=f("evidence_file"),
        url=f("evidence_url"),
        title=f("evidence_title"),
        type=f("evidence_type", choices=_TYPES),
        date=f("evidence_date"),
    )


def entries_for(
    view: return_service.ReturnView,
    *,
    can_sign_off: bool,
    typed_evidence: dict[str, dict[str, str]] | None = None,
) -> list[Entry]:
    """One entry per open action, pre-filled from the draft, what was typed or last cycle
    (`typed_evidence`: ref -> the evidence fields as posted)."""
    typed_evidence = typed_evidence or {}
    drawn = []
    for index, line in enumerate(view.lines):
        e = line.entry
        prefix = f"entries-{index}-"

        def f(name: str, data: Any, prefix: str = prefix, **kw: Any) -> EntryField:
            return EntryField(id=prefix + name, name=prefix + name, data=data, **kw)

        drawn.append(
            Entry(
                ref=f("ref", line.ref),
                version=f("version", e.version),
                confirm_unchanged=f("confirm_unchanged", bool(e.confirm_unchanged)),
                # Every checkbox names its action, as every other field's label does.
                confirm_label=f"No change this cycle for {line.ref}: keep the same summary",
                summary=f("summary", e.summary, description=_HINTS["summary"]),
                rag=f("rag", e.rag, choices=_RAG),
                lifecycle=f(
                    "lifecycle", e.lifecycle, choices=_lifecycles(line.lifecycle, can_sign_off)
                ),
                impact=f("impact", e.impact, choices=_IMPACT),
                reason=f("reason", e.reason, description=_HINTS["reason"]),
                evidence=f("evidence", e.evidence, description=_HINTS["evidence"]),
                attach=evidence_fields(prefix, typed_evidence.get(line.ref)),
            )
        )
    return drawn
