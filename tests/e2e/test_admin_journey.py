"""The administrator's job in Chromium (issue 7, point 14 and 15): invite a person, who reads the
link from the email, sets a password and signs in; name a deputy for Central, who then submits
Central's cycle 3 return; mark someone as left, whose open session stops and who can no longer
sign in. axe-core checks every page state seen.

These are the only journeys that invite people, name Central's deputy, write Central's return
or mark anyone as left (Lee Barraclough, whom no other journey uses).
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.conftest import DEMO_PASSWORD, ROLE_ACCOUNTS

ADMIN = ROLE_ACCOUNTS["admin"]
NEW_NAME = "Sam Newcombe"
NEW_EMAIL = "sam.newcombe@trust.example"
NEW_PASSWORD = "a kettle, two mugs and a spoon"
DEPUTY = ("Marcus Bell", "tm.central.cin@trust.example")  # Central's CIN team manager
LEAVER = ("Lee Barraclough", "sm.careleavers@trust.example")
LEAVERS_MANAGER = "Steven Ashworth"
CYCLE = 3  # Friday 5 February 2016 is in cycle 3
MAIL: dict = {}  # the app whose outbox is the people's mailboxes


@pytest.fixture(autouse=True)
def _mailboxes(browser_app):
    MAIL["app"] = browser_app


def link_as_received(email: str) -> str:
    """The one-time link in the newest mail to `email`, as its person receives it (nobody reads it
    in the outbox's pages)."""
    from sqlalchemy import select

    from tracker.extensions import db
    from tracker.models import OutboxMessage

    with MAIL["app"].app_context():
        body = db.session.execute(
            select(OutboxMessage.body_text)
            .where(OutboxMessage.to_address == email)
            .order_by(OutboxMessage.id.desc())
            .limit(1)
        ).scalar_one()
        db.session.remove()
    return re.search(r"/invitations/\S+", body).group(0)


def heading(page: Page):
    return page.get_by_role("heading", level=1)


def flash(page: Page):
    return page.locator(".govuk-notification-banner--success")


def sign_in(page: Page, base: str, email: str, password: str, axe) -> None:
    page.goto(f"{base}/sign-in")
    axe.check(page)
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(heading(page)).not_to_have_text("Sign in")


def open_person(page: Page, base: str, name: str, axe) -> None:
    page.goto(f"{base}/admin/users")
    page.locator("#people").get_by_role("link", name=name, exact=True).click()
    expect(heading(page)).to_have_text(name)
    axe.check(page)


def new_page(browser: Browser, browser_context_args) -> Page:
    return browser.new_context(**browser_context_args).new_page()


def invitation_path(page: Page, base: str, email: str, axe) -> str:
    """The admin opens the newest invitation to `email` in the outbox and reads its link."""
    page.goto(f"{base}/admin/outbox")
    axe.check(page)
    row = page.locator("tr", has_text=email).first
    row.get_by_role("link", name="Set your password for the Ofsted action plan tracker").click()
    expect(heading(page)).to_have_text("Set your password for the Ofsted action plan tracker")
    expect(page.locator("#message-status")).to_contain_text("Pending")
    expect(page.locator("#body-html")).to_contain_text('<a href="')  # the source, not run
    # The one-time link is hidden from the admin: only its person receives it.
    expect(page.locator("#body-text")).to_contain_text("one-time link, hidden")
    expect(page.locator("#message-links li").first).to_contain_text("one-time link, hidden")
    axe.check(page)
    return link_as_received(email)


def set_password_and_sign_in(person: Page, base: str, path: str, email: str, axe) -> None:
    """Someone follows their invitation link in their own browser, then signs in."""
    person.goto(f"{base}{path}")
    expect(heading(person)).to_have_text("Set your password")
    axe.check(person)
    person.get_by_label("Password", exact=True).fill(NEW_PASSWORD)
    person.get_by_label("Confirm password").fill(NEW_PASSWORD)
    person.get_by_role("button", name="Set password").click()
    expect(flash(person)).to_contain_text("Your password is set")
    sign_in(person, base, email, NEW_PASSWORD, axe)


def invite_existing(page: Page, base: str, name: str, email: str, axe, browser, args) -> Page:
    """The admin sends a person already named in the plan an invitation from their page; they
    set a password and sign in in a browser of their own, which is returned."""
    open_person(page, base, name, axe)
    expect(page.locator("#person-status")).to_contain_text("No: not invited yet")
    page.get_by_role("button", name="Send an invitation").click()
    expect(flash(page)).to_contain_text(f"A new invitation was sent to {email}")
    axe.check(page)
    path = invitation_path(page, base, email, axe)
    person = new_page(browser, args)
    set_password_and_sign_in(person, base, path, email, axe)
    expect(person.locator(".tracker-userbar")).to_contain_text(f"Signed in as {name}")
    return person


def test_an_admin_invites_a_person_who_sets_a_password_and_signs_in(
    page: Page, live_server, axe, browser, browser_context_args
):
    base = live_server
    sign_in(page, base, ADMIN, DEMO_PASSWORD, axe)
    page.get_by_role("navigation", name="Main menu").get_by_role("link", name="Admin").click()
    expect(heading(page)).to_have_text("People")
    axe.check(page)

    page.get_by_role("button", name="Invite a person").click()
    expect(heading(page)).to_have_text("Invite a person")
    axe.check(page)
    # A typo in the address: an error summary, and what was typed is kept.
    page.get_by_label("Full name").fill(NEW_NAME)
    page.get_by_label("Email address").fill("sam.newcombe@trust")
    page.get_by_label("Job title").fill("Team manager, Central")
    page.get_by_label("Role").select_option(label="Action lead")
    page.get_by_label("Line manager").select_option(
        label="Imran Siddiqui (Head of Service, Central Locality)"
    )
    page.get_by_role("button", name="Send invitation").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Enter an email address in the correct format")
    expect(page).to_have_title(re.compile("^Error: "))
    expect(page.get_by_label("Full name")).to_have_value(NEW_NAME)
    axe.check(page)
    page.get_by_label("Email address").fill(NEW_EMAIL)
    page.get_by_role("button", name="Send invitation").click()
    expect(flash(page)).to_contain_text(f"Invitation sent to {NEW_EMAIL}")
    expect(heading(page)).to_have_text(NEW_NAME)
    expect(page.locator("#person-status")).to_contain_text("invited, no password yet")
    axe.check(page)

    # The demo keeps mail in the outbox: the admin opens the message to read the link.
    path = invitation_path(page, base, NEW_EMAIL, axe)

    # The new person, in their own browser, follows the link and sets a password.
    newcomer = new_page(browser, browser_context_args)
    newcomer.goto(f"{base}{path}")
    expect(heading(newcomer)).to_have_text("Set your password")
    expect(newcomer.get_by_text(f"Welcome, {NEW_NAME}")).to_be_visible()
    axe.check(newcomer)
    newcomer.get_by_label("Password", exact=True).fill(NEW_PASSWORD)
    newcomer.get_by_label("Confirm password").fill(NEW_PASSWORD + "!")
    newcomer.get_by_role("button", name="Set password").click()
    expect(newcomer.locator(".govuk-error-summary")).to_contain_text("The passwords do not match")
    axe.check(newcomer)
    newcomer.get_by_label("Password", exact=True).fill(NEW_PASSWORD)
    newcomer.get_by_label("Confirm password").fill(NEW_PASSWORD)
    newcomer.get_by_role("button", name="Set password").click()
    expect(flash(newcomer)).to_contain_text("Your password is set")
    expect(heading(newcomer)).to_have_text("Sign in")
    axe.check(newcomer)
    newcomer.get_by_label("Email address").fill(NEW_EMAIL)
    newcomer.get_by_label("Password", exact=True).fill(NEW_PASSWORD)
    newcomer.get_by_role("button", name="Sign in").click()
    expect(newcomer.locator(".tracker-userbar")).to_contain_text(f"Signed in as {NEW_NAME}")
    axe.check(newcomer)

    # The link works once: the second time it says so, clearly.
    newcomer.goto(f"{base}{path}")
    expect(heading(newcomer)).to_have_text("This link has already been used")
    axe.check(newcomer)
    newcomer.context.close()

    # The admin sees that the new person can now sign in.
    page.goto(f"{base}/admin/users")
    expect(page.locator("tr", has_text=NEW_EMAIL)).to_contain_text("Yes")


@pytest.mark.docs_screenshots
def test_an_admin_names_a_deputy_who_submits_the_localitys_return(
    page: Page, live_server, axe, browser, browser_context_args, shoot
):
    base = live_server
    name, email = DEPUTY
    sign_in(page, base, ADMIN, DEMO_PASSWORD, axe)
    open_person(page, base, name, axe)
    page.get_by_label("Deputy for a locality").select_option(label="Central")
    page.get_by_role("button", name="Save changes").click()
    expect(flash(page)).to_contain_text(f"{name}: changes saved.")
    expect(page.get_by_label("Deputy for a locality").locator("option:checked")).to_have_text(
        "Central"
    )
    axe.check(page)
    page.goto(f"{base}/admin/users")
    expect(page.locator("tr", has_text=email)).to_contain_text("Deputy for Central")

    # The audit log says so in words, and finds it by kind and by person.
    page.goto(f"{base}/admin/audit")
    expect(heading(page)).to_have_text("Audit log")
    events = page.locator("#audit-events")
    expect(events).to_contain_text(f"{name} named deputy for Central")
    axe.check(page)
    shoot(page, "admin-audit")
    page.get_by_label("Kind of event").select_option(label="Person changed")
    page.get_by_label("Done by or about").select_option(label=f"{name} ({email})")
    page.get_by_role("button", name="Show events").click()
    expect(events.locator("tbody tr")).to_have_count(1)
    expect(page.get_by_role("link", name="Download this event as CSV")).to_be_visible()
    axe.check(page)
    page.get_by_label("From (London date)").fill("31/2/2016")
    page.get_by_role("button", name="Show events").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the ‘from’ date")
    expect(page).to_have_title(re.compile("^Error: "))
    axe.check(page)

    # The deputy has never signed in: the admin invites them, and in their own browser they
    # set a password and do Central's return for this fortnight.
    deputy = invite_existing(page, base, name, email, axe, browser, browser_context_args)
    deputy.goto(f"{base}/returns/central/{CYCLE}")
    expect(heading(deputy)).to_have_text(f"Return for cycle {CYCLE}")
    axe.check(deputy)
    sections = deputy.locator("section.tracker-return-entry")
    refs = [i.removeprefix("action-") for i in sections.evaluate_all("s => s.map(e => e.id)")]
    assert len(refs) > 20
    for ref in refs:
        deputy.locator(f"#action-{ref}").get_by_label(
            f"Progress summary for {ref}", exact=True
        ).fill(f"{ref}: reviewed at the Central team meeting while the head of service is away.")
    deputy.get_by_role("button", name="Submit return").click()
    expect(flash(deputy)).to_contain_text(f"Return submitted: {len(refs)} actions updated.")
    status = deputy.locator("#return-status")
    expect(status).to_contain_text("Submitted 5 February 2016 at")
    expect(status).to_contain_text(f"by {name}")
    axe.check(deputy)
    deputy.context.close()


def test_an_admin_marks_someone_as_left_whose_session_stops_and_who_cannot_sign_in(
    page: Page, live_server, axe, browser, browser_context_args
):
    base = live_server
    name, email = LEAVER
    # The leaver has been signed in, in their own browser, since before the admin acts.
    sign_in(page, base, ADMIN, DEMO_PASSWORD, axe)
    leaver = invite_existing(page, base, name, email, axe, browser, browser_context_args)
    open_person(page, base, name, axe)
    open_refs = page.locator("#open-actions").inner_text()
    assert re.match(r"\d+: ", open_refs), open_refs
    page.get_by_role("link", name=f"Mark {name} as left").click()
    expect(heading(page)).to_have_text(f"Mark {name} as left")
    expect(
        page.get_by_text(f"chased through their line manager, {LEAVERS_MANAGER}")
    ).to_be_visible()
    axe.check(page)
    page.get_by_role("button", name="Mark as left").click()  # no date, the box not ticked
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Enter the date they left")
    expect(summary).to_contain_text("Confirm that they can no longer sign in")
    axe.check(page)
    # A date in the future is refused: marking as left stops their sign-in now.
    page.get_by_label("Day").fill("8")
    page.get_by_label("Month").fill("2")
    page.get_by_label("Year").fill("2016")
    page.get_by_label("I understand they can no longer sign in").check()
    page.get_by_role("button", name="Mark as left").click()
    expect(summary).to_contain_text("must be today (5 February 2016) or earlier")
    expect(page.get_by_label("Day")).to_have_value("8")
    axe.check(page)
    summary.get_by_role("link").first.click()  # the summary leads to the date's first box
    expect(page.get_by_label("Day")).to_be_focused()
    page.get_by_label("Day").fill("4")
    page.get_by_label("I understand they can no longer sign in").check()
    page.get_by_role("button", name="Mark as left").click()
    expect(flash(page)).to_contain_text(f"{name} is marked as left and can no longer sign in.")
    expect(page.locator("#person-status")).to_contain_text("left on Thursday 4 February 2016")
    expect(page.locator("#open-actions")).to_contain_text(
        f"Actions now chased through {LEAVERS_MANAGER} until reassigned."
    )
    axe.check(page)
    page.goto(f"{base}/admin/users")
    expect(page.locator("tr", has_text=email)).to_contain_text(
        f"actions now chased through {LEAVERS_MANAGER}"
    )
    axe.check(page)

    # Their open session stops working, and signing in again is refused.
    leaver.reload()
    expect(heading(leaver)).to_have_text("Sign in")
    axe.check(leaver)
    leaver.get_by_label("Email address").fill(email)
    leaver.get_by_label("Password", exact=True).fill(NEW_PASSWORD)
    leaver.get_by_role("button", name="Sign in").click()
    expect(leaver.locator(".govuk-error-summary")).to_contain_text(
        "The email address or password is not right"
    )
    axe.check(leaver)
    leaver.context.close()


def test_an_admin_resends_a_failed_message_and_gives_a_person_an_api_token(
    page: Page, live_server, browser_app, axe
):
    base = live_server
    with browser_app.app_context():  # a message the SMTP server refused eight times
        from datetime import UTC, datetime

        from sqlalchemy import select

        from tracker.extensions import db
        from tracker.models import OutboxMessage, User

        viewer = db.session.execute(
            select(User).where(User.email == ROLE_ACCOUNTS["viewer"])
        ).scalar_one()
        sent = datetime(2016, 2, 4, 9, tzinfo=UTC)
        db.session.add(
            OutboxMessage(
                key="journey|failed",
                run_day=sent.date(),
                recipient_id=viewer.id,
                to_address=viewer.email,
                subject="Ofsted action plan: a message that could not be delivered",
                body_text="Plain text body.",
                body_html='<p>HTML body with <a href="http://127.0.0.1:5000/">a link</a>.</p>',
                created_at=sent,
                status="failed",
                attempts=8,
                next_attempt_at=sent,
                last_error="smtp.example:25: Connection refused",
            )
        )
        db.session.commit()
        db.session.remove()

    sign_in(page, base, ADMIN, DEMO_PASSWORD, axe)
    page.goto(f"{base}/admin/outbox?status=failed")
    page.get_by_role("link", name="a message that could not be delivered").click()
    status = page.locator("#message-status")
    expect(status).to_contain_text("Failed")
    expect(status).to_contain_text("Connection refused")
    expect(page.locator("#message-links")).to_contain_text("http://127.0.0.1:5000/")
    axe.check(page)
    page.get_by_role("button", name="Send again").click()
    expect(flash(page)).to_contain_text("will be sent again on the sender's next run")
    expect(status).to_contain_text("Pending")
    expect(page.get_by_role("button", name="Send again")).to_have_count(0)
    axe.check(page)

    # An API token for the JSIG viewer's dashboard: shown once, then revoked.
    open_person(page, base, "Patricia Holroyd", axe)
    page.get_by_role("button", name="Create API token").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter what the token is for")
    axe.check(page)
    page.get_by_label("What the token is for").fill("JSIG dashboard")
    page.get_by_role("button", name="Create API token").click()
    expect(page.locator("#new-token")).to_contain_text("trk_")
    expect(page.locator("#tokens")).to_contain_text("Live")
    expect(page.locator("#tokens")).to_contain_text("End of Thursday 5 May 2016")  # 90 days on
    axe.check(page)
    page.get_by_role("button", name="Revoke all their live tokens").click()
    expect(flash(page)).to_contain_text("1 API token(s) revoked.")
    expect(page.locator("#tokens")).to_contain_text("Revoked")
    axe.check(page)
