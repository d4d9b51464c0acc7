"""Every route, requested as every role and anonymously: allowed or refused as the policy says."""

from __future__ import annotations

import time
from dataclasses import dataclass

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from tests.conftest import ROLE_ACCOUNTS, csrf_token, sign_in
from tracker.extensions import db
from tracker.models import AuditEvent
from tracker.web.access import PUBLIC

# The PDFs these requests ask for are not drawn: drawing is tested in the pack and report tests.
pytestmark = pytest.mark.usefixtures("pdf_drawing_stubbed")

ROLES = list(ROLE_ACCOUNTS)
EVERYONE = set(ROLES)
SIGNERS = {"chair"}  # separation of duties: the admin does not sign off
PLAN_EDITORS = {"admin", "chair"}  # the plan itself: chairs and the admin; dates: chairs only
NORTH = {"locality_head"}
# The policy grants exports to these roles; locality heads and action leads are refused.
EXPORTERS = {
    "admin",
    "chair",
    "performance_officer",
    "viewer",
}  # the locality head account is North's; the admin writes no return
# The chair's dashboard: the chair, JSIG members (viewers) and the admin who prepares the meeting.
DASHBOARD = {"admin", "chair", "viewer"}
RECORDERS = {"admin", "chair"}
NOTE_WRITERS = {"chair", "viewer"}
# Every locality's past returns: the board (chairs, JSIG members) and the administrator.
RETURN_READERS = {"admin", "chair", "viewer"}
# The seed's Getting to Good meeting (28 January 2016): the board sees every meeting; the MASH
# head attended it and the performance officer holds a follow-up from it; North's head is in
# neither, so is refused it.
MEETING_SEERS = {"admin", "chair", "viewer", "action_lead", "performance_officer"}

# The challenge log: chairs and JSIG members (viewers) raise; everyone may open the log, which
# shows each person what they may see. No challenge 999999: a 404 for everyone.
RAISERS = {"chair", "viewer"}
# Evidence on North's action N-01 and North's SEF: its head, chairs and the admin add it.
EVIDENCE_ADDERS = NORTH | {"admin", "chair"}

# Contract measures: values are entered by performance officers (and the admin).
MEASURERS = {"admin", "performance_officer"}

