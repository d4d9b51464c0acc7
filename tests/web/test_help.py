"""Help: each role's Help link opens its guide, each main page links to the section of the guides
that explains it, and every page and anchor tracker/web/help.py names is one the built site has.
The links go to the site the tracker serves under /help/ (built into site/), to a hosted copy
when TRACKER_HELP_URL is set, and to a page saying how to build the guides when neither is there:
never to a 404."""

from __future__ import annotations

import base64
import hashlib
import re

import pytest

from config import TestConfig
from tests.conftest import ROLE_ACCOUNTS, make_app
from tracker.domain.permissions import Role
from tracker.web import help as help_module
from tracker.web.help import (
    BLUEPRINT_SECTIONS,
    PAGE_SECTIONS,
    ROLE_GUIDES,
    Section,
    section_for_page,
)

GUIDES = {
    "locality_head": "/help/guides/locality-head/",
    "action_lead": "/help/guides/action-lead/",
    "chair": "/help/guides/chair/",
    "performance_officer": "/help/guides/jsig/",
    "viewer": "/help/guides/jsig/",
    "admin": "/help/guides/admin/",
}
TITLES = {
    "/help/guides/locality-head/": "Guide: locality head of service",
    "/help/guides/action-lead/": "Guide: action lead, including partner agencies",
    "/help/guides/chair/": "Guide: Getting to Good chair",
    "/help/guides/jsig/": "Guide: JSIG member and scrutiny officer",
    "/help/guides/admin/": "Guide: administrator",
}
# (role, a main page, the section its "Help with this page" link opens)
PAGES = [
    ("locality_head", "/", "/help/reference/plans/#pages"),
    (
        "locality_head",
        "/returns/north/3",
        "/help/guides/locality-head/#2-send-the-fortnightly-return",
    ),
    (
        "locality_head",
        "/returns/north/history",
        "/help/guides/locality-head/#3-amend-a-return-you-have-sent",
    ),
    ("locality_head", "/sefs", "/help/guides/locality-head/#4-write-the-monthly-sef"),
    ("locality_head", "/plans/north", "/help/guides/locality-head/#1-see-what-is-yours"),
    ("action_lead", "/actions/MAP-001", "/help/guides/action-lead/#1-see-your-actions"),
    ("action_lead", "/challenges", "/help/guides/action-lead/#6-answer-a-challenge"),
    (
        "action_lead",
        "/account/notifications",
        "/help/guides/action-lead/#7-be-reminded-follow-others-actions-and-see-your-dates",
    ),
    ("chair", "/dashboard", "/help/guides/chair/#1-prepare-the-meeting"),
    ("chair", "/agenda", "/help/guides/chair/#1-prepare-the-meeting"),
    ("chair", "/sign-off", "/help/guides/chair/#3-sign-off-completed-actions"),
    ("chair", "/date-requests", "/help/guides/chair/#2-decide-a-target-date-request"),
    ("chair", "/meetings", "/help/guides/chair/#5-record-the-meeting"),
    ("chair", "/returns", "/help/reference/returns/"),
    ("viewer", "/plans/main", "/help/guides/jsig/#2-export-the-plan"),
    ("viewer", "/search?q=MASH", "/help/guides/jsig/#1-find-what-you-need"),
    ("viewer", "/account/calendar", "/help/guides/jsig/#6-your-calendar"),
    ("viewer", "/account/api-tokens", "/help/guides/jsig/#7-an-api-token"),
    ("performance_officer", "/measures", "/help/reference/measures/"),
    (
        "performance_officer",
        "/measures/reports/quarterly/2015-Q3",
        "/help/guides/jsig/#4-the-quarterly-report",
    ),
    ("admin", "/admin/users", "/help/guides/admin/#3-change-deputise-and-mark-leavers"),
    ("admin", "/admin/users/invite", "/help/guides/admin/#2-invite-people"),
    ("admin", "/admin/import", "/help/guides/admin/#4-import-the-plan"),
    ("admin", "/admin/outbox", "/help/guides/admin/#5-watch-the-outbox"),
    ("admin", "/admin/audit", "/help/guides/admin/#6-read-the-audit-log"),
    (
        "admin",
        "/admin/setup/rhythm",
        "/help/guides/admin/#how-often-returns-are-due-the-self-evaluation-chasing-and-the-meetings-days",
    ),
    ("admin", "/inspection", "/help/reference/plans/#inspections-of-every-kind"),
]
# Blueprints with no page of their own to explain: signing in, the health check, files, the API.
NO_SECTION = {"auth", "health", "assets", "help", "api", "static"}


