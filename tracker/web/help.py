"""Help: the guide for each person's role, and the section of the guides that explains each page.

This is the one place that maps a role to its guide and a page (its endpoint, else its
blueprint) to a section of the documentation site (docs/, built by `make docs` into site/).
tests/web/test_help.py checks that every page and anchor named here is one MkDocs makes.

Where the links go: to TRACKER_HELP_URL, a hosted copy of the site, when it is set; otherwise to
/help/ here, which serves the site built into site/ (`make run` builds it) or, when it has not
been built, a page saying how to build it. A Help link never ends on a 404.
"""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    send_from_directory,
    url_for,
)
from flask_login import current_user
from werkzeug.security import safe_join

from tracker.domain.permissions import Role
from tracker.extensions import talisman
from tracker.security import CSP
from tracker.web.access import public


@dataclass(frozen=True)
class Section:
    """A page of docs/ (its Markdown file) and, optionally, a heading's anchor on it."""

    page: str
    anchor: str = ""

    @property
    def path(self) -> str:
        """The page's address in the built site (MkDocs' directory URLs: guides/chair/)."""
        stem = self.page.removesuffix(".md")
        if stem == "index":
            return ""
        return stem.removesuffix("/index") + "/"


LOCALITY_HEAD = "guides/locality-head.md"
ACTION_LEAD = "guides/action-lead.md"
CHAIR = "guides/chair.md"
READERS = "guides/jsig.md"  # the guide for the group's members and performance officers
ADMIN = "guides/admin.md"

# The Help link in the header: each role's guide.
ROLE_GUIDES: dict[Role, Section] = {
    Role.LOCALITY_HEAD: Section(LOCALITY_HEAD),
    Role.ACTION_LEAD: Section(ACTION_LEAD),
    Role.CHAIR: Section(CHAIR),
    Role.PERFORMANCE_OFFICER: Section(READERS),
    Role.VIEWER: Section(READERS),
    Role.ADMIN: Section(ADMIN),
}

# "Help with this page": a section for everyone (None), and for a role whose guide walks through
# that page as one of its tasks.
Sections = dict[Role | None, Section]

PLAN_PAGES = Section("reference/plans.md", "pages")
RETURNS = Section("reference/returns.md")
SEF = Section("reference/returns.md", "the-monthly-sef")
CHALLENGES = {
    None: Section("reference/meetings.md"),
    Role.LOCALITY_HEAD: Section(LOCALITY_HEAD, "7-answer-a-challenge"),
    Role.ACTION_LEAD: Section(ACTION_LEAD, "6-answer-a-challenge"),
    Role.CHAIR: Section(CHAIR, "4-challenge-and-close-a-challenge"),
    Role.VIEWER: Section(READERS, "5-challenge"),
    Role.PERFORMANCE_OFFICER: Section(READERS, "5-challenge"),
}
EVIDENCE = {
    None: Section("reference/evidence.md"),
    Role.LOCALITY_HEAD: Section(LOCALITY_HEAD, "5-add-and-withdraw-evidence"),
    Role.ACTION_LEAD: Section(ACTION_LEAD, "3-add-evidence-on-its-own"),
}
CALENDAR = {
    None: Section("reference/calendar.md", "subscribing-to-your-calendar-feed-and-stopping-it"),
    Role.LOCALITY_HEAD: Section(LOCALITY_HEAD, "8-be-reminded-and-keep-your-dates-in-outlook"),
    Role.ACTION_LEAD: Section(
        ACTION_LEAD, "7-be-reminded-follow-others-actions-and-see-your-dates"
    ),
    Role.VIEWER: Section(READERS, "6-your-calendar"),
    Role.PERFORMANCE_OFFICER: Section(READERS, "6-your-calendar"),
}
PEOPLE = Section(ADMIN, "3-change-deputise-and-mark-leavers")
SETUP = Section(
    ADMIN, "how-often-returns-are-due-the-self-evaluation-chasing-and-the-meetings-days"
)