# One sample request for every endpoint, who may make it and what they then get. Writes are
# sent with a valid CSRF token and an incomplete form, so allowed roles get 400 and write nothing.
ROUTES = {
    "pages.home": ("GET", "/", EVERYONE, 200),
    "pages.overview": ("GET", "/overview", EVERYONE, 200),
    "pages.recommendation": ("GET", "/recommendations/R1", EVERYONE, 200),
    "pages.accessibility": ("GET", "/accessibility", "public", 200),
    # The guides: the test configuration has no built site, so the page saying how to build it.
    "help.page": ("GET", "/help/guides/chair/", "public", 200),
    # The seeded test database has no scheduler beating: 503, naming it, for everyone.
    "health.healthz": ("GET", "/healthz", "public", 503),
    "plans.show": ("GET", "/plans/north", EVERYONE, 200),
    "plans.all_actions": ("GET", "/actions?involving=trust&no_update=true", EVERYONE, 200),
    "plans.overdue": ("GET", "/actions/overdue?plan=main&rag=red", EVERYONE, 200),
    "plans.action": ("GET", "/actions/MAP-001", EVERYONE, 200),
    "dashboard.show": ("GET", "/dashboard?plan=north&lead_organisation=trust", DASHBOARD, 200),
    "admin.users": ("GET", "/admin/users", {"admin"}, 200),
    "admin.audit": ("GET", "/admin/audit", {"admin"}, 200),
    "admin.audit_csv": ("GET", "/admin/audit.csv?kind=sign_in", {"admin"}, 200),
    "admin.outbox": ("GET", "/admin/outbox", {"admin"}, 200),
    "admin.words": ("GET", "/admin/setup/words", {"admin"}, 200),
    # Sent empty: refused with the error summary, so the shared seeded database keeps its words.
    "admin.words:post": ("POST", "/admin/setup/words", {"admin"}, 400),
    # The seed has no mail: an unknown message is a 404 for the admin, a 403 for everyone else.
    "admin.message": ("GET", "/admin/outbox/999999", {"admin"}, 404),
    "admin.resend": ("POST", "/admin/outbox/999999/resend", {"admin"}, 400),
    "admin.invite": ("GET", "/admin/users/invite", {"admin"}, 200),
    "admin.invite:post": ("POST", "/admin/users/invite", {"admin"}, 400),
    "admin.person": ("GET", "/admin/users/{person}", {"admin"}, 200),
    "admin.person:post": ("POST", "/admin/users/{person}", {"admin"}, 400),
    "admin.leave": ("GET", "/admin/users/{person}/leave", {"admin"}, 200),
    "admin.leave:post": ("POST", "/admin/users/{person}/leave", {"admin"}, 400),
    "admin.reassign": ("POST", "/admin/users/{person}/reassign", {"admin"}, 400),
    "admin.reinvite": ("POST", "/admin/users/{person}/reinvite", {"admin"}, 400),
    "admin.create_token": ("POST", "/admin/users/{person}/tokens", {"admin"}, 400),
    "admin.revoke_tokens": ("POST", "/admin/users/{person}/tokens/revoke", {"admin"}, 400),
    # The set-up (issue 20.2): an incomplete form is refused (400) and writes nothing.
    "admin.setup_rhythm": ("GET", "/admin/setup/rhythm", {"admin"}, 200),
    "admin.setup_rhythm:post": ("POST", "/admin/setup/rhythm", {"admin"}, 400),
    "admin.setup_self_evaluation": ("GET", "/admin/setup/self-evaluation", {"admin"}, 200),
    "admin.setup_self_evaluation:post": ("POST", "/admin/setup/self-evaluation", {"admin"}, 400),
    "admin.setup_chasing": ("GET", "/admin/setup/chasing", {"admin"}, 200),
    "admin.setup_chasing:post": ("POST", "/admin/setup/chasing", {"admin"}, 400),
    "admin.setup_meetings": ("GET", "/admin/setup/meetings", {"admin"}, 200),
    "admin.setup_meetings:post": ("POST", "/admin/setup/meetings", {"admin"}, 400),
    # Importing the plan: no file sent is refused (400) and writes nothing.
    "admin.import_page": ("GET", "/admin/import", {"admin"}, 200),
    "admin.import_check": ("POST", "/admin/import", {"admin"}, 400),
    "admin.import_apply": ("POST", "/admin/import/apply", {"admin"}, 400),
    "admin.import_template": ("GET", "/admin/import/template.csv", {"admin"}, 200),
    # No import has that digest: a 404 for the admin, a 403 for everyone else.
    "admin.import_progress": ("GET", "/admin/import/progress/" + "0" * 64, {"admin"}, 404),
    "admin.import_progress_json": (
        "GET",
        "/admin/import/progress/" + "0" * 64 + ".json",
        {"admin"},
        404,
    ),
    "admin.import_problems": ("GET", "/admin/import/problems/" + "0" * 64, {"admin"}, 404),
    # A spreadsheet in its own shape: no file sent is a 400; no file held under that digest is
    # a 404 for the admin; the invitations a people sheet made wait on their own page.
    "admin.mapped_import": ("GET", "/admin/import/mapped", {"admin"}, 200),
    "admin.mapped_import_upload": ("POST", "/admin/import/mapped", {"admin"}, 400),
    "admin.mapped_import_map": ("GET", "/admin/import/mapped/plan/" + "0" * 64, {"admin"}, 404),
    "admin.mapped_import_check": (
        "POST",
        "/admin/import/mapped/people/" + "0" * 64,
        {"admin"},
        404,
    ),
    "admin.imported_invitations": ("GET", "/admin/import/invitations", {"admin"}, 200),
    "admin.send_imported_invitations": ("POST", "/admin/import/invitations", {"admin"}, 400),
    # Set-up (issue 20.2): the seed's first organisation and area. An empty form (and a removal,
    # retirement or return to use without its confirmation) is a 400 that writes nothing.
    "admin.setup": ("GET", "/admin/setup", {"admin"}, 200),
    "admin.organisations": ("GET", "/admin/organisations", {"admin"}, 200),
    "admin.add_organisation": ("GET", "/admin/organisations/new", {"admin"}, 200),
    "admin.add_organisation:post": ("POST", "/admin/organisations/new", {"admin"}, 400),
    "admin.organisation": ("GET", "/admin/organisations/{org}", {"admin"}, 200),
    "admin.organisation:post": ("POST", "/admin/organisations/{org}", {"admin"}, 400),
    "admin.remove_organisation": ("POST", "/admin/organisations/{org}/remove", {"admin"}, 400),
    "admin.areas": ("GET", "/admin/areas", {"admin"}, 200),
    "admin.add_area": ("GET", "/admin/areas/new", {"admin"}, 200),
    "admin.add_area:post": ("POST", "/admin/areas/new", {"admin"}, 400),
    "admin.area": ("GET", "/admin/areas/{area}", {"admin"}, 200),
    "admin.area:post": ("POST", "/admin/areas/{area}", {"admin"}, 400),
    "admin.retire_area": ("POST", "/admin/areas/{area}/retire", {"admin"}, 400),
    "admin.unretire_area": ("POST", "/admin/areas/{area}/unretire", {"admin"}, 400),
    "admin.remove_area": ("POST", "/admin/areas/{area}/remove", {"admin"}, 400),
    # The link in an invitation is public; an unknown one says so, as a 404 page.
    "auth.invitation": ("GET", "/invitations/no-such-link", "public", 404),
    "api.outbox": ("GET", "/api/v1/outbox", {"admin"}, 200),
    "api.recommendations": ("GET", "/api/v1/recommendations", EVERYONE, 200),
    "api.actions": ("GET", "/api/v1/actions", EVERYONE, 200),
    "api.overdue_actions": ("GET", "/api/v1/actions/overdue?involving=trust", EVERYONE, 200),
    "api.action": ("GET", "/api/v1/actions/MAP-001", EVERYONE, 200),
    "api.dashboard": ("GET", "/api/v1/dashboard?plan=main", DASHBOARD, 200),
    "api.plan_csv": ("GET", "/api/v1/exports/plan.csv?plan=north&rag=red", EXPORTERS, 200),
    "api.plan_xlsx": ("GET", "/api/v1/exports/plan.xlsx?plan=north&rag=red", EXPORTERS, 200),
    "api.board_pack_pdf": (
        "GET",
        "/api/v1/exports/board-pack.pdf?plan=north&rag=red",
        EXPORTERS,
        200,
    ),
    "api.openapi": ("GET", "/api/openapi.json", EVERYONE, 200),
    "api.cycles": ("GET", "/api/v1/cycles", EVERYONE, 200),
    "api.current_cycle": ("GET", "/api/v1/cycles/current", EVERYONE, 200),
    "api.locality_return": ("GET", "/api/v1/localities/south/returns/2", EVERYONE, 200),
    "api.sef_grid": ("GET", "/api/v1/sefs", EVERYONE, 200),
    "api.locality_sef": ("GET", "/api/v1/localities/east/sefs/2016-02", EVERYONE, 200),
    "api.locality_returns": (
        "GET",
        "/api/v1/localities/north/returns",
        NORTH | RETURN_READERS,
        200,
    ),
    "api.submitted_return": (
        "GET",
        "/api/v1/localities/north/returns/2/as-submitted",
        NORTH | RETURN_READERS,
        200,
    ),
    "api.all_returns": ("GET", "/api/v1/returns", RETURN_READERS, 200),
    # An empty JSON body: the North head (N-01's lead) and admins get 422 and write nothing.
    "api.create_update:post": ("POST", "/api/v1/actions/N-01/updates", NORTH, 422),
    "auth.sign_in": ("GET", "/sign-in", "public", 200),
    "auth.forgot_password": ("GET", "/forgot-password", "public", 200),
    "auth.confirm_sign_in": ("GET", "/confirm-sign-in?next=/admin/users", EVERYONE, 200),
    "returns.index": ("GET", "/returns", EVERYONE, 200),
    "returns.show": ("GET", "/returns/south/2", EVERYONE, 200),
    "returns.show:post": ("POST", "/returns/north/1", NORTH, 400),
    # Past returns: a locality's list is its head's (and deputy's) and the board's; a head of
    # another locality is refused. The list across localities is the board's.
    "returns.history": ("GET", "/returns/north/history", NORTH | RETURN_READERS, 200),
    "returns.all_history": ("GET", "/returns/history", RETURN_READERS, 200),
    # Cycle 1's deadline has passed: North's head is sent back to the return with the reason.
    "returns.reopen:post": ("POST", "/returns/north/1/reopen", NORTH, 302),
    # North's cycle 1 was submitted: its head is told there is nothing to mark (a POST: 400).
    "returns.no_change": ("GET", "/returns/north/1/no-change", NORTH, 200),
    "returns.no_change:post": ("POST", "/returns/north/1/no-change", NORTH, 400),
    "updates.update": ("GET", "/actions/N-01/update", NORTH, 200),
    "updates.update:post": ("POST", "/actions/N-01/update", NORTH, 400),
    # Roles follow the work: the performance officer leads MAP-011 and updates it.
    "updates.update:lead": ("GET", "/actions/MAP-011/update", {"performance_officer"}, 200),
    "updates.update:lead-post": ("POST", "/actions/MAP-011/update", {"performance_officer"}, 400),
    "updates.add_dependency": ("POST", "/actions/N-02/dependencies", NORTH, 400),
    "updates.remove_dependency": ("POST", "/actions/N-02/dependencies/remove", NORTH, 400),
    "updates.sign_off_list": ("GET", "/sign-off", SIGNERS, 200),
    "updates.sign_off": ("GET", "/actions/{awaiting}/sign-off", SIGNERS, 200),
    "updates.sign_off:post": ("POST", "/actions/{awaiting}/sign-off", SIGNERS, 400),
    "plan_changes.add_action": ("GET", "/plans/north/actions/new", PLAN_EDITORS, 200),
    "plan_changes.add_action:post": ("POST", "/plans/north/actions/new", PLAN_EDITORS, 400),
    "plan_changes.edit_action": ("GET", "/actions/MAP-003/edit", PLAN_EDITORS, 200),
    "plan_changes.edit_action:post": ("POST", "/actions/MAP-003/edit", PLAN_EDITORS, 400),
    # Asking for a new target date follows the work: North's head for N-01, MAP-003's lead.
    "plan_changes.request_date": ("GET", "/actions/N-01/target-date", NORTH, 200),
    "plan_changes.request_date:post": ("POST", "/actions/N-01/target-date", NORTH, 400),
    "plan_changes.request_date:lead": ("GET", "/actions/MAP-003/target-date", {"action_lead"}, 200),
    "plan_changes.date_requests": ("GET", "/date-requests", SIGNERS, 200),
    "plan_changes.decide": ("GET", "/date-requests/{pending}", SIGNERS, 200),
    "plan_changes.decide:post": ("POST", "/date-requests/{pending}", SIGNERS, 400),
    "plan_changes.supersede": ("GET", "/actions/MAP-003/supersede", SIGNERS, 200),
    "plan_changes.supersede:post": ("POST", "/actions/MAP-003/supersede", SIGNERS, 400),
    "plan_changes.rebaselined": ("GET", "/actions/rebaselined", EVERYONE, 200),
    "api.action_date_requests": ("GET", "/api/v1/actions/MAP-169/date-requests", EVERYONE, 200),
    "sefs.index": ("GET", "/sefs", EVERYONE, 200),
    "sefs.edit": ("GET", "/sefs/south/2016-02", EVERYONE, 200),
    "sefs.edit:post": ("POST", "/sefs/north/2016-02", NORTH, 400),  # an empty draft is refused
    "sefs.compare": ("GET", "/sefs/south/2016-02/compare", EVERYONE, 200),
    "inspections.show": ("GET", "/inspection", EVERYONE, 200),
    # The day the plan went to Ofsted: an empty form is refused (400) and writes nothing.
    "inspections.plan_sent": ("GET", "/inspection/plan-sent", {"admin", "chair"}, 200),
    "inspections.plan_sent:post": ("POST", "/inspection/plan-sent", {"admin", "chair"}, 400),
    # Issue 20.3: the administrator records inspection events; an empty form writes nothing.
    "inspections.new_event": ("GET", "/inspections/new", {"admin"}, 200),
    "inspections.new_event:post": (
        "POST",
        "/inspections/new?framework=ILACS_STANDARD",
        {"admin"},
        400,
    ),
    "inspections.edit_event": ("GET", "/inspections/{inspection}/edit", {"admin"}, 200),
    "inspections.edit_event:post": ("POST", "/inspections/{inspection}/edit", {"admin"}, 400),
    "inspections.change_framework": ("GET", "/inspections/{inspection}/framework", {"admin"}, 200),
    "inspections.change_framework:post": (
        "POST",
        "/inspections/{inspection}/framework",
        {"admin"},
        400,
    ),
    "changes.index": ("GET", "/changes?since=2016-01-29", EVERYONE, 200),
    "changes.agenda": ("GET", "/agenda", EVERYONE, 200),
    "api.changes": ("GET", "/api/v1/changes?since=2016-01-29", EVERYONE, 200),
    "api.deadline": ("GET", "/api/v1/deadline?from=2015-11-27&working_days=70", EVERYONE, 200),
    "measures.scorecard": ("GET", "/measures?quarter=2015-Q3&kind=key", EVERYONE, 200),
    "measures.show": ("GET", "/measures/A3", EVERYONE, 200),
    "measures.quarterly_report": ("GET", "/measures/reports/quarterly/2015-Q3", EVERYONE, 200),
    "measures.enter_value": ("GET", "/measures/values/new", MEASURERS, 200),
    # An empty form: the admin and the performance officer get 400 and write nothing.
    "measures.enter_value:post": ("POST", "/measures/values/new", MEASURERS, 400),
    "measures.set_target": ("POST", "/measures/A3/targets", MEASURERS, 400),  # no month given
    "measures.upload_values": ("GET", "/measures/values/upload", MEASURERS, 200),
    "measures.upload_values:post": ("POST", "/measures/values/upload", MEASURERS, 400),
    "api.measures": ("GET", "/api/v1/measures?quarter=2015-Q3", EVERYONE, 200),
    "api.quarterly_report": ("GET", "/api/v1/reports/quarterly/2015-Q3.docx", EVERYONE, 200),
    # Everyone may have a calendar feed of their own dates. An empty form is a 400 that makes
    # no link; the feed itself is fetched with its secret link alone, and a wrong one is a 404.
    "calendar.show": ("GET", "/account/calendar", EVERYONE, 200),
    "calendar.make": ("POST", "/account/calendar", EVERYONE, 400),
    "calendar.turn_off": ("POST", "/account/calendar/turn-off", EVERYONE, 400),
    "calendar.feed": ("GET", "/calendar/" + "A" * 43 + ".ics", "public", 404),
    # Anyone who may export makes and revokes their own read-only API tokens.
    "tokens.mine": ("GET", "/account/api-tokens", EXPORTERS, 200),
    "tokens.create": ("POST", "/account/api-tokens", EXPORTERS, 400),
    "tokens.revoke": ("POST", "/account/api-tokens/999999/revoke", EXPORTERS, 400),
    # How each person is told, and following: everyone who may read an action (an empty form
    # is a 400, writing nothing).
    "notify.settings": ("GET", "/account/notifications", EVERYONE, 200),
    "notify.settings:post": ("POST", "/account/notifications", EVERYONE, 400),
    "notify.follow": ("POST", "/actions/MAP-001/follow", EVERYONE, 400),
    "notify.unfollow": ("POST", "/actions/MAP-001/unfollow", EVERYONE, 400),
    "meetings.index": ("GET", "/meetings", EVERYONE, 200),
    "meetings.new": ("GET", "/meetings/new", RECORDERS, 200),
    "meetings.new:post": ("POST", "/meetings/new", RECORDERS, 400),  # no form key: nothing made
    "meetings.show": ("GET", "/meetings/{meeting}", MEETING_SEERS, 200),
    # Anyone may hold a follow-up; a request that does not say done or not done is a 400.
    "meetings.follow_up": ("POST", "/meetings/{meeting}/follow-ups/999999", EVERYONE, 400),
    "meetings.pack": ("GET", "/meetings/{meeting}/pack", MEETING_SEERS, 200),
    "meetings.pack_pdf": ("GET", "/meetings/{meeting}/pack.pdf", MEETING_SEERS, 200),
    "meetings.pack_docx": ("GET", "/meetings/{meeting}/pack.docx", MEETING_SEERS, 200),
    # A pack's covering note: the chair or a JSIG member (viewer); a blank note writes nothing.
    "meetings.note": ("GET", "/meetings/{meeting}/note", NOTE_WRITERS, 200),
    "meetings.note:post": ("POST", "/meetings/{meeting}/note", NOTE_WRITERS, 400),
    "api.meetings": ("GET", "/api/v1/meetings", EVERYONE, 200),
    # Search: everyone who may read the plan; what each finds is filtered (test_search*.py).
    "search.results": ("GET", "/search?q=safeguarding", EVERYONE, 200),
    "api.search": ("GET", "/api/v1/search?q=safeguarding&kind=action", EVERYONE, 200),
    "api.meeting": ("GET", "/api/v1/meetings/{meeting}", MEETING_SEERS, 200),
    "api.meeting_pack": ("GET", "/api/v1/meetings/{meeting}/pack.pdf", MEETING_SEERS, 200),
    "challenges.index": ("GET", "/challenges?status=open&plan=north", EVERYONE, 200),
    "challenges.show": ("GET", "/challenges/999999", EVERYONE, 404),
    "challenges.respond": ("POST", "/challenges/999999/responses", EVERYONE, 404),
    "challenges.outcome": ("POST", "/challenges/999999/outcome", EVERYONE, 404),
    "challenges.raise_on_action": ("GET", "/actions/MAP-001/challenges/new", RAISERS, 200),
    # An empty question is refused (400) and writes nothing.
    "challenges.raise_on_action:post": ("POST", "/actions/MAP-001/challenges/new", RAISERS, 400),
    "challenges.raise_on_return": ("GET", "/returns/north/1/challenges/new", RAISERS, 200),
    "challenges.raise_on_return:post": ("POST", "/returns/north/1/challenges/new", RAISERS, 400),
    "api.challenges": ("GET", "/api/v1/challenges?status=open", EVERYONE, 200),
    # An empty JSON body names neither an action nor a return: 422, nothing written.
    "api.raise_challenge:post": ("POST", "/api/v1/challenges", RAISERS, 422),
    "api.challenge": ("GET", "/api/v1/challenges/999999", EVERYONE, 404),
    "api.respond_to_challenge": ("POST", "/api/v1/challenges/999999/responses", EVERYONE, 404),
    "api.challenge_outcome": ("POST", "/api/v1/challenges/999999/outcome", EVERYONE, 422),
    # Evidence: added by who may update the action (or write the SEF), chairs and the admin; an
    # empty form is a 400 that stores nothing. Unknown items are a 404 for everyone.
    "evidence.add_to_action": ("GET", "/actions/N-01/evidence/new", EVIDENCE_ADDERS, 200),
    "evidence.add_to_action:post": ("POST", "/actions/N-01/evidence/new", EVIDENCE_ADDERS, 400),
    "evidence.add_to_sef": ("GET", "/sefs/north/2016-02/evidence/new", EVIDENCE_ADDERS, 200),
    "evidence.add_to_sef:post": ("POST", "/sefs/north/2016-02/evidence/new", EVIDENCE_ADDERS, 400),
    "evidence.withdraw": ("GET", "/evidence/999999/withdraw", EVERYONE, 404),
    "evidence.download": ("GET", "/evidence/999999/file", EVERYONE, 404),
    "api.action_evidence": ("GET", "/api/v1/actions/MAP-001/evidence", EVERYONE, 200),
    "api.create_action_evidence:post": (
        "POST",
        "/api/v1/actions/N-01/evidence",
        EVIDENCE_ADDERS,
        422,
    ),
    "api.evidence_file": ("GET", "/api/v1/evidence/999999/file", EVERYONE, 404),
}
# Endpoints covered elsewhere: sign-out (POST, CSRF) in test_auth and static files.
NOT_IN_MATRIX = {
    "auth.sign_out",
    "static",
    "assets.govuk_assets",
    "assets.govuk_dist",
}
# A locality head opening /returns is taken to their own return for this fortnight.
REDIRECTS = {("returns.index", "locality_head")}