def every_section() -> list[Section]:
    found = list(ROLE_GUIDES.values())
    for table in (BLUEPRINT_SECTIONS, PAGE_SECTIONS):
        for sections in table.values():
            found.extend(sections.values())
    return sorted(set(found), key=lambda s: (s.page, s.anchor))


def help_link(html: str) -> str | None:
    found = re.search(
        r'<a class="govuk-service-navigation__link" href="([^"]+)"[^>]*>\s*Help\s*<', html
    )
    return found.group(1) if found else None


def page_help_link(html: str) -> str | None:
    found = re.search(r'<a class="govuk-link tracker-page-help" href="([^"]+)"', html)
    return found.group(1) if found else None


def ids_in(html: str) -> set[str]:
    return set(re.findall(r'\sid="([^"]+)"', html))


@pytest.fixture
def served(seeded_app, built_docs, monkeypatch):
    """The seeded app serving the site built for this run."""
    monkeypatch.setitem(seeded_app.config, "HELP_SITE_DIR", str(built_docs))
    return seeded_app


def test_every_role_has_a_guide():
    assert set(ROLE_GUIDES) == set(Role)


@pytest.mark.parametrize("section", every_section(), ids=lambda s: f"{s.page}#{s.anchor}")
def test_every_page_and_anchor_mapped_is_in_the_built_site(built_docs, section):
    page = built_docs / section.path / "index.html"
    assert page.is_file(), f"{section.page} is not a page of the site"
    if section.anchor:
        assert section.anchor in ids_in(page.read_text(encoding="utf-8")), (
            f"{section.page} has no heading #{section.anchor}"
        )


def test_the_anchor_check_can_fail(built_docs):
    page = (built_docs / "guides" / "chair" / "index.html").read_text(encoding="utf-8")
    assert "3-sign-off-completed-actions" in ids_in(page)
    assert "3-sign-off-every-action" not in ids_in(page)


def test_every_endpoint_and_blueprint_mapped_is_the_apps(seeded_app):
    endpoints = set(seeded_app.view_functions)
    assert sorted(set(PAGE_SECTIONS) - endpoints) == []
    assert sorted(set(BLUEPRINT_SECTIONS) - set(seeded_app.blueprints)) == []


def test_every_blueprint_with_a_signed_in_page_has_a_section(seeded_app):
    without = set()
    for rule in seeded_app.url_map.iter_rules():
        view = seeded_app.view_functions[rule.endpoint]
        blueprint = rule.endpoint.split(".", 1)[0] if "." in rule.endpoint else "static"
        signed_in = "GET" in rule.methods and getattr(view, "required_permission", None)
        if signed_in and blueprint not in NO_SECTION and not section_for_page(rule.endpoint, None):
            without.add(rule.endpoint)
    assert sorted(without) == []


def test_a_page_with_no_section_gets_no_page_link():
    assert section_for_page("auth.sign_in", Role.CHAIR) is None
    assert section_for_page(None, Role.CHAIR) is None


@pytest.mark.parametrize("role", sorted(ROLE_ACCOUNTS))
def test_the_help_link_in_the_header_opens_the_guide_for_the_role(role_client, served, role):
    client = role_client(role)
    link = help_link(client.get("/").get_data(as_text=True))
    assert link == GUIDES[role]
    guide = client.get(link)
    assert guide.status_code == 200
    assert f">{TITLES[link]}<" in guide.get_data(as_text=True)


@pytest.mark.parametrize(("role", "url", "section"), PAGES, ids=[f"{r}:{u}" for r, u, _ in PAGES])
def test_each_main_page_links_to_its_section(role_client, served, role, url, section):
    client = role_client(role)
    page = client.get(url)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert page_help_link(html) == section
    assert (
        'target="_blank" rel="noopener noreferrer">Help with this page (opens in new tab)</a>'
        in html
    )
    path, _, anchor = section.partition("#")
    guide = client.get(path)
    assert guide.status_code == 200
    assert not anchor or anchor in ids_in(guide.get_data(as_text=True))


