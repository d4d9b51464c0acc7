"""A meeting pack (the group's board pack, the board's meeting pack) as a Word document, for papers
that go through a committee system: A4, "Page X of Y" in the footer, and the same sections and
headings as the PDF (templates/meetings/pack.html and templates/packs/_paper.html), drawn from
the same snapshot and paper. The charts are the PDF's alone: Word gets their counts."""

from __future__ import annotations

import io
from datetime import date

from tracker.domain.measures import describe_target, format_value
from tracker.domain.meetings import pack_name
from tracker.http.report_files import _london, _table
from tracker.services.access.settings import current as current_setup
from tracker.services.governance.challenges import hidden_note
from tracker.services.governance.meetings import MeetingView
from tracker.services.governance.pack_paper import Paper, decision_line, state_words


def _grid(doc, header: list[str] | None, rows: list[list]) -> None:
    """A table as the report's Word file draws one (no caption: the pack's headings say it)."""
    _table(doc, None, header, rows)


def _day(iso: str | None) -> str:
    if not iso:
        return "Not set"
    d = date.fromisoformat(iso)
    return f"{d.day} {d:%b %Y}"


def _long(d: date) -> str:
    return f"{d:%A} {d.day} {d:%B %Y}"


def _field(run, code: str) -> None:
    """A Word field (PAGE, NUMPAGES) in a run: Word fills it in as it lays out the pages."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    for kind, text in (("begin", None), (None, code), ("end", None)):
        if kind:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
        else:
            element = OxmlElement("w:instrText")
            element.set(qn("xml:space"), "preserve")
            element.text = text
        run._r.append(element)


def _a4_with_page_numbers(doc, running_title: str) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Mm

    for section in doc.sections:
        section.page_width, section.page_height = Mm(210), Mm(297)
        section.left_margin = section.right_margin = Mm(20)
        section.top_margin = section.bottom_margin = Mm(20)
        footer = section.footer.paragraphs[0]
        footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
        footer.add_run(f"{running_title}. Page ")
        _field(footer.add_run(), "PAGE")
        footer.add_run(" of ")
        _field(footer.add_run(), "NUMPAGES")


def _challenges(doc, items: list[dict], empty: str) -> None:
    if not items and empty:
        doc.add_paragraph(empty)
    for c in items:
        doc.add_paragraph(f"{c['subject']}: {c['status_label']}", style="List Number")
        doc.add_paragraph(f"Raised by {c['raised_by']}, {_london(c['raised_at'])}: {c['question']}")
        for step in c["steps"]:
            text = f": {step['text']}" if step["text"] else ""
            doc.add_paragraph(
                f"{step['label']} by {step['by']}, {_london(step['at'])}{text}",
                style="List Bullet",
            )


def _counts(c) -> list:
    rag = c.rag_counts
    closed = c.lifecycle_counts.get("closed_evidenced", 0)
    return [c.action_count, closed, rag.get("red", 0), rag.get("amber", 0), rag.get("green", 0)]


def _events(doc, paper: Paper) -> None:
    """Progress by inspection and finding, as the pack's page has it."""
    doc.add_heading("Progress by inspection and finding", level=1)
    if not paper.events:
        doc.add_paragraph("No inspection or visit is recorded.")
        return
    counts = ["Actions", "Closed", "Red", "Amber", "Green", "Overdue"]
    _grid(
        doc,
        ["Inspection or visit", "Action plan due", "Findings", *counts],
        [
            [
                e.title if e.title == e.framework.name else f"{e.title} ({e.framework.name})",
                _long(e.deadline.due) if e.deadline else "None counted",
                len(e.findings),
                *_counts(e.progress),
                e.progress.overdue,
            ]
            for e in paper.events
        ],
    )
    for e in paper.events:
        if e.findings:
            doc.add_heading(f"{e.title}: the actions answering each finding", level=2)
            _grid(
                doc,
                ["Finding", "Kind", *counts],
                [[f"{f.ref}: {f.title}", f.kind_label, *_counts(f), f.overdue] for f in e.findings],
            )