@pytest.fixture(scope="module")
def awaiting(seeded_app) -> str:
    from tracker.services.governance.signoff import list_awaiting_sign_off

    with seeded_app.app_context():
        from datetime import date

        waiting = list_awaiting_sign_off(date(2016, 2, 5))
        db.session.remove()
    assert waiting, "the seed story has actions awaiting sign-off"
    return waiting[0].ref


@pytest.fixture(scope="module")
def meeting(seeded_app) -> int:
    """The seed's Getting to Good meeting's id."""
    from tracker.models import Meeting

    with seeded_app.app_context():
        meeting_id = db.session.execute(
            select(Meeting.id).where(Meeting.idempotency_key == "seed-g2g-2016-01-28")
        ).scalar_one()
        db.session.remove()
    return meeting_id


@pytest.fixture(scope="module")
def pending(seeded_app) -> int:
    """The seed's pending target date request (S-21's)."""
    from tracker.models import TargetDateRequest

    with seeded_app.app_context():
        request_id = db.session.execute(
            select(TargetDateRequest.id).where(TargetDateRequest.status == "pending")
        ).scalar_one()
        db.session.remove()
    return request_id


@pytest.fixture(scope="module")
def inspection(seeded_app) -> int:
    """The seed's inspection's id."""
    from tracker.models import Inspection

    with seeded_app.app_context():
        inspection_id = db.session.execute(select(func.min(Inspection.id))).scalar_one()
        db.session.remove()
    return inspection_id


