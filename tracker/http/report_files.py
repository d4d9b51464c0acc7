"""The quarterly report as files for committee papers: PDF (WeasyPrint, from the same HTML as
the page) and Word (python-docx: councils file committee papers in Word)."""

from __future__ import annotations

import io
from dataclasses import replace

from flask import render_template
from flask_login import current_user

from tracker.domain.measures import Status, describe_target, format_value
from tracker.http.access import actor_for
from tracker.http.packs import draw_bounded
from tracker.services import reports
from tracker.services.challenges import hidden_note, readable_evidence
from tracker.services.reports import QuarterlyReport
from tracker.services.spool import spool


def for_reader(report: QuarterlyReport) -> QuarterlyReport:
    """The report as the signed-in person may read it: the challenges' text only where the
    challenge log lets them read it, and how many others there are (page, PDF and Word)."""
    shown, hidden = readable_evidence(report.challenges, actor_for(current_user))
    return replace(report, challenges=shown, challenges_hidden=hidden)


def report_context(report: QuarterlyReport) -> dict:
    """What the report's templates need besides the report."""
    return {
        "report": for_reader(report),
        "Status": Status,
        "rag_order": reports.RAG_ORDER,
        "rag_labels": reports.RAG_LABELS,
        "lifecycle_order": reports.LIFECYCLE_ORDER,
        "lifecycle_labels": reports.LIFECYCLE_LABELS,
        "lead_labels": reports.LEAD_BODY_LABELS,
    }


def report_pdf(report: QuarterlyReport) -> bytes:
    """The report's PDF, drawn in a bounded child process (tracker/http/packs.py) from the HTML
    rendered here: a report too large to draw is a 503, never a worker out of memory."""
    html = render_template("reports/quarterly_print.html", **report_context(report))

    def write(path: str) -> None:
        from weasyprint import HTML

        HTML(string=html).write_pdf(path)

    _size, chunks = spool(
        lambda path: draw_bounded(write, path, html_size=len(html)), suffix=".pdf"
    )
    return b"".join(chunks)


