"""The calendar page and the feed over HTTP: the link shown once, reset and turned off; the feed
fetched with no session; every bad link the same 404; a fixed number of statements."""

from __future__ import annotations

import gzip
import re
from datetime import date

import pytest
from icalendar import Calendar

from tests.builders import make_action, make_cycles, make_user
from tests.conftest import csrf_token, sign_in
from tracker.clock import now_utc
from tracker.domain.cycles import build_cycle
from tracker.extensions import db
from tracker.models import UpdateCycle
from tracker.services.exchange.calendar_feeds import make_feed

PASSWORD = "a-long-test-password"


def _signed_in(client, **user_args):
    user = make_user(**user_args)
    db.session.commit()
    sign_in(client, user.email, PASSWORD)
    return user


def _make_link(client) -> str:
    token = csrf_token(client, "/account/calendar")
    response = client.post("/account/calendar", data={"csrf_token": token, "confirm": "yes"})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    html = response.get_data(as_text=True)
    assert "Copy it now: it is shown only once" in html
    url = re.search(r'id="feed-url"[^>]*>([^<]+)</textarea>', html).group(1)
    assert url.startswith("http://127.0.0.1:5000/calendar/") and url.endswith(".ics")
    return url.removeprefix("http://127.0.0.1:5000")


def _without_nonce(html: str) -> str:
    return re.sub(r"nonce[-=][\"']?[A-Za-z0-9_\-]+", "nonce", html)


def test_the_page_explains_how_to_subscribe_and_offers_a_link(client):
    _signed_in(client)
    response = client.get("/account/calendar")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Your dates in Outlook" in html
    assert "Subscribe from web" in html and "From Internet" in html
    assert "You have no calendar link" in html and "Make a calendar link" in html
    assert "the target date of every open action you lead" in html
    assert "return is due" not in html  # an action lead writes no return


def test_a_locality_head_is_told_their_returns_and_sefs_are_in_it(client):
    _signed_in(client, role="locality_head", locality="north")
    html = client.get("/account/calendar").get_data(as_text=True)
    assert "when North's return is due" in html
    assert "North's monthly self-evaluation (SEF)" in html


def test_a_jsig_member_is_told_every_meeting_and_return_and_their_reminder_are_in_it(client):
    _signed_in(client, role="viewer", org="council")
    html = client.get("/account/calendar").get_data(as_text=True)
    assert "every governance meeting" in html
    assert "when every area’s return is due" in html
    assert "the statutory deadline" in html
    assert "Each deadline reminds you 2 days before" in html


def test_the_link_is_shown_once_and_the_feed_needs_no_session(client, clean_db):
    user = _signed_in(client)
    make_action(ref="MAP-001", lead=make_user(), target_date=date(2016, 3, 1))
    make_action(ref="MAP-002", lead=user, target_date=date(2016, 3, 31))
    db.session.commit()
    path = _make_link(client)
    page = client.get("/account/calendar").get_data(as_text=True)
    assert path not in page and "cannot be shown again" in page
    assert "Reset link" in page and "Turn off" in page

    anonymous = clean_db.test_client()
    response = anonymous.get(path)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    # "no-store, private" from the feed; "no-store" once the app's own rule for signed-in
    # requests has run (in this test the app context, and with it the session's person, is
    # shared with the signed-in client; the browser journey fetches the feed with no cookie).
    assert response.headers["Cache-Control"] in ("no-store, private", "no-store")
    assert "Set-Cookie" not in response.headers
    calendar = Calendar.from_ical(response.get_data())
    summaries = [str(e["SUMMARY"]) for e in calendar.walk("VEVENT")]
    summaries = [s for s in summaries if not s.startswith("Statutory deadline")]
    assert len(summaries) == 1 and summaries[0].startswith("MAP-002 target date: ")
    assert calendar.timezones[0].tz_name == "Europe/London"
    # The page now says a calendar has fetched it.
    page = client.get("/account/calendar").get_data(as_text=True)
    assert "Last fetched by a calendar" in page and "Not yet" not in page


def test_resetting_the_link_stops_the_old_one(client, clean_db):
    _signed_in(client)
    old = _make_link(client)
    new = _make_link(client)
    anonymous = clean_db.test_client()
    assert anonymous.get(old).status_code == 404
    assert anonymous.get(new).status_code == 200