@pytest.fixture(scope="module")
def org(seeded_app) -> int:
    """The seed's first organisation's id (people belong to it)."""
    from tracker.models import Organisation

    with seeded_app.app_context():
        org_id = db.session.execute(select(func.min(Organisation.id))).scalar_one()
        db.session.remove()
    return org_id


@pytest.fixture(scope="module")
def area(seeded_app) -> int:
    """The seed's first area's id (it has open actions)."""
    from tracker.models import Locality

    with seeded_app.app_context():
        area_id = db.session.execute(select(func.min(Locality.id))).scalar_one()
        db.session.remove()
    return area_id


@pytest.fixture(scope="module")
def person(seeded_app) -> int:
    """The JSIG viewer's id: the person the admin pages are asked about."""
    from tracker.models import User

    with seeded_app.app_context():
        user_id = db.session.execute(
            select(User.id).where(User.email == "jsig.member@council.example")
        ).scalar_one()
        db.session.remove()
    return user_id


@dataclass(frozen=True)
class SignedIn:
    """A role's session cookie just after signing in (and being given a CSRF token)."""

    cookie: str
    csrf_token: str
    at: float


# A saved session is used for a few minutes only: well inside the idle limit (30 minutes) and the
# recent sign-in the admin pages ask for (15), however slow the machine.
FRESH_FOR_SECONDS = 5 * 60


