"""Everyone's home page on the seed: their own work, and every count a link to a list that
shows that many actions. Read-only: only the shared seeded database is read."""

from __future__ import annotations

import html as htmllib
import re

import pytest
from sqlalchemy import select

from tests.builders import make_action, make_cycles, make_user
from tests.conftest import ROLE_ACCOUNTS, sign_in
from tests.web.test_action_lists import total
from tracker.extensions import db
from tracker.models import User

COUNT_LINK = re.compile(
    r'<a class="govuk-link tracker-count" href="([^"]+)"><strong>(\d+)</strong>'
    r'|<a class="govuk-link" href="([^"]+)">(\d+)<span class="govuk-visually-hidden">'
)


def count_links(html: str) -> list[tuple[str, int]]:
    found = []
    for m in COUNT_LINK.finditer(htmllib.unescape(html)):
        href, n = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
        found.append((href, int(n)))
    return found


def check_counts_match_their_lists(client, html: str) -> int:
    """Follow every count link to a list of actions: the list shows that many. Returns how
    many were checked."""
    checked = 0
    for href, n in count_links(html):
        if not href.startswith(("/actions", "/plans/")):
            continue
        response = client.get(href)
        assert response.status_code == 200, href
        assert total(response.get_data(as_text=True)) == n, href
        checked += 1
    return checked


def test_signing_in_lands_on_your_own_work(seeded_app):
    client = seeded_app.test_client()
    sign_in(client, ROLE_ACCOUNTS["action_lead"])
    page = client.get("/", follow_redirects=True).get_data(as_text=True)
    assert '<h1 class="govuk-heading-l">Your work</h1>' in page
    assert client.get("/sign-in").headers["Location"] == "/"


@pytest.mark.parametrize("role", list(ROLE_ACCOUNTS))
def test_every_count_on_the_home_page_links_to_a_list_of_that_many(role_client, role):
    client = role_client(role)
    page = client.get("/").get_data(as_text=True)
    assert check_counts_match_their_lists(client, page) >= 3  # at least the plans' counts


def test_every_count_on_the_overview_links_to_a_list_of_that_many(role_client):
    client = role_client("viewer")
    page = client.get("/overview").get_data(as_text=True)
    assert "Ofsted action plan overview" in page
    links = count_links(page)
    assert ("/actions/overdue", 6) in links and ("/actions?rag=red", 19) in links
    assert ("/actions", 335) in links
    assert any(href == "/actions?recommendation=R1" for href, _ in links)
    assert check_counts_match_their_lists(client, page) > 100


def test_the_overview_counts_as_at_a_date_link_to_lists_as_at_that_date(role_client):
    client = role_client("viewer")
    page = client.get("/overview?as_at=2016-01-20").get_data(as_text=True)
    links = count_links(page)
    assert links and all("as_at=2016-01-20" in href for href, _ in links)
    assert check_counts_match_their_lists(client, page) > 50


def test_an_action_lead_sees_my_actions_and_what_each_needs(role_client):
    page = role_client("action_lead").get("/").get_data(as_text=True)
    assert 'id="my-actions">My actions</h2>' in page
    assert "<strong>7</strong> open" in page and "10 in all, counting 3 closed" in page
    assert "What each action needs in cycle 3" in page
    assert 'href="/actions/MAP-001"' in page
    assert 'id="sign-off-work"' not in page and 'id="locality-work"' not in page


def test_a_partner_agency_s_lead_sees_the_actions_their_agency_leads_or_partners_on(
    seeded_app,
):
    client = seeded_app.test_client()
    sign_in(client, "dci.publicprotection@police.example")
    page = htmllib.unescape(client.get("/").get_data(as_text=True))
    # The 5 she leads (and may update) apart from the 18 her agency leads or partners on.
    assert 'id="my-actions">My actions</h2>' in page
    assert 'id="agency-actions">My agency\'s actions</h2>' in page
    assert "Actions South Yorkshire Police leads or partners on" in page
    links = count_links(page)
    assert (f"/actions?open=true&lead={_user_id(seeded_app)}", 5) in links
    assert ("/actions?open=true&involving=syp", 16) in links
    assert "18 in all, counting 2 closed or superseded" in page
    # Never "Update this cycle" on what she may only read.
    agency = re.search(r'id="agency-actions-table".*?</table>', page, re.S).group(0)
    assert "Update this cycle" not in agency
    assert "Awaiting sign-off, 6 working days" in agency  # MAP-037, finished and waiting
    assert check_counts_match_their_lists(client, page) >= 8