BLUEPRINT_SECTIONS: dict[str, Sections] = {
    "pages": {None: PLAN_PAGES},
    "plans": {
        None: PLAN_PAGES,
        Role.LOCALITY_HEAD: Section(LOCALITY_HEAD, "1-see-what-is-yours"),
        Role.ACTION_LEAD: Section(ACTION_LEAD, "1-see-your-actions"),
        Role.VIEWER: Section(READERS, "2-export-the-plan"),
        Role.PERFORMANCE_OFFICER: Section(READERS, "2-export-the-plan"),
    },
    "dashboard": {None: PLAN_PAGES, Role.CHAIR: Section(CHAIR, "1-prepare-the-meeting")},
    "changes": {None: Section("reference/plans.md", "the-inspection-and-what-changed")},
    "inspections": {None: Section("reference/plans.md", "inspections-of-every-kind")},
    "updates": {None: Section(ACTION_LEAD, "2-update-an-action")},
    "evidence": EVIDENCE,
    "plan_changes": {
        None: Section("reference/plans.md", "changing-the-plan"),
        Role.CHAIR: Section(CHAIR, "7-change-the-plan"),
    },
    "returns": {
        None: RETURNS,
        Role.LOCALITY_HEAD: Section(LOCALITY_HEAD, "2-send-the-fortnightly-return"),
    },
    "sefs": {None: SEF, Role.LOCALITY_HEAD: Section(LOCALITY_HEAD, "4-write-the-monthly-sef")},
    "measures": {None: Section("reference/measures.md")},
    "meetings": {
        None: Section("reference/meetings.md"),
        Role.CHAIR: Section(CHAIR, "5-record-the-meeting"),
    },
    "challenges": CHALLENGES,
    "search": {
        None: Section("reference/search.md"),
        Role.VIEWER: Section(READERS, "1-find-what-you-need"),
    },
    "calendar": CALENDAR,
    "notify": {
        None: Section("reference/chasing.md"),
        Role.ACTION_LEAD: Section(
            ACTION_LEAD, "7-be-reminded-follow-others-actions-and-see-your-dates"
        ),
    },
    "tokens": {
        None: Section("reference/people.md"),
        Role.VIEWER: Section(READERS, "7-an-api-token"),
    },
    "admin": {None: PEOPLE},
}

# Pages whose section is not their blueprint's.
PAGE_SECTIONS: dict[str, Sections] = {
    "updates.sign_off_list": {None: Section(CHAIR, "3-sign-off-completed-actions")},
    "updates.sign_off": {None: Section(CHAIR, "3-sign-off-completed-actions")},
    "plan_changes.date_requests": {None: Section(CHAIR, "2-decide-a-target-date-request")},
    "plan_changes.decide": {None: Section(CHAIR, "2-decide-a-target-date-request")},
    "plan_changes.request_date": {
        None: Section(ACTION_LEAD, "5-ask-for-a-new-target-date"),
        Role.LOCALITY_HEAD: Section(LOCALITY_HEAD, "6-ask-for-a-new-target-date"),
    },
    "returns.history": {
        None: RETURNS,
        Role.LOCALITY_HEAD: Section(LOCALITY_HEAD, "3-amend-a-return-you-have-sent"),
    },
    "returns.all_history": {None: RETURNS},
    "changes.agenda": {None: Section(CHAIR, "1-prepare-the-meeting")},
    "meetings.pack": {None: Section(CHAIR, "6-the-pack")},
    "meetings.note": {None: Section(CHAIR, "6-the-pack")},
    "measures.quarterly_report": {None: Section(READERS, "4-the-quarterly-report")},
    "inspections.plan_sent": {None: Section(ADMIN, "8-record-when-the-plan-was-sent")},
    "challenges.raise_on_action": CHALLENGES,
    "challenges.raise_on_return": CHALLENGES,
    "admin.users": {None: PEOPLE},
    "admin.invite": {None: Section(ADMIN, "2-invite-people")},
    "admin.imported_invitations": {None: Section(ADMIN, "2-invite-people")},
    "admin.import_page": {None: Section(ADMIN, "4-import-the-plan")},
    "admin.import_problems": {None: Section(ADMIN, "4-import-the-plan")},
    "admin.import_progress": {None: Section(ADMIN, "4-import-the-plan")},
    "admin.mapped_import": {None: Section(ADMIN, "4-import-the-plan")},
    "admin.mapped_import_map": {None: Section(ADMIN, "4-import-the-plan")},
    "admin.outbox": {None: Section(ADMIN, "5-watch-the-outbox")},
    "admin.message": {None: Section(ADMIN, "5-watch-the-outbox")},
    "admin.audit": {None: Section(ADMIN, "6-read-the-audit-log")},
    "admin.setup_rhythm": {None: SETUP},
    "admin.setup_self_evaluation": {None: SETUP},
    "admin.setup_chasing": {None: SETUP},
    "admin.setup_meetings": {None: SETUP},
    "admin.words": {None: Section(ADMIN, "9-the-words-your-organisation-uses")},
}


def section_for_role(role: Role | str | None) -> Section:
    """The guide a person's Help link opens (the site's home page for no role)."""
    return ROLE_GUIDES.get(Role(role), Section("index.md")) if role else Section("index.md")


