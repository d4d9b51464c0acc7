"""The admin imports the plan the council already keeps, in Chromium (issue 20.4): a people sheet
first (mapped by its own headers; the invitations wait until the admin sends them), then a
workbook whose plan sheet has columns the tracker never exported, renamed and reordered, beside
a sheet of notes. A wrong mapping is refused with every problem named; a lead who is nobody is a
problem by the sheet's row and column and nothing is written; the corrected sheet is applied and
its new action is led by the person just invited. axe-core checks every page state.

This is the only journey that adds actions or people (MAP-184, a person at council.example)."""

from __future__ import annotations

import io
from datetime import date

from openpyxl import Workbook
from playwright.sync_api import Page, expect

from tests.conftest import DEMO_PASSWORD, ROLE_ACCOUNTS

ADMIN = ROLE_ACCOUNTS["admin"]
NEW_TITLE = "Weekly audit of repeat referrals, led by the council's new lead"
PEOPLE = (
    b"Full name,E-mail,Agency,Access,Team\r\n"
    b"Rae Newlead,rae.newlead@council.example,council,Action lead,\r\n"
)
HEADER = [
    "Owner",
    "Action No",
    "Priority area",
    "What we will do",
    "Agency",
    "Due by",
    "Rating",
    "How we will know",
]


def _workbook(lead: str) -> bytes:
    book = Workbook()
    notes = book.active
    notes.title = "Read me"
    notes.append(["The board's plan is on the next sheet."])
    sheet = book.create_sheet("Board plan")
    sheet.append(HEADER)
    sheet.append(
        [lead, "MAP-184", "R1", NEW_TITLE, "council", date(2016, 6, 30), "Amber", "Fewer repeats"]
    )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _upload(page: Page, base: str, kind: str, name: str, data: bytes, mime: str) -> None:
    page.goto(f"{base}/admin/users")
    page.get_by_role("link", name="Import a spreadsheet in its own shape").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Import a spreadsheet in its own shape"
    )
    page.get_by_label(kind).check()
    page.get_by_label("Upload a spreadsheet").set_input_files(
        {"name": name, "mimeType": mime, "buffer": data}
    )
    page.get_by_role("button", name="Upload and choose the columns").click()


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _plan_columns(page: Page, axe) -> None:
    """The sheet is chosen, then each field's column: the admin maps what the names did not."""
    expect(page.get_by_role("heading", level=1)).to_have_text("Choose the sheet")
    axe.check(page)
    page.get_by_label("Board plan").check()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Choose the columns")
    page.get_by_label("Ref", exact=True).select_option("Action No")
    page.get_by_label("Finding (recommendation)").select_option("Priority area")
    page.get_by_label("Title", exact=True).select_option("What we will do")
    page.get_by_label("Lead", exact=True).select_option("Owner")
    page.get_by_label("Lead organisation").select_option("Agency")
    page.get_by_label("Target date").select_option("Due by")
    page.get_by_label("RAG (optional)").select_option("Rating")
    page.get_by_label("Success measure (optional)").select_option("How we will know")


def test_an_admin_imports_people_then_a_plan_in_its_own_shape(
    page: Page, live_server, axe, browser_app
):
    base = live_server
    page.goto(f"{base}/sign-in")
    page.get_by_label("Email address").fill(ADMIN)
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    # The people sheet: its headers are offered by name, checked, then applied; nobody is mailed.
    _upload(page, base, "People to invite", "people.csv", PEOPLE, "text/csv")
    expect(page.get_by_role("heading", level=1)).to_have_text("Choose the columns")
    expect(page.get_by_label("Email")).to_have_value("E-mail")
    axe.check(page)
    page.get_by_role("button", name="Check the sheet").click()
    expect(
        page.get_by_text("1 person to add").or_(page.get_by_text("1 people to add"))
    ).to_be_visible()
    axe.check(page)
    page.get_by_role("button", name="Apply and add these people").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("nvitation")
    expect(page.get_by_text("rae.newlead@council.example")).to_be_visible()
    axe.check(page)

    # The plan sheet, with a wrong mapping first: one column taken for two fields.
    _upload(page, base, "Actions of a plan", "board plan.xlsx", _workbook("Nobody Known"), XLSX)
    _plan_columns(page, axe)
    page.get_by_label("Description (optional)").select_option("What we will do")
    page.get_by_role("button", name="Check the sheet").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("What we will do")
    axe.check(page)

    # Mapped rightly, the unknown lead is a problem by row and column; nothing is written.
    page.get_by_label("Description (optional)").select_option("")
    page.get_by_role("button", name="Check the sheet").click()
    expect(page.locator("#problems")).to_contain_text("nothing was written")
    problems = page.get_by_role("table").filter(has_text="Problems by the sheet's row and column")
    expect(problems).to_contain_text("A: Owner")
    expect(problems).to_contain_text("Nobody Known")
    axe.check(page)
    assert page.request.get(f"{base}/actions/MAP-184").status == 404

    # The corrected workbook names the person just invited: checked, then applied.
    _upload(page, base, "Actions of a plan", "board plan.xlsx", _workbook("Rae Newlead"), XLSX)
    _plan_columns(page, axe)
    page.get_by_role("button", name="Check the sheet").click()
    expect(page.locator("#changes")).to_contain_text("would change")
    axe.check(page)
    page.get_by_role("button", name="Apply these changes").click()
    expect(page.locator(".govuk-notification-banner")).to_be_visible()
    axe.check(page)

    page.goto(f"{base}/actions/MAP-184")
    expect(page.get_by_role("heading", level=1)).to_contain_text(NEW_TITLE)
    expect(page.get_by_text("Rae Newlead").first).to_be_visible()
    axe.check(page)

    # The invitation is sent when the admin says so.
    page.goto(f"{base}/admin/import/invitations")
    expect(page.get_by_text("rae.newlead@council.example").first).to_be_visible()
    page.get_by_role("button", name="Send the chosen invitations").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("1 invitation sent")
    expect(page.get_by_text("No invitation is waiting.")).to_be_visible()
    axe.check(page)
    page.goto(f"{base}/admin/outbox")
    expect(page.get_by_text("rae.newlead@council.example").first).to_be_visible()
