"""The organisation's words (issue 20.2) on the pages and packs: a council set up with its own
names for its board, its group and its scrutiny body sees them everywhere, never the demo's; the
demo keeps its own; and the administrator changes them on one page, audited, in force at once."""

from __future__ import annotations

import io
import json
import re
from datetime import UTC, datetime
from html import unescape

import pytest
from sqlalchemy import func, select

from tests.conftest import DEMO_PASSWORD, ROLE_ACCOUNTS, csrf_token, load_seed_rows, sign_in
from tracker.extensions import db
from tracker.models import AuditEvent, Meeting, Setting
from tracker.services.access import settings

NOW = datetime(2016, 2, 5, 9, 30, tzinfo=UTC)
OTHER = {
    "board": "Improvement Board",
    "board_short": "Improvement Board",
    "group": "Children's Scrutiny Committee",
    "group_short": "Scrutiny Committee",
    "scrutiny": "Overview and Scrutiny Committee",
    "area": "Cluster",
    "areas": "Clusters",
}
DEMO = ("Getting to Good", "JSIG", "Joint Strategic Inspection Group", "scrutiny panel")
DEMO_AREAS = ("Locality", "Localities", "locality", "localities")
URL = "/admin/setup/words"


def _none_of_the_demos(text: str, where: str) -> None:
    for word in DEMO:
        at = text.find(word)
        assert at < 0, f"{word!r} on {where}: …{text[max(0, at - 200) : at + 60]}…"


@pytest.fixture
def seeded(clean_db):
    """The demo's plan in the empty database (the shared seeded one is never written)."""
    load_seed_rows(
        clean_db, demo_password=DEMO_PASSWORD, hash_method=clean_db.config["PASSWORD_HASH_METHOD"]
    )
    return clean_db


@pytest.fixture
def other_words(seeded):
    settings.save_words(OTHER, actor_id=None, now=NOW)
    return seeded


def _client(app, role: str):
    client = app.test_client()
    sign_in(client, ROLE_ACCOUNTS[role])
    return client


def _page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return unescape(response.get_data(as_text=True))


def _meeting(kind: str) -> int:
    return (
        db.session.execute(select(Meeting.id).where(Meeting.kind == kind).order_by(Meeting.held_on))
        .scalars()
        .first()
    )


# Pages that show nothing the seed wrote (its people's job titles, notes and history): checked
# whole for the demo's words.
WHOLE_PAGE = {"/meetings", "/account/calendar", "/challenges", "/"}


def test_the_pages_name_the_board_and_the_group_in_the_organisations_words(other_words):
    chair = _client(other_words, "chair")
    expected = {
        "/dashboard": [
            '<h1 class="govuk-heading-l">Improvement Board dashboard</h1>',
            "for the weekly Improvement Board meeting",
            "Download the Scrutiny Committee board pack",
        ],
        "/agenda": ["Improvement Board agenda", "Weekly Improvement Board meeting"],
        "/changes": ["Improvement Board agenda for this week", "last Improvement Board meeting"],
        "/overview": ["Improvement Board agenda</a>"],
        "/": ["agenda for the next Improvement Board meeting"],
        "/plans/main": ["as the Scrutiny Committee board pack"],
        "/actions": ['id="dashboard-link" href="/dashboard">Improvement Board dashboard</a>'],
        "/meetings": [
            "Improvement Board, Children's Scrutiny Committee and Continuous Improvement Board "
            "meetings.",
        ],
        "/meetings/new": ["Improvement Board", "Children's Scrutiny Committee"],
        "/challenges": ["chairs and Scrutiny Committee members"],
        "/account/calendar": ["(Improvement Board, Scrutiny Committee and the Continuous"],
        "/measures/reports/quarterly/2015-Q3": ["For the Overview and Scrutiny Committee."],
    }
    for url, wanted in expected.items():
        page = _page(chair, url)
        for text in wanted:
            assert text in page, (url, text)
        # The page's own text; what the seed's people wrote (the plan, its history, the notes)
        # is theirs, and may name their meetings as they like.
        own = page if url in WHOLE_PAGE else page[: page.index("</h1>")]
        _none_of_the_demos(own, url)


