"""The quarterly report as files for committee papers: PDF (WeasyPrint, from the same HTML as
the page) and Word (python-docx: councils file committee papers in Word)."""

from __future__ import annotations

import io
from dataclasses import replace

from flask import render_template
from flask_login import current_user

from tracker.domain.measures import Status
from tracker.http.access import actor_for
from tracker.http.packs import draw_bounded
from tracker.services.access.settings import current as current_setup
from tracker.services.exchange.spool import spool
from tracker.services.governance.challenges import hidden_note, readable_evidence
from tracker.services.performance import reports
from tracker.services.performance.reports import QuarterlyReport


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
    rendered here, tagged like the packs (headings, tables and lists marked for screen readers):
    a report too large to draw is a 503, never a worker out of memory."""
    from tracker.http.packs import PDF_OPTIONS

    html = render_template("reports/quarterly_print.html", **report_context(report))

    def write(path: str) -> None:
        from weasyprint import HTML

        HTML(string=html).write_pdf(path, **PDF_OPTIONS)

    _size, chunks = spool(
        lambda path: draw_bounded(write, path, html_size=len(html)), suffix=".pdf"
    )
    return b"".join(chunks)


# The Word file has the PDF's page and styles: A4 (in twentieths of a point) with its margins,
# Arial 10pt, bold table headers repeated on each page, and "page X of Y" in the footer.
A4_TWIPS = (11906, 16838)
MARGINS_MM = {"top": 18, "right": 16, "bottom": 20, "left": 16}
FONT = "Arial"


def report_docx(report: QuarterlyReport) -> bytes:
    """The same sections, headings and tables as the page and the PDF, as a Word document."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Mm, Pt, RGBColor, Twips

    report = for_reader(report)
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = (Twips(n) for n in A4_TWIPS)
    section.top_margin, section.right_margin = Mm(MARGINS_MM["top"]), Mm(MARGINS_MM["right"])
    section.bottom_margin, section.left_margin = Mm(MARGINS_MM["bottom"]), Mm(MARGINS_MM["left"])
    for name, size in (
        ("Normal", 10),
        ("Title", 16),
        ("Heading 1", 12.5),
        ("Heading 2", 10.5),
        ("List Bullet", 10),
    ):
        style = doc.styles[name]
        style.font.name = FONT
        style.font.size = Pt(size)
        if name != "Normal":
            style.font.color.rgb = RGBColor(0x0B, 0x0C, 0x0C)
            style.font.bold = name != "List Bullet"
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    footer.add_run(f"{report.quarter.label}: page ")
    _field(footer, "PAGE")
    footer.add_run(" of ")
    _field(footer, "NUMPAGES")
    for run in footer.runs:
        run.font.size = Pt(8)
    doc.core_properties.title = f"{report.title}, {report.quarter.label}"
    doc.core_properties.author = "Ofsted action plan tracker"

    doc.add_paragraph(f"{report.quarter.label}, {report.quarter.span}. Illustrative data.")
    doc.add_heading(report.title, level=0)
    words = current_setup().words
    doc.add_paragraph(f"To the Chair and Members of the {words.scrutiny}.")

    doc.add_heading("1. Executive summary", level=1)
    for sentence in (report.dataset_sentence, report.headline_sentence, report.change_sentence):
        doc.add_paragraph(sentence)
    since = f"{report.quarter.label}, with the change since {report.previous.label}"
    _status_table(doc, report, f"Key measures by status, {since}", "key")
    doc.add_heading("Operational measures", level=2)
    doc.add_paragraph(report.operational_sentence)
    _status_table(doc, report, f"Operational measures by status, {since}", "operational")

    doc.add_heading("2. Measures outside tolerance", level=1)
    doc.add_paragraph(report.outside_sentence)
    for m in report.outside:
        doc.add_heading(f"{m.code} – {m.title} ({m.kind})", level=2)
        previous = report.previous_row(m.code)
        was = (
            f"{previous.value_text}: {previous.status_text}"
            if previous is not None and previous.value is not None
            else "No value"
        )
        _table(
            doc,
            None,
            None,
            [
                [report.quarter.label, f"{m.figure_text}: OFF TARGET"],
                ["Target", f"{m.target_text}; {m.polarity} is better"],
                [report.previous.label, was],
            ],
        )
        doc.add_paragraph(m.narrative or "No narrative was supplied.")

    plan = report.plan
    doc.add_heading("3. Ofsted action plan position", level=1)
    doc.add_paragraph(
        f"As at {plan.as_at:%A} {plan.as_at.day} {plan.as_at:%B %Y} there are {plan.total} "
        f"actions in the main action plan and {plan.locality_actions} in the "
        f"{words.area_lower} action plans."
    )
    _table(
        doc,
        "Main plan actions by lifecycle and RAG (delivery confidence)",
        ["Lifecycle"] + [reports.RAG_LABELS[r] for r in reports.RAG_ORDER] + ["Total"],
        [
            [reports.LIFECYCLE_LABELS[lc]]
            + [plan.grid[lc][r] for r in reports.RAG_ORDER]
            + [sum(plan.grid[lc].values())]
            for lc in reports.LIFECYCLE_ORDER
        ],
    )
    head = ["Actions", "Closed", "Red", "Amber", "Green"]
    _table(
        doc,
        "Main plan actions by the lead body of their recommendation",
        ["Lead body", *head],
        [[b.title, *_counts(b)] for b in plan.by_lead_body],
    )
    _table(
        doc,
        "Main plan actions by recommendation",
        ["Recommendation", *head],
        [
            [f"{r.ref} {r.title} ({reports.LEAD_BODY_LABELS[r.lead_body]})", *_counts(r)]
            for r in plan.by_recommendation
        ],
    )
    doc.add_heading(f"{words.area} returns and SEFs due in the quarter", level=2)
    doc.add_paragraph(plan.returns_sentence, style="List Bullet")
    doc.add_paragraph(plan.sefs_sentence, style="List Bullet")

    doc.add_heading("4. Governance meetings held in the quarter", level=1)
    if report.meetings:
        count = len(report.meetings)
        _table(
            doc,
            f"{count} meeting{'' if count == 1 else 's'} recorded in the tracker, evidence of "
            "oversight and challenge",
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
    doc.add_paragraph(
        f"Challenges chairs and {words.group_short} members raised on actions and "
        f"{words.area_lower} returns, or that were "
        "answered, accepted or escalated, in the quarter: evidence that leaders challenged "
        "progress."
    )
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

    for letter, kind, heading in APPENDICES:
        doc.add_heading(f"Appendix {letter}: {heading}", level=1)
        doc.add_paragraph(f"{report.quarter.label} ({report.quarter.span}). {STATUS_KEY}")
        for area, rows in report.scorecard.by_area(kind):
            _table(
                doc,
                f"Measures relating to {area.label.lower()}",
                ["Measure", "Value", "Target (tolerance)", "Status"],
                [
                    [f"{m.code} – {m.title}", m.value_text, m.target_text, m.status_text]
                    for m in rows
                ],
            )
    doc.add_paragraph(
        f"Generated by the tracker on {_london(report.generated_at.isoformat())} from the "
        "values, targets and plan it holds. Illustrative data."
    )
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


APPENDICES = (
    ("A", "key", "key performance indicators and their position against contract target"),
    ("B", "operational", "operational measures and their position against contract target"),
)
STATUS_KEY = (
    "ON TARGET: performance is equal to or better than the target set within the contract; "
    "IN TOLERANCE: performance is not at target but is within the tolerance range; OFF TARGET: "
    "performance is outside the target and tolerance; NO TARGET SET: no target was set, so "
    "position cannot be described."
)


def _status_table(doc, report: QuarterlyReport, caption: str, kind: str) -> None:
    rows = []
    for s in report.summary:
        now, before = getattr(s, kind), getattr(s, f"{kind}_previous")
        change = now - before
        rows.append(
            [
                f"{s.label} ({s.status.value})",
                now,
                before,
                f"{change:+d}" if change else "No change",
            ]
        )
    _table(doc, caption, ["Status", report.quarter.label, report.previous.label, "Change"], rows)


def _counts(line: reports.RecommendationLine) -> list[int]:
    return [line.total, line.closed, line.red, line.amber, line.green]


def _field(paragraph, instruction: str) -> None:
    """A Word field (PAGE, NUMPAGES) in `paragraph`: Word fills it in as it lays out pages."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    def run_with(tag: str, **attributes: str) -> None:
        element = OxmlElement(tag)
        for name, value in attributes.items():
            element.set(qn(name), value)
        if tag == "w:instrText":
            element.text = f" {instruction} "
        paragraph.add_run()._r.append(element)

    run_with("w:fldChar", **{"w:fldCharType": "begin"})
    run_with("w:instrText", **{"xml:space": "preserve"})
    run_with("w:fldChar", **{"w:fldCharType": "separate"})
    paragraph.add_run("1")  # shown until Word works the number out
    run_with("w:fldChar", **{"w:fldCharType": "end"})


def _table(doc, caption: str | None, header: list[str] | None, rows: list[list]) -> None:
    """A table as the PDF draws it: its caption in bold above, a bold header row repeated on
    each page, numbers on the right."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    if caption:
        para = doc.add_paragraph()
        para.paragraph_format.keep_with_next = True
        para.add_run(caption).bold = True
    table = doc.add_table(rows=0, cols=len(rows[0]) if rows else len(header or [1]))
    table.style = "Table Grid"
    if header:
        row = table.add_row()
        flag = OxmlElement("w:tblHeader")
        flag.set(qn("w:val"), "true")
        row._tr.get_or_add_trPr().append(flag)
        for cell, text in zip(row.cells, header, strict=True):
            cell.text = str(text)
            for run in cell.paragraphs[0].runs:
                run.bold = True
    for values in rows:
        cells = table.add_row().cells
        for cell, value in zip(cells, values, strict=True):
            cell.text = str(value)
            if isinstance(value, int):
                cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT


def _london(iso: str) -> str:
    """A stored UTC moment as people read it: London date and time."""
    from datetime import datetime

    from tracker.domain.calendar import LONDON

    moment = datetime.fromisoformat(iso).astimezone(LONDON)
    return f"{moment.day} {moment:%B %Y %H:%M}"