@pytest.fixture(scope="module")
def _sessions() -> dict[str, SignedIn]:
    return {}


@pytest.fixture
def signed_in(seeded_app: Flask, _sessions: dict[str, SignedIn]):
    """Factory: a new client holding `role`'s session cookie, and its CSRF token. Each role signs
    in through the real form once for the module (not once per case: that was half the module's
    time); every case starts from a copy of that cookie, so what one case does to its session (a
    flash, say) never reaches the next."""
    name = seeded_app.config["SESSION_COOKIE_NAME"]

    def make(role: str) -> tuple[FlaskClient, str]:
        saved = _sessions.get(role)
        if saved is None or time.monotonic() - saved.at > FRESH_FOR_SECONDS:
            first = seeded_app.test_client()
            sign_in(first, ROLE_ACCOUNTS[role])
            token = csrf_token(first, "/accessibility")  # puts the CSRF secret in the session
            saved = SignedIn(first.get_cookie(name).value, token, time.monotonic())
            _sessions[role] = saved
        client = seeded_app.test_client()
        client.set_cookie(name, saved.cookie)
        return client, saved.csrf_token

    return make


def _request(client, token, method, url):
    if method == "GET":
        return client.get(url)
    if url.startswith("/api/"):  # the API takes JSON; a session sends its CSRF token in a header
        return client.post(url, json={}, headers={"X-CSRFToken": token})
    return client.post(url, data={"csrf_token": token})