def meeting_pack_docx(m: MeetingView, s: dict, paper: Paper) -> bytes:
    """The pack as Word: the snapshot `s` already cut to what its reader may read."""
    from docx import Document
    from docx.shared import Pt

    name = pack_name(m.kind, current_setup().words)
    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = "Arial"
    style.font.size = Pt(10)
    doc.core_properties.title = f"{name}, {_long(m.held_on)}"
    doc.core_properties.author = "Ofsted action plan tracker"
    _a4_with_page_numbers(doc, f"{name}, {_long(m.held_on)}")

    doc.add_heading(name, level=0)
    doc.add_paragraph(f"{m.kind_label}, {_long(m.held_on)}. Chair: {m.chair.name}.")
    t = s["totals"]
    doc.add_paragraph(
        f"Actions: {t['actions']} in all: {t['open']} open, {t['rag']['red']} red, "
        f"{t['overdue']} overdue."
    )
    doc.add_paragraph(
        "Illustrative demonstration data, not a real council's plan. This pack holds no "
        "child-level personal data."
    )

    doc.add_heading("Covering note", level=1)
    if paper.note:
        for para in paper.note.text.split("\n"):
            if para.strip():
                doc.add_paragraph(para)
        doc.add_paragraph(
            f"{paper.note.written_by}, {_london(paper.note.written_at.isoformat())} "
            f"(version {paper.note.version})"
        )
    else:
        doc.add_paragraph("No covering note has been written for this pack.")

    sc = paper.scorecard
    doc.add_heading(f"Performance scorecard: key measures, {sc.label}", level=1)
    if not sc.rows:
        doc.add_paragraph("No key measure is set up in the tracker: there is no scorecard to show.")
    elif not paper.has_values:
        doc.add_paragraph(
            f"No key measure has a value for {sc.label}: the scorecard has nothing to report "
            "for this quarter yet."
        )
    else:
        counts = ", ".join(f"{n} {status.value}" for status, n in paper.status_counts())
        doc.add_paragraph(f"Key measures against the target in force: {counts}.")
        _grid(
            doc,
            ["Measure", "Value", "Target (tolerance)", "Status"],
            [
                [
                    f"{r.code} {r.title}",
                    format_value(r.value, r.unit),
                    describe_target(r.target, r.tolerance, r.unit),
                    r.status.value if r.status else "No value",
                ]
                for r in sc.rows
            ],
        )

    doc.add_heading(f"Net changes {paper.since_words}", level=1)
    _grid(
        doc, ["Net change", "Actions"], [[label.capitalize(), n] for label, n in paper.net_lines()]
    )
    if paper.changes.net:
        _grid(
            doc,
            ["Ref", "Action", "From", "To", "Changes"],
            [
                [n.action_ref, n.action_title, state_words(n.start), state_words(n.end), n.moves]
                for n in paper.changes.net
            ],
        )
    else:
        doc.add_paragraph("No action's RAG moved and none was closed in this period.")

    doc.add_heading(f"Decisions {paper.since_words}", level=1)
    for label, items in paper.decisions:
        doc.add_heading(label, level=2)
        if not items:
            doc.add_paragraph("None.")
        for d in items:
            doc.add_paragraph(decision_line(d), style="List Bullet")

    _events(doc, paper)

    doc.add_heading("The meeting", level=1)
    doc.add_heading("Attended", level=2)
    people = [f"{p.name}, {p.job_title}" if p.job_title else p.name for p in m.attendees]
    if m.other_attendees:
        people.append(f"Also: {m.other_attendees}")
    for line in people or ["Not recorded."]:
        doc.add_paragraph(line, style="List Bullet" if people else None)
    doc.add_heading("Notes", level=2)
    for para in [p for p in m.notes.split("\n") if p.strip()] or ["No notes were recorded."]:
        doc.add_paragraph(para)
    doc.add_heading("Decisions", level=2)
    for d in m.decisions or []:
        doc.add_paragraph(d, style="List Number")
    if not m.decisions:
        doc.add_paragraph("No decisions were recorded.")
    doc.add_heading("Follow-ups", level=2)
    if m.follow_ups:
        _grid(
            doc,
            ["Follow-up", "Who", "Due"],
            [[f.text, f.assignee.name, _long(f.due_on)] for f in m.follow_ups],
        )
    else:
        doc.add_paragraph("No follow-ups were agreed.")

    doc.add_heading("Summary tables", level=1)
    _grid(
        doc,
        ["Plan", "Actions", "Open", "Red", "Overdue"],
        [
            [g["label"], g["actions"], g["open"], g["rag"]["red"], g["overdue"]]
            for g in s["by_plan"]
        ],
    )

    doc.add_heading("Exceptions: where each stands and what would close it", level=1)
    if paper.exceptions:
        _grid(
            doc,
            ["Ref", "Action and lead", "Where it stands", "What would close it"],
            [
                [
                    e.row["ref"],
                    f"{e.row['title']}. Lead: {e.row['lead_name'] or 'not set'}. "
                    f"Target {_day(e.row['target_date'])}",
                    e.standing,
                    e.closes,
                ]
                for e in paper.exceptions
            ],
        )
    else:
        doc.add_paragraph("No action was red, overdue or awaiting sign-off past its target date.")

    if s.get("evidence"):
        doc.add_heading("Evidence added since the last meeting", level=1)
        items = s["evidence"]["items"]
        for i in items:
            doc.add_paragraph(
                f"{i['ref']}: {i['title']} ({i['evidence_type_label']}, "
                f"{_day(i['evidence_date'])}), added by {i['added_by']}",
                style="List Bullet",
            )
        if not items:
            doc.add_paragraph("No evidence was added.")

    if "challenges" in s:
        doc.add_heading("Challenge and response", level=1)
        doc.add_heading("Open challenges: awaiting an answer", level=2)
        _challenges(doc, paper.challenges_open, "No challenge is open.")
        doc.add_heading("Answered challenges", level=2)
        hidden = s.get("challenges_hidden", 0)
        _challenges(
            doc, paper.challenges_answered, "" if hidden else "No challenge has been answered."
        )
        if hidden:
            doc.add_paragraph(hidden_note(hidden))

    if s.get("dashboard"):
        doc.add_heading("Charts", level=1)
        doc.add_paragraph("The charts are drawn in the PDF version of this pack.")

    doc.add_heading("Appendix: every action", level=1)
    labels = s["labels"]
    _grid(
        doc,
        ["Ref", "Action", "Lead", "Lifecycle", "RAG", "Target date"],
        [
            [
                a["ref"],
                a["title"],
                a["lead_name"] or "Not set",
                labels["lifecycle"][a["lifecycle"]],
                labels["rag"][a["rag"]] if a["rag"] else "None",
                _day(a["target_date"]),
            ]
            for a in s["actions"]
        ],
    )
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