def report_docx(report: QuarterlyReport) -> bytes:
    """The same sections as the page and the PDF, as a Word document."""
    from docx import Document
    from docx.shared import Pt

    report = for_reader(report)
    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = "Arial"
    style.font.size = Pt(10)
    doc.core_properties.title = f"{report.title}, {report.quarter.label}"
    doc.core_properties.author = "Ofsted action plan tracker"
    doc.add_paragraph(f"{report.quarter.label}, {report.quarter.span}. Illustrative data.")
    doc.add_heading(report.title, level=0)
    doc.add_paragraph("To the Chair and Members of the Children and Young People Scrutiny Panel.")

    on, within = report.line(Status.ON_TARGET), report.line(Status.IN_TOLERANCE)
    off, none = report.line(Status.OFF_TARGET), report.line(Status.NO_TARGET_SET)
    doc.add_heading("1. Executive summary", level=1)
    doc.add_paragraph(
        f"At the end of {report.quarter.label} ({report.quarter.span}) the Trust reported "
        f"{report.measures_total} contract measures: {report.key_count} key and "
        f"{report.operational_count} operational. {on.total} "
        f"{'was' if on.total == 1 else 'were'} at or above target, {within.total} within "
        f"tolerance and {off.total} outside tolerance ({off.key} key, {off.operational} "
        f"operational); {none.total} {'has' if none.total == 1 else 'have'} no target set."
    )
    before, now = report.within_or_better_before, report.within_or_better
    change = (
        f"increased from {before} to {now}"
        if now > before
        else f"fallen from {before} to {now}"
        if now < before
        else f"stayed at {now}"
    )
    doc.add_paragraph(
        f"Since {report.previous.label}, the number of measures within tolerance or at or "
        f"above target has {change}."
    )
    _table(
        doc,
        ["Status", "Key", "Operational", "All measures", report.previous.label, "Change"],
        [
            [
                f"{s.label} ({s.status.value})",
                s.key,
                s.operational,
                s.total,
                s.previous,
                f"{s.change:+d}" if s.change else "No change",
            ]
            for s in report.summary
        ],
    )

    doc.add_heading("2. Measures outside tolerance", level=1)
    if not report.outside:
        doc.add_paragraph(f"No measure lies outside tolerance in {report.quarter.label}.")
    for m in report.outside:
        doc.add_heading(f"{m.code} – {m.title} ({m.kind})", level=2)
        figure = format_value(m.value, m.unit)
        if m.denominator is not None:
            figure += f" ({format_value(m.numerator, 'count')} of "
            figure += f"{format_value(m.denominator, 'count')})"
        previous = report.previous_row(m.code)
        was = (
            f"{format_value(previous.value, previous.unit)}: "
            f"{previous.status.value if previous.status else 'no value'}"
            if previous is not None and previous.value is not None
            else "No value"
        )
        _table(
            doc,
            None,
            [
                [report.quarter.label, f"{figure}: OFF TARGET"],
                [
                    "Target",
                    f"{describe_target(m.target, m.tolerance, m.unit)}; {m.polarity} is better",
                ],
                [report.previous.label, was],
            ],
        )
        doc.add_paragraph(m.narrative or "No narrative was supplied.")

    plan = report.plan
    doc.add_heading("3. Ofsted action plan position", level=1)
    doc.add_paragraph(
        f"As at {plan.as_at.day} {plan.as_at:%B %Y} there are {plan.total} actions in the main "
        f"action plan and {plan.locality_actions} in the locality action plans."
    )
    doc.add_paragraph("Main plan actions by lifecycle and RAG (delivery confidence)")
    _table(
        doc,
        ["Lifecycle"] + [reports.RAG_LABELS[r] for r in reports.RAG_ORDER] + ["Total"],
        [
            [reports.LIFECYCLE_LABELS[lc]]
            + [plan.grid[lc][r] for r in reports.RAG_ORDER]
            + [sum(plan.grid[lc].values())]
            for lc in reports.LIFECYCLE_ORDER
        ],
    )
    head = ["Actions", "Closed", "Red", "Amber", "Green"]
    doc.add_paragraph("Main plan actions by the lead body of their recommendation")
    _table(doc, ["Lead body", *head], [[b.title, *_counts(b)] for b in plan.by_lead_body])
    doc.add_paragraph("Main plan actions by recommendation")
    _table(
        doc,
        ["Recommendation", *head],
        [
            [f"{r.ref} {r.title} ({reports.LEAD_BODY_LABELS[r.lead_body]})", *_counts(r)]
            for r in plan.by_recommendation
        ],
    )
    doc.add_heading("Locality returns and SEFs since the quarter began", level=2)
    if plan.returns_due:
        doc.add_paragraph(
            f"{plan.returns_on_time} of {plan.returns_due} fortnightly locality returns due came "
            f"in on time; {plan.returns_late} late and {plan.returns_missing} not submitted.",
            style="List Bullet",
        )
    else:
        doc.add_paragraph(
            "No fortnightly locality return fell due in this period.", style="List Bullet"
        )
    if plan.sefs_expected:
        late = f", {plan.sefs_late} of them late" if plan.sefs_late else ""
        doc.add_paragraph(
            f"{plan.sefs_received} of {plan.sefs_expected} monthly locality SEFs due "
            f"({', '.join(plan.sef_months)}) were received{late}.",
            style="List Bullet",
        )
    else:
        doc.add_paragraph("No monthly locality SEF fell due in this period.", style="List Bullet")

    doc.add_heading("4. Governance meetings held in the quarter", level=1)
    if report.meetings:
        _table(
            doc,
            ["Date", "Meeting", "Chair", "Decisions", "Follow-ups"],
            [
                [
                    f"{m.held_on.day} {m.held_on:%B %Y}",
                    m.kind,
                    m.chair,
                    str(m.decisions),
                    str(m.follow_ups),
                ]
                for m in report.meetings
            ],
        )
    else:
        doc.add_paragraph("No governance meeting was recorded in the tracker in this quarter.")

    doc.add_heading("5. Challenge and response", level=1)
    if report.challenges:
        for c in report.challenges:
            doc.add_heading(f"{c['subject']}: {c['status_label']}", level=2)
            raised = _london(c["raised_at"])
            doc.add_paragraph(f"Raised by {c['raised_by']}, {raised}: {c['question']}")
            for step in c["steps"]:
                text = f": {step['text']}" if step["text"] else ""
                doc.add_paragraph(
                    f"{step['label']} by {step['by']}, {_london(step['at'])}{text}",
                    style="List Bullet",
                )
    elif not report.challenges_hidden:
        doc.add_paragraph("No challenge was raised or answered in this quarter.")
    if report.challenges_hidden:
        doc.add_paragraph(hidden_note(report.challenges_hidden))

    doc.add_heading("Appendix: every measure and its position against contract target", level=1)
    for area, rows in report.scorecard.by_area():
        doc.add_paragraph(f"Measures relating to {area.label.lower()}")
        _table(
            doc,
            ["Measure", "Kind", "Value", "Target (tolerance)", "Status"],
            [
                [
                    f"{m.code} – {m.title}",
                    m.kind.capitalize(),
                    format_value(m.value, m.unit),
                    describe_target(m.target, m.tolerance, m.unit),
                    m.status.value if m.status else "No value",
                ]
                for m in rows
            ],
        )
    doc.add_paragraph(
        "Generated by the tracker from the values, targets and plan it holds. Illustrative data."
    )
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _counts(line: reports.RecommendationLine) -> list[int]:
    return [line.total, line.closed, line.red, line.amber, line.green]


def _table(doc, header: list[str] | None, rows: list[list]) -> None:
    table = doc.add_table(rows=0, cols=len(rows[0]) if rows else len(header or [1]))
    table.style = "Table Grid"
    if header:
        cells = table.add_row().cells
        for cell, text in zip(cells, header, strict=True):
            cell.text = str(text)
            for run in cell.paragraphs[0].runs:
                run.bold = True
    for row in rows:
        cells = table.add_row().cells
        for cell, value in zip(cells, row, strict=True):
            cell.text = str(value)


def _london(iso: str) -> str:
    """A stored UTC moment as people read it: London date and time."""
    from datetime import datetime

    from tracker.domain.calendar import LONDON

    moment = datetime.fromisoformat(iso).astimezone(LONDON)
    return f"{moment.day} {moment:%B %Y %H:%M}"