def test_the_matrix_covers_every_route(seeded_app):
    endpoints = {rule.endpoint for rule in seeded_app.url_map.iter_rules()}
    covered = {name.split(":")[0] for name in ROUTES}
    assert endpoints - NOT_IN_MATRIX == covered, "add new routes to the permission matrix"


def test_every_view_declares_a_permission_or_is_public(seeded_app):
    undeclared = []
    for endpoint, view in seeded_app.view_functions.items():
        if endpoint in {"static", "auth.sign_out"}:
            continue  # Flask's own static files; sign-out needs only a session (login_required)
        if not (getattr(view, "required_permission", None) or getattr(view, PUBLIC, False)):
            undeclared.append(endpoint)
    assert undeclared == []


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", sorted(ROUTES))
def test_role_is_allowed_or_refused(
    signed_in, awaiting, person, meeting, pending, inspection, org, area, role, endpoint
):
    method, url, allowed, ok = ROUTES[endpoint]
    url = url.format(
        awaiting=awaiting,
        person=person,
        meeting=meeting,
        pending=pending,
        inspection=inspection,
        org=org,
        area=area,
    )
    response = _request(*signed_in(role), method, url)
    response.close()  # a streamed body (the CSV export) is not read: close it, as a server does
    if allowed == "public":
        # Signed-in people are sent from the sign-in page to their home page.
        assert response.status_code in (ok, 302)
    elif (endpoint, role) in REDIRECTS:
        assert response.status_code == 302
    elif role in allowed:
        assert response.status_code == ok, f"{role} should get {ok} from {method} {url}"
    else:
        assert response.status_code == 403, f"{role} should be refused {method} {url}"