def test_a_meeting_its_pack_and_the_board_pack_carry_the_organisations_words(
    other_words, monkeypatch, pdf_drawing_stubbed
):
    from tracker.http import packs

    chair = _client(other_words, "chair")
    group, board = _meeting("jsig"), _meeting("getting_to_good")

    page = _page(chair, f"/meetings/{group}")
    assert "<title>Children's Scrutiny Committee meeting, 21 January 2016" in page
    assert '<span class="govuk-caption-l">Children\'s Scrutiny Committee</span>' in page
    assert "Download the board pack (PDF)" in page
    assert "changes since the last Children's Scrutiny Committee meeting" in page
    pack = _page(chair, f"/meetings/{group}/pack")
    assert "Board pack: Children's Scrutiny Committee meeting, 21 January 2016" in pack
    assert "Net changes since the last Children's Scrutiny Committee meeting" in pack
    board_pack = _page(chair, f"/meetings/{board}/pack")
    assert "Improvement Board meeting pack" in board_pack
    listed = json.loads(chair.get("/api/v1/meetings").get_data(as_text=True))
    assert {m["kind_label"] for m in listed["items"]} >= {
        "Improvement Board",
        "Children's Scrutiny Committee",
    }
    # What the seed's people wrote (the notes, the decisions, the plan's history) is theirs:
    # only the tracker's own words are checked here, on the pack's cover.
    cover = pack[: pack.index('id="contents"')] if 'id="contents"' in pack else pack[:3000]
    _none_of_the_demos(cover.split("<dt>Meeting</dt>")[0], "the pack's cover")

    drawn: list[str] = []
    real = packs.board_pack_html

    def keep(pack, **kwargs):
        drawn.append(unescape(real(pack, **kwargs)))
        return drawn[-1]

    monkeypatch.setattr(packs, "board_pack_html", keep)
    assert chair.get("/api/v1/exports/board-pack.pdf?plan=north").status_code == 200
    (html,) = drawn
    assert "<title>Children's Scrutiny Committee board pack, " in html
    assert '<h1 id="pack-title">Children\'s Scrutiny Committee board pack</h1>' in html
    assert "Decisions since the last Scrutiny Committee meeting" in html
    _none_of_the_demos(html[: html.index('<h1 id="pack-title">')], "the board pack's head")


def test_the_openapi_document_describes_the_board_and_the_group_in_the_organisations_words(
    other_words,
):
    text = _page(_client(other_words, "viewer"), "/api/openapi.json")
    assert "The chair's dashboard for Improvement Board" in text
    assert "The Scrutiny Committee board pack of the actions the filters choose" in text
    assert "chairs, Scrutiny Committee members and the administrator" in text
    _none_of_the_demos(text, "the OpenAPI document")


def _no_demo_area_word(text: str, where: str) -> None:
    for word in DEMO_AREAS:
        at = re.search(rf"(?<![\w/.`-]){word}(?![\w/`-])", text)  # not a link, class or field
        assert at is None, (
            f"{word!r} on {where}: …{text[max(0, at.start() - 200) : at.end() + 60]}…"
        )


def test_the_menu_headings_and_tables_name_the_areas_in_the_organisations_words(other_words):
    """Issue 20: a council of clusters reads "Clusters" in the menu, "Cluster returns" and the
    like in headings, tables and labels, never the demo's "Locality"."""
    chair = _client(other_words, "chair")
    expected = {
        "/returns": [
            '<h1 class="govuk-heading-l">Cluster returns</h1>',
            "Each cluster's head of service submits",
            "Returns by cycle and cluster, newest cycle first",
        ],
        "/returns/history": ["<title>Past returns, every cluster", '__header">Cluster</th>'],
        "/returns/north/3": ["North cluster action plan</span>", "All cluster returns"],
        "/sefs": ['<h1 class="govuk-heading-l">Monthly cluster SEFs</h1>'],
        "/dashboard": ["Plan or cluster"],
        "/overview": ["across the main and cluster plans"],
        "/measures/reports/quarterly/2015-Q3": ["Cluster returns and SEFs due in the quarter"],
    }
    for url, wanted in expected.items():
        page = _page(chair, url)
        assert re.search(r'href="/plans/north"[^>]*>\s*Clusters\s*<', page), url  # the menu
        for text in wanted:
            assert text in page, (url, text)
        _no_demo_area_word(page[: page.index("</h1>")], url)


def test_the_head_and_the_administrator_read_the_areas_in_the_organisations_words(other_words):
    head = _page(_client(other_words, "locality_head"), "/")
    assert 'id="locality-work">North cluster</h2>' in head
    assert "(Cluster head of service, North)" in head  # who is signed in
    _no_demo_area_word(head[: head.index('id="locality-work"') + 60], "the head's home page")


def test_the_people_pages_name_the_areas_in_the_organisations_words(other_words):
    admin = _client(other_words, "admin")
    people = _page(admin, "/admin/users")
    assert '__header">Cluster</th>' in people and "Cluster head of service" in people
    # The page's own words; the people's job titles are the seed's ("North Locality").
    _no_demo_area_word(people[: people.index("<tbody")], "the people page")
    invite = _page(admin, "/admin/users/invite")
    for text in ("Deputy for a cluster", "the cluster they lead", "Cluster head of service"):
        assert text in invite, text
    # The form's labels, hints and roles; the line managers listed carry the seed's job titles.
    _no_demo_area_word(
        re.sub(r'<select[^>]*id="line_manager_id".*?</select>', "", invite, flags=re.S),
        "the invitation form",
    )


def _descriptions(node) -> list[str]:
    if isinstance(node, dict):
        own = [v for k, v in node.items() if k in ("description", "summary") and isinstance(v, str)]
        return own + [text for v in node.values() for text in _descriptions(v)]
    if isinstance(node, list):
        return [text for v in node for text in _descriptions(v)]
    return []