def test_turning_the_link_off_makes_the_feed_a_404(client, clean_db):
    _signed_in(client)
    path = _make_link(client)
    token = csrf_token(client, "/account/calendar")
    response = client.post(
        "/account/calendar/turn-off", data={"csrf_token": token, "confirm": "yes"}
    )
    assert response.status_code == 302 and response.headers["Location"] == "/account/calendar"
    page = client.get("/account/calendar").get_data(as_text=True)
    assert "Your calendar link is turned off" in page and "You have no calendar link" in page
    assert clean_db.test_client().get(path).status_code == 404


@pytest.mark.parametrize("url", ["/account/calendar", "/account/calendar/turn-off"])
def test_a_post_without_its_form_or_csrf_token_writes_nothing(client, url):
    _signed_in(client)
    assert client.post(url, data={}).status_code == 400  # no CSRF token
    token = csrf_token(client, "/account/calendar")
    assert client.post(url, data={"csrf_token": token}).status_code == 400
    assert "You have no calendar link" in client.get("/account/calendar").get_data(as_text=True)


def test_every_bad_link_is_the_same_404(client, clean_db):
    _signed_in(client)
    revoked = _make_link(client)
    _make_link(client)
    anonymous = clean_db.test_client()
    answers = []
    for path in [
        revoked,
        "/calendar/" + "A" * 43 + ".ics",  # well formed, unknown
        "/calendar/short.ics",
        "/calendar/" + "a" * 10_000 + ".ics",
        "/calendar/%00.ics",
        "/calendar/" + "a" * 20 + "%00" + "a" * 22 + ".ics",
        "/calendar/" + "a" * 42 + "%ED%A0%80.ics",  # a lone surrogate
        "/calendar/" + "a" * 42 + "%FF.ics",
        revoked.removesuffix(".ics"),  # no .ics: no such route
    ]:
        response = anonymous.get(path)
        answers.append((response.status_code, _without_nonce(response.get_data(as_text=True))))
    assert {status for status, _ in answers} == {404}
    assert len({body for _, body in answers}) == 1


def test_the_feed_is_rate_limited_per_address(client, clean_db):
    anonymous = clean_db.test_client()
    limit = int(clean_db.config["CALENDAR_FEED_RATE_LIMIT"].split()[0])
    codes = [anonymous.get("/calendar/" + "A" * 43 + ".ics").status_code for _ in range(limit + 1)]
    assert codes == [404] * limit + [429]


@pytest.mark.parametrize("role", ["action_lead", "locality_head", "viewer"])
def test_the_feed_runs_the_same_statements_for_3_or_300_actions(
    client, clean_db, count_queries, role
):
    """A person with 3 actions and one with 300 (and, for a head, 2 cycles or 20) run the same
    number of statements: one lookup, one query for actions, one for the inspection (the
    statutory deadline), one for meetings, one for returns (and for the board, the localities),
    one for SEFs."""

    def feed_for(actions: int) -> int:
        person = make_user(role=role, locality="north" if role == "locality_head" else None)
        db.session.commit()
        token = make_feed(person.id, now=now_utc())
        for _ in range(actions):
            make_action(lead=person)
        db.session.commit()
        anonymous = clean_db.test_client()
        anonymous.get(f"/calendar/{token}.ics")  # the first read of the day is audited
        with count_queries(clean_db) as counter:
            response = anonymous.get(f"/calendar/{token}.ics")
        assert response.status_code == 200
        assert response.get_data().count(b"BEGIN:VEVENT") >= actions
        return counter.count

    make_cycles(upto=2)
    small = feed_for(3)
    for number in range(3, 21):
        c = build_cycle(date(2016, 1, 4), number)
        db.session.add(
            UpdateCycle(number=number, opens_on=c.opens_on, due_on=c.due_on, due_at=c.due_at_utc)
        )
    db.session.commit()
    large = feed_for(300)
    assert small == large
    assert small <= {"locality_head": 8, "viewer": 8}.get(role, 6)


def test_the_feed_is_gzipped_for_a_calendar_that_accepts_it(client, clean_db):
    user = _signed_in(client)
    for _ in range(5):
        make_action(lead=user)
    db.session.commit()
    path = _make_link(client)
    response = clean_db.test_client().get(path, headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert response.headers["Content-Encoding"] == "gzip"
    Calendar.from_ical(gzip.decompress(response.get_data()))


def test_the_home_page_links_to_the_calendar_page(client):
    _signed_in(client, role="locality_head", locality="north")
    page = client.get("/").get_data(as_text=True)
    assert 'id="your-calendar">Your dates in Outlook</h2>' in page
    assert "North's return deadlines and SEF due days" in page
    assert 'href="/account/calendar"' in page