@pytest.mark.parametrize("endpoint", sorted(ROUTES))
def test_anonymous_visitors_sign_in_first(
    seeded_client, awaiting, person, meeting, pending, inspection, org, area, endpoint
):
    method, url, allowed, ok = ROUTES[endpoint]
    url = url.format(
        awaiting=awaiting,
        person=person,
        meeting=meeting,
        pending=pending,
        inspection=inspection,
        org=org,
        area=area,
    )
    response = seeded_client.open(url, method=method)
    response.close()
    if url.startswith("/api/"):
        assert response.status_code == 401  # a write too: nobody to act for, nothing to forge
    elif method == "POST":
        assert response.status_code in (302, 400)  # no session: no CSRF token, or sign in first
    elif allowed == "public":
        assert response.status_code == ok
    else:
        assert response.status_code == 302 and "/sign-in" in response.headers["Location"]


def test_a_locality_head_asking_for_admin_pages_gets_403_and_an_audit_event(
    role_client, seeded_app
):
    client = role_client("locality_head")
    with seeded_app.app_context():
        before = db.session.execute(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.kind == "permission_refused", AuditEvent.target == "/admin/users")
        ).scalar_one()
        db.session.remove()
    response = client.get("/admin/users")
    assert response.status_code == 403
    assert "You do not have permission" in response.get_data(as_text=True)
    with seeded_app.app_context():
        event = (
            db.session.execute(
                select(AuditEvent)
                .where(AuditEvent.kind == "permission_refused", AuditEvent.target == "/admin/users")
                .order_by(AuditEvent.id.desc())
            )
            .scalars()
            .first()
        )
        after = db.session.execute(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.kind == "permission_refused", AuditEvent.target == "/admin/users")
        ).scalar_one()
        assert after == before + 1
        assert event.detail["permission"] == "admin" and event.user_id is not None
        db.session.remove()