def section_for_page(endpoint: str | None, role: Role | str | None) -> Section | None:
    """The section explaining a page, for this role: the role's own if its guide has one."""
    if not endpoint:
        return None
    sections = PAGE_SECTIONS.get(endpoint) or BLUEPRINT_SECTIONS.get(endpoint.split(".", 1)[0])
    if sections is None:
        return None
    return sections.get(Role(role) if role else None) or sections[None]


def help_url(section: Section) -> str:
    """The address of a section: in the hosted copy when TRACKER_HELP_URL is set, else here."""
    fragment = f"#{section.anchor}" if section.anchor else ""
    hosted = current_app.config.get("HELP_URL")
    if hosted:
        return f"{hosted.rstrip('/')}/{section.path}{fragment}"
    return url_for("help.page", path=section.path) + fragment


@dataclass(frozen=True)
class HelpLinks:
    guide: str  # the person's guide
    page: str | None  # this page's section, when it has one


def help_links() -> HelpLinks | None:
    """The header's Help links for whoever is signed in (none for nobody). No SQL."""
    if not getattr(current_user, "is_authenticated", False):
        return None
    role = current_user.role
    page = section_for_page(request.endpoint, role)
    return HelpLinks(guide=help_url(section_for_role(role)), page=help_url(page) if page else None)


bp = Blueprint("help", __name__)
HTML = {"Content-Type": "text/html; charset=utf-8"}


@bp.record_once
def _check_settings(state) -> None:
    hosted = state.app.config.get("HELP_URL")
    if hosted and not re.match(r"^https?://[^/\s]+", hosted):
        raise RuntimeError(
            f"TRACKER_HELP_URL must be the guides' http:// or https:// address, not {hosted!r}"
        )


@bp.app_context_processor
def _help_context() -> dict:
    return {"help_links": help_links}


def site_folder(app: Flask) -> Path | None:
    """The built site's folder, when `make docs` has built it there (its index.html exists)."""
    folder = app.config.get("HELP_SITE_DIR")
    if folder and (Path(folder) / "index.html").is_file():
        return Path(folder)
    return None


@bp.get("/help/", defaults={"path": ""})
@bp.get("/help/<path:path>")
@public
@talisman(content_security_policy=None)  # each response sets its own (see _with_policy)
def page(path: str):
    """The guides: the hosted copy, the site built here, or how to build it."""
    hosted = current_app.config.get("HELP_URL")
    if hosted:
        return redirect(f"{hosted.rstrip('/')}/{path}")
    site = site_folder(current_app)
    if site is None:
        wanted = _markdown_for(path)
        response = current_app.make_response(
            render_template("help/not_built.html", page_title="Help", wanted=wanted)
        )
        return _with_policy(response, b"")
    file = safe_join(str(site), path)
    if file is None:
        abort(404)
    target = Path(file)
    if target.is_dir():
        if path and not path.endswith("/"):
            return redirect(url_for("help.page", path=path + "/"), code=301)
        target = target / "index.html"
    if not target.is_file():
        target = site / "404.html"  # the site's own "page not found", with its menus
        html = target.read_bytes() if target.is_file() else b"Not found"
        return _with_policy(current_app.make_response((html, 404, HTML)), html)
    if target.suffix == ".html":
        html = target.read_bytes()
        return _with_policy(current_app.make_response((html, 200, HTML)), html)
    return _with_policy(send_from_directory(site, path, max_age=3600), b"")


def _markdown_for(path: str) -> str:
    """The Markdown file in docs/ an address in the site comes from (guides/chair/ ->
    docs/guides/chair.md), to name on the page that says the site is not built."""
    stem = path.strip("/").removesuffix("/index.html").removesuffix(".html")
    return f"docs/{stem or 'index'}.md"


SCRIPT = re.compile(rb"<script(?P<attrs>[^>]*)>(?P<body>.*?)</script>", re.DOTALL)
STYLE = re.compile(rb"<style[^>]*>(?P<body>.*?)</style>", re.DOTALL)


def _hash(body: bytes) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(body).digest()).decode() + "'"


def _with_policy(response, html: bytes):
    """The app's Content Security Policy, allowing exactly the inline scripts and styles this
    page of the built site carries (MkDocs Material writes a few), by their hashes."""
    scripts = [
        _hash(found["body"])
        for found in SCRIPT.finditer(html)
        if b"src=" not in found["attrs"] and b"application/json" not in found["attrs"]
    ]
    styles = [_hash(found["body"]) for found in STYLE.finditer(html)]
    policy = dict(CSP)
    if scripts:
        policy["script-src"] = " ".join([CSP["script-src"], *dict.fromkeys(scripts)])
    if styles:
        policy["style-src"] = " ".join([CSP["style-src"], *dict.fromkeys(styles)])
    response.headers["Content-Security-Policy"] = "; ".join(
        f"{name} {value}" for name, value in policy.items()
    )
    return response