def test_nobody_signed_in_sees_no_help_links(seeded_client):
    html = seeded_client.get("/sign-in").get_data(as_text=True)
    assert help_link(html) is None and page_help_link(html) is None


def test_the_served_pages_allow_only_their_own_inline_scripts(served, seeded_client):
    response = seeded_client.get("/help/guides/chair/")
    policy = response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in policy and "frame-ancestors 'none'" in policy
    html = response.get_data()
    inline = [
        body
        for attrs, body in re.findall(rb"<script([^>]*)>(.*?)</script>", html, re.DOTALL)
        if b"src=" not in attrs and b"application/json" not in attrs
    ]
    assert inline, "the Material theme writes inline scripts: none found is not a pass"
    for body in inline:
        digest = base64.b64encode(hashlib.sha256(body).digest()).decode()
        assert f"'sha256-{digest}'" in policy
    assert b"fonts.googleapis.com" not in html  # the theme's web fonts are off (mkdocs.yml)


def test_the_sites_files_are_served_and_nothing_outside_it(served, seeded_client):
    index = seeded_client.get("/help/search/search_index.json")
    assert index.status_code == 200 and index.get_json()["docs"]
    index.close()
    assert (
        seeded_client.get("/help/guides/chair").headers["Location"].endswith("/help/guides/chair/")
    )
    for outside in ("/help/../config.py", "/help/%2e%2e/config.py", "/help/..%2fconfig.py"):
        response = seeded_client.get(outside)
        assert response.status_code == 404, outside
        assert b"SECRET_KEY" not in response.get_data()


def test_a_page_the_site_lacks_is_its_own_not_found_page(served, seeded_client):
    response = seeded_client.get("/help/guides/no-such-guide/")
    assert response.status_code == 404
    assert "Content-Security-Policy" in response.headers


def test_without_a_built_site_help_says_how_to_build_it(role_client):
    client = role_client("chair")
    response = client.get(help_link(client.get("/").get_data(as_text=True)))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "The guides have not been built on this server yet" in html
    assert "<code>docs/guides/chair.md</code>" in html and "<code>make docs-site</code>" in html
    assert "TRACKER_HELP_URL" in html


def test_with_a_hosted_copy_the_links_go_there(seeded_app, role_client, monkeypatch):
    monkeypatch.setitem(seeded_app.config, "HELP_URL", "https://docs.example.org/tracker/")
    client = role_client("locality_head")
    html = client.get("/returns/north/3").get_data(as_text=True)
    assert help_link(html) == "https://docs.example.org/tracker/guides/locality-head/"
    assert page_help_link(html) == (
        "https://docs.example.org/tracker/guides/locality-head/#2-send-the-fortnightly-return"
    )
    old_link = client.get("/help/guides/chair/")
    assert old_link.status_code == 302
    assert old_link.headers["Location"] == "https://docs.example.org/tracker/guides/chair/"


@pytest.mark.parametrize("address", ["docs.example.org/tracker", "javascript:alert(1)", "ftp://x"])
def test_a_help_url_that_is_not_a_web_address_stops_the_start(address):
    with pytest.raises(RuntimeError, match="TRACKER_HELP_URL"):
        make_app("sqlite://", HELP_URL=address)


def test_the_help_links_run_no_sql(role_client, seeded_app, count_queries, monkeypatch):
    client = role_client("chair")
    client.get("/dashboard")  # warm
    with count_queries(seeded_app) as with_links:
        client.get("/dashboard")
    # What the page costs with links that ask nothing of anyone.
    monkeypatch.setattr(help_module, "help_links", lambda: help_module.HelpLinks("/help/", None))
    with count_queries(seeded_app) as without:
        html = client.get("/dashboard").get_data(as_text=True)
    assert page_help_link(html) is None  # the stand-in was used
    assert with_links.count == without.count


def test_the_guides_are_served_without_sql(served, seeded_client, count_queries):
    with count_queries(served) as counter:
        for path in ("/help/", "/help/guides/chair/", "/help/search/search_index.json"):
            response = seeded_client.get(path)
            assert response.status_code == 200
            response.close()
    assert counter.count == 0


def test_the_test_configuration_has_no_built_site():
    assert TestConfig.HELP_SITE_DIR == "" and help_module.site_folder(make_app("sqlite://")) is None