def test_the_quarterly_report_and_the_api_name_the_areas_in_the_organisations_words(
    other_words,
):
    from docx import Document

    chair = _client(other_words, "chair")
    word = chair.get("/api/v1/reports/quarterly/2015-Q3.docx")
    assert word.status_code == 200
    text = "\n".join(p.text for p in Document(io.BytesIO(word.data)).paragraphs)
    assert "Cluster returns and SEFs due in the quarter" in text
    assert "No cluster return fell due between" in text
    assert "raised on actions and cluster returns" in text
    _no_demo_area_word(text, "the quarterly report's Word file")

    api = _page(chair, "/api/openapi.json")
    for wanted in ("Every cluster's returns", "One cluster's return for one cycle"):
        assert wanted in api, wanted
    # What the document says, not its paths and field names (`locality` is the API's).
    _no_demo_area_word("\n".join(_descriptions(json.loads(api))), "the OpenAPI document")
    missing = chair.get("/api/v1/localities/nowhere/returns/3")
    assert missing.status_code == 404
    assert "There is no return for cluster nowhere in cycle 3" in missing.get_data(as_text=True)


def test_the_demo_keeps_its_own_words(seeded_client):
    sign_in(seeded_client, ROLE_ACCOUNTS["chair"])
    assert "Getting to Good dashboard</h1>" in _page(seeded_client, "/dashboard")
    assert (
        "Getting to Good, Joint Strategic Inspection Group and Continuous Improvement Board "
        "meetings." in _page(seeded_client, "/meetings")
    )
    assert "For the scrutiny panel." in _page(seeded_client, "/measures/reports/quarterly/2015-Q3")
    returns = _page(seeded_client, "/returns")
    assert '<h1 class="govuk-heading-l">Locality returns</h1>' in returns
    assert re.search(r'href="/plans/north"[^>]*>\s*Localities\s*<', returns)


# --- the administrator's page ------------------------------------------------------------------


def _words_events() -> int:
    return db.session.execute(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.kind == "setup.words")
    ).scalar_one()


def _saved() -> dict | None:
    return db.session.execute(
        select(Setting.value).where(Setting.key == "words")
    ).scalar_one_or_none()


def test_the_admin_changes_the_words_and_every_page_uses_them_at_once(seeded):
    admin = _client(seeded, "admin")
    form = _page(admin, URL)
    assert 'value="Getting to Good"' in form and 'value="JSIG"' in form
    assert 'value="Locality"' in form and 'value="Localities"' in form
    assert "The words your organisation uses" in _page(admin, "/")  # the link to it

    sent = admin.post(URL, data={**OTHER, "csrf_token": csrf_token(admin, URL)})

    assert sent.status_code == 302 and sent.headers["Location"].endswith(URL)
    assert "The words are saved" in _page(admin, URL)
    assert _saved() == OTHER
    event = db.session.execute(
        select(AuditEvent).where(AuditEvent.kind == "setup.words")
    ).scalar_one()
    assert event.detail["to"] == OTHER and event.detail["from"]["board"] == "Getting to Good"
    # One client a test: the test's app context is shared by its requests, and with it who is
    # signed in. The administrator reads the dashboard too.
    assert "Improvement Board dashboard</h1>" in _page(admin, "/dashboard")
    assert re.search(r'href="/plans/north"[^>]*>\s*Clusters\s*<', _page(admin, "/dashboard"))
    assert "words changed: the board from “Getting to Good” to “Improvement Board”" in (
        _page(admin, "/admin/audit?kind=setup.words")
    )


@pytest.mark.parametrize(
    ("changes", "messages"),
    [
        (
            {"board": "", "group": "   "},
            [
                ("#board", "Enter the name of the meeting that reviews overdue and red actions"),
                ("#group", "Enter the name of the group that signs off progress"),
            ],
        ),
        (
            {"scrutiny": "x" * 81},
            [
                (
                    "#scrutiny",
                    "Name of the scrutiny body that receives quarterly reports must be 80 "
                    "characters or fewer",
                )
            ],
        ),
        (
            {"area": "", "areas": "x" * 81},
            [
                ("#area", "Enter the name of one of the areas that make returns"),
                ("#areas", "That name for more than one area must be 80 characters or fewer"),
            ],
        ),
    ],
)
def test_words_that_cannot_be_saved_get_an_error_summary_and_write_nothing(
    seeded, changes, messages
):
    admin = _client(seeded, "admin")
    before = _saved()

    sent = admin.post(URL, data={**OTHER, **changes, "csrf_token": csrf_token(admin, URL)})

    page = unescape(sent.get_data(as_text=True))
    assert sent.status_code == 400
    assert "<title>Error: The words your organisation uses" in page
    assert "There is a problem" in page
    for href, message in messages:
        assert f'<a href="{href}">{message}</a>' in page
    assert _saved() == before and _words_events() == 0


def test_a_nul_byte_or_no_csrf_token_is_refused_and_writes_nothing(seeded):
    admin = _client(seeded, "admin")
    before = _saved()

    nul = admin.post(
        URL, data={**OTHER, "board": "Board\x00", "csrf_token": csrf_token(admin, URL)}
    )
    forged = admin.post(URL, data=OTHER)

    assert nul.status_code == 400
    assert "board contains a character that is not text" in nul.get_data(as_text=True)
    assert forged.status_code == 400
    assert _saved() == before and _words_events() == 0
