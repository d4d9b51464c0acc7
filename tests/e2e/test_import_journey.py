"""The admin imports the plan in Chromium (issue 10, point 4): a file with mistakes is checked and
every problem is listed by row and column with nothing written; a corrected file is checked,
then applied, and the change is in the action's history. axe-core checks every page state.

This is the only journey that imports: it changes S-03's title (no other journey reads it)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.conftest import DEMO_PASSWORD, ROLE_ACCOUNTS
from tracker.domain.imports import HEADER

ADMIN = ROLE_ACCOUNTS["admin"]
COL = {c: i for i, c in enumerate(HEADER)}
REF = "S-03"
NEW_TITLE = "South: weekly review of contacts awaiting a decision (imported)"


def heading(page: Page):
    return page.get_by_role("heading", level=1)


def _file(page: Page, base: str) -> list[list[str]]:
    response = page.request.get(f"{base}/api/v1/exports/plan.csv?plan=south")
    assert response.ok
    text = response.body().decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text, newline="")))


def _csv(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode()


def _choose(page: Page, name: str, data: bytes) -> None:
    page.get_by_label("Upload a file").set_input_files(
        {"name": name, "mimeType": "text/csv", "buffer": data}
    )
    page.get_by_role("button", name="Check the file").click()


@pytest.mark.docs_screenshots
def test_an_admin_checks_a_file_with_mistakes_then_imports_a_good_one(
    page: Page, live_server, axe, browser_app, shoot
):
    base = live_server
    page.goto(f"{base}/sign-in")
    page.get_by_label("Email address").fill(ADMIN)
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{base}/admin/users")
    page.get_by_role("link", name="Import the plan").click()
    expect(heading(page)).to_have_text("Import the plan")
    expect(page.get_by_label("Upload a file")).to_be_visible()
    expect(page.get_by_role("link", name="import template (CSV)")).to_be_visible()
    axe.check(page)
    shoot(page, "admin-import")

    rows = _file(page, base)
    at = next(i for i, r in enumerate(rows) if r[COL["Ref"]] == REF)
    bad = [r[:] for r in rows]
    bad[at][COL["Lead organisation"]] = "Acme Widgets"
    bad[at][COL["Target date"]] = "next Tuesday"
    bad[at + 1][COL["Title"]] = ""
    _choose(page, "south-with-mistakes.csv", _csv(bad))
    expect(page.get_by_role("heading", level=2, name="3 problems")).to_be_visible()
    problems = page.locator("table", has_text="Problems by sheet, row and column")
    expect(problems.locator("tbody tr")).to_have_count(3)
    expect(problems).to_contain_text("There is no organisation called Acme Widgets")
    expect(problems.locator("tr", has_text="Target date")).to_contain_text(str(at + 1))
    expect(page.get_by_role("button", name="Apply these changes")).to_have_count(0)
    axe.check(page)

    good = [r[:] for r in rows]
    good[at][COL["Title"]] = NEW_TITLE
    _choose(page, "south.csv", _csv(good))
    expect(page.get_by_role("heading", level=2, name="What south.csv would change")).to_be_visible()
    expect(page.locator("tr", has_text=REF)).to_contain_text("Changed: Title")
    axe.check(page)
    page.get_by_role("button", name="Apply these changes").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "Imported south.csv: 0 actions added, 1 edited"
    )
    axe.check(page)

    page.goto(f"{base}/actions/{REF}")
    expect(page.locator("body")).to_contain_text(NEW_TITLE)

    # The same file again: nothing left to change.
    page.goto(f"{base}/admin/import")
    _choose(page, "south.csv", _csv(good))
    expect(
        page.get_by_role("heading", level=2, name="No changes: south.csv matches the plan")
    ).to_be_visible()
    axe.check(page)


def test_a_long_import_shows_a_progress_bar_then_what_it_did(
    page: Page, live_server, axe, browser_app
):
    from tracker.services.exchange import imports

    base = live_server
    page.goto(f"{base}/sign-in")
    page.get_by_label("Email address").fill(ADMIN)
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    # A long import, part way through: the bar and the words say how far it has gone.
    store = Path(browser_app.instance_path) / "imports"
    digest = "b" * 64
    imports.write_status(store, digest, imports.running_status("Writing", 150, 3000))
    page.goto(f"{base}/admin/import/progress/{digest}")
    expect(heading(page)).to_have_text("Importing the plan")
    expect(page.get_by_label("Progress")).to_have_attribute("value", "150")
    axe.check(page)
    # It finishes: the page notices by itself and says what was imported.
    imports.write_status(
        store,
        digest,
        {
            "state": "done",
            "filename": "north.csv",
            "counts": {"new_actions": 0, "edited_actions": 3, "dependency_changes": 0},
        },
    )
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "Imported north.csv: 0 actions added, 3 edited", timeout=10_000
    )
    expect(heading(page)).to_have_text("Import the plan")
    axe.check(page)
    # One that wrote nothing lists why.
    imports.write_status(
        store,
        digest,
        {
            "state": "failed",
            "filename": "north.csv",
            "problems": [["", 0, "Ref", "N-01 was changed while the file was imported"]],
        },
    )
    page.goto(f"{base}/admin/import/progress/{digest}")
    expect(heading(page)).to_have_text("The import wrote nothing")
    expect(page.locator("table")).to_contain_text("N-01 was changed")
    axe.check(page)
    (store / f"{digest}.status.json").unlink()