def _user_id(app, email: str = "dci.publicprotection@police.example") -> int:
    with app.app_context():
        return db.session.execute(select(User.id).where(User.email == email)).scalar_one()


def test_a_locality_head_sees_this_cycle_s_return_and_this_month_s_sef(role_client):
    client = role_client("locality_head")
    page = htmllib.unescape(client.get("/").get_data(as_text=True))
    assert 'id="locality-work">North locality</h2>' in page
    assert "Return for cycle 3" in page
    assert "Friday 12 February 2016 at 12:00" in page  # due, London time
    assert 'href="/returns/north/3"' in page
    assert "SEF for February 2016" in page and 'href="/sefs/north/2016-02"' in page
    left = re.search(r"Actions left to update</dt>\s*<dd[^>]*>(.*?)</dd>", page, re.S).group(1)
    # One definition on the whole page, said in the text: open actions (not closed or superseded).
    assert "of the 35 open actions in the North plan" in left
    mine = re.search(r'id="my-actions-counts">(.*?)</ul>', page, re.S).group(1)
    assert "<strong>32</strong> open" in mine and "<strong>32</strong> not updated" in mine
    assert "Every count is of open actions you lead" in page
    assert "35 in all, counting 3 closed or superseded" in page
    # The Localities menu item goes to the head's own locality.
    assert re.search(r'href="/plans/north"[^>]*>\s*Localities', page)


def test_a_chair_sees_what_awaits_sign_off_and_red_and_overdue_across_all_plans(role_client):
    page = htmllib.unescape(role_client("chair").get("/").get_data(as_text=True))
    assert 'id="sign-off-work">Awaiting your sign-off</h2>' in page
    waiting = re.findall(r'href="/actions/([^"/]+)/sign-off"', page)
    assert waiting, "the seed has actions awaiting sign-off"
    assert f"<strong>{len(waiting)}</strong> awaiting sign-off" in page
    assert "Waiting (working days)" in page
    assert ("/actions?rag=red", 19) in count_links(page)
    assert ("/actions/overdue", 6) in count_links(page)


@pytest.mark.parametrize("role", ["admin", "viewer"])
def test_people_who_do_not_sign_off_see_no_sign_off_work(role_client, role):
    page = role_client(role).get("/").get_data(as_text=True)
    assert 'id="sign-off-work"' not in page
    assert 'id="plans-table"' in page


def test_a_viewer_sees_the_plans_and_can_download_every_action(role_client):
    page = role_client("viewer").get("/").get_data(as_text=True)
    assert 'id="my-actions"' not in page
    assert 'id="download-all-csv" href="/api/v1/exports/plan.csv"' in page
    for code in ("main", "north", "south", "east", "central"):
        assert f'href="/plans/{code}"' in page


@pytest.mark.parametrize("role", ["locality_head", "action_lead"])
def test_people_who_may_not_export_get_no_download_on_their_home_page(role_client, role):
    assert 'id="download-all-csv"' not in role_client(role).get("/").get_data(as_text=True)


def test_a_named_deputy_s_home_and_localities_menu_are_the_locality_they_deputise_for(client):
    make_cycles(upto=4)
    make_action(ref="E-1", plan="east")
    make_user(role="action_lead", email="deputy@trust.example", deputy_for="east")
    db.session.commit()
    sign_in(client, "deputy@trust.example", "a-long-test-password")
    page = htmllib.unescape(client.get("/").get_data(as_text=True))
    # A new tracker's word for an area (the demo's is "Locality").
    assert 'id="locality-work">East area</h2>' in page
    assert 'href="/returns/east/3"' in page
    assert re.search(r'href="/plans/east"[^>]*>\s*Areas', page)
