"""Issue 12.6: property-based tests (hypothesis) for every form that writes. Each example starts
from a valid submission and replaces some of its fields with anything: any Unicode (NUL
included), huge text, empty values, numbers beyond any integer column, words where numbers
belong, a field left out, or a file where text belongs. Whatever is sent:

- the answer is never a server error, and
- a refusal (any 4xx) changes no row (audit events aside: refusals are recorded).

Examples are bounded and derandomized, so the run is quick and the same every time, on SQLite
and on PostgreSQL (`test_every_form_in_the_app_is_covered` keeps the table complete).
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import pytest
from flask import current_app
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import event, func, select

from tests.builders import (
    NOW,
    add_evidence,
    make_action,
    make_cycles,
    make_date_request,
    make_measure,
    make_meeting,
    make_outbox_message,
    make_user,
)
from tests.conftest import csrf_token, sign_in
from tracker.extensions import db
from tracker.models import (
    Action,
    ImportedInvitation,
    Inspection,
    Locality,
    OutboxMessage,
    Recommendation,
    SefVersion,
)
from tracker.services.access import invitations, people
from tracker.services.exchange import imports, mapped_imports

PASSWORD = "a-long-test-password"
EXAMPLES = 30
PROPERTY = settings(
    max_examples=EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,  # one small world per form, shared by its examples
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
# Tables whose rows a refused request may add: the audit log records refusals.
MAY_GROW_ON_REFUSAL = {"audit_event"}

# Values people and scripts send by mistake or on purpose, beside any generated text.
AWKWARD = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "0",
    "-1",
    "1.5",
    "1e9",
    "2147483647",
    "2147483648",
    "99999999999999999999",
    "-99999999999999999999",
    "true",
    "null",
    "[]",
    "{}",
    "N-01",
    "in_progress",
    "closed_evidenced",
    "green",
    "\N{RIGHT-TO-LEFT OVERRIDE}evil",
    "\N{PILE OF POO}" * 3,
    "é" * 1001,
    "x" * 5000,
    "Ward 7 looked after child J.S. born 01/02/2009",
    "<script>alert(1)</script>",
    "'; DROP TABLE action; --",
]
TEXT = st.text(max_size=80)  # any Unicode a form can carry (NUL included, surrogates cannot be)
HUGE = st.integers(min_value=1, max_value=4).map(lambda n: "\N{PILE OF POO}" * (5000 * n))
FILE = st.just("<file>")  # sent as an uploaded file in this field's place
MISSING = st.just("<missing>")  # the field left out
ODD = st.one_of(st.sampled_from(AWKWARD), TEXT, HUGE, st.integers().map(str), FILE, MISSING)


@dataclass
class Form:
    """One form that writes: who sends it, where, and a valid submission to start from."""

    who: str | None  # an email, or None for a visitor
    url: str
    valid: dict[str, str]
    fields: list[str] = field(default_factory=list)  # which fields to vary (default: all)

    @property
    def varied(self) -> list[str]:
        return self.fields or list(self.valid)


def _world() -> dict:
    """North's head with one North action, a main-plan action awaiting sign-off that the head
    leads, a chair, an administrator, a person to edit and an invitation to accept."""
    make_cycles(upto=4)
    head = make_user(role="locality_head", locality="north", email="north.head@trust.example")
    chair = make_user(role="chair", email="chair@trust.example")
    admin = make_user(role="admin", email="admin@trust.example")
    person = make_user(role="action_lead", email="lead@trust.example")
    make_user(role="performance_officer", email="perf@trust.example")
    make_measure(code="P1")
    north = make_action(ref="N-01", plan="north", lead=head)
    make_action(
        ref="M-01", lead=head, lifecycle="complete_awaiting_signoff", rag="green", impact="emerging"
    )
    date_request = make_date_request(north, by=head)
    evidence = add_evidence(north, by=head)
    message = make_outbox_message(to=head, items=1)
    invited = invitations.invite_person(
        people.PersonDetails(
            name="Invited Person",
            email="invited@trust.example",
            job_title="Team Manager",
            organisation_id=person.organisation_id,
            role="viewer",
            locality_id=None,
            line_manager_id=None,
            deputy_locality_id=None,
        ),
        actor_id=admin.id,
        now=NOW,
        lifetime=timedelta(days=3650),
        base_url="http://localhost",
    )
    db.session.commit()
    from tests.builders import actor_for
    from tracker.services.governance import challenges

    challenge = challenges.raise_challenge(
        actor_for(chair), question="Why amber?", now=NOW, action_ref="N-01"
    )
    answered = challenges.raise_challenge(
        actor_for(chair), question="Why late?", now=NOW, action_ref="N-01"
    )
    challenges.add_step(answered, "response", text="Recruitment.", actor=actor_for(head), now=NOW)
    meeting = make_meeting(chair=chair, kind="jsig")
    # A people sheet held for its mapping form, and an invitation a people sheet made that
    # waits to be sent.
    people_sheet = (
        b"Full name,E-mail,Agency,Access,Team\r\n"
        b"Sam Sheet,sam.sheet@trust.example,trust,Action lead,\r\n"
    )
    people_digest = imports.digest_of(people_sheet)
    imports.keep(
        Path(current_app.instance_path) / "imports", people_digest, "people.csv", people_sheet
    )
    waiting_sheet = (
        b"Name,Email,Organisation,Role\r\nWai Ting,wai.ting@trust.example,trust,Viewer\r\n"
    )
    mapped_imports.run_people_import(
        "waiting.csv",
        waiting_sheet,
        sheet="CSV",
        chosen={"name": "Name", "email": "Email", "organisation": "Organisation", "role": "Role"},
        dry_run=False,
        actor=None,
        now=NOW,
    )
    waiting = db.session.execute(select(ImportedInvitation.id)).scalar_one()
    body = db.session.execute(
        select(OutboxMessage.body_text).where(OutboxMessage.to_address == invited.email)
    ).scalar_one()
    token = re.search(r"/invitations/([\w-]+)", body).group(1)
    ids = {
        "head": head.id,
        "chair": chair.id,
        "admin": admin.id,
        "person": person.id,
        "org": person.organisation_id,
        "message": message.id,
        "date_request": date_request.id,
        "evidence": evidence.id,
        "recommendation": db.session.execute(
            select(Recommendation.ref).where(Recommendation.id == north.recommendation_id)
        ).scalar_one(),
        "token": token,
        "inspection": db.session.execute(select(Inspection.id)).scalars().first(),
        "findings": [
            (rec.id, rec.ref)
            for rec in db.session.execute(select(Recommendation).order_by(Recommendation.id))
            .scalars()
            .all()
        ],
        "challenge": challenge,
        "answered": answered,
        "meeting": meeting,
        "people_sheet": people_digest,
        "waiting": waiting,
        "area": db.session.execute(
            select(Locality.id).where(Locality.code == "north")
        ).scalar_one(),
    }
    db.session.remove()
    return ids


def _person_fields(ids: dict, email: str) -> dict[str, str]:
    return {
        "name": "Sam Newcombe",
        "email": email,
        "job_title": "Team Manager",
        "organisation_id": str(ids["org"]),
        "role": "action_lead",
        "locality_id": "",
        "line_manager_id": "",
        "deputy_locality_id": "",
    }


def forms(ids: dict) -> dict[str, Form]:
    """Every form that writes, keyed by its endpoint (`:post` where GET shares the route)."""
    head, chair, admin = "north.head@trust.example", "chair@trust.example", "admin@trust.example"
    update = {
        "version": "version@N-01",
        "summary": "Daily exception list checked by every team manager.",
        "rag": "green",
        "lifecycle": "in_progress",
        "impact": "not_yet_evidenced",
        "reason": "",
        "evidence": "",
        "confirm_unchanged": "",
        "override_prerequisites": "",
    }
    entry = {f"entries-0-{k}": v for k, v in update.items() if k != "override_prerequisites"}
    evidence = {
        "title": "January case file audit",
        "evidence_type": "audit",
        "evidence_date": "27/1/2016",
        "url": "https://intranet.example/audit.pdf",
        "file": "<missing>",
    }
    person = ids["person"]
    return {
        "auth.sign_in:post": Form(None, "/sign-in", {"email": head, "password": "wrong-one"}),
        "auth.forgot_password:post": Form(
            None, "/forgot-password", {"email": "nobody.here@trust.example"}
        ),
        "auth.invitation:post": Form(
            None,
            f"/invitations/{ids['token']}",
            {"password": "x" * 7, "confirm": "y" * 7},  # too short and unequal: refused
        ),
        "updates.update:post": Form(head, "/actions/N-01/update", update),
        "updates.add_dependency": Form(
            head, "/actions/N-01/dependencies", {"prerequisite": "M-01"}
        ),
        "updates.remove_dependency": Form(
            head, "/actions/N-01/dependencies/remove", {"prerequisite": "M-01"}
        ),
        "updates.sign_off:post": Form(
            chair,
            "/actions/M-01/sign-off",
            {
                "version": "version@M-01",
                "decision": "return",
                "reason": "More evidence, please.",
                "override_prerequisites": "",
            },
        ),
        "returns.show:post": Form(
            head, "/returns/north/3", {"entries-0-ref": "N-01", **entry, "submit": "y"}
        ),
        "returns.reopen": Form(head, "/returns/north/3/reopen", {"confirm": "yes"}),
        "returns.no_change:post": Form(head, "/returns/north/3/no-change", {"action": "N-01:1"}),
        "sefs.edit:post": Form(
            head,
            "/sefs/north/2016-02",
            {
                "base_version": "sef",
                "what_we_know": "Drift in two teams.",
                "how_we_know": "Monthly audit of 40 files.",
                "what_we_are_doing": "Practice weeks in both teams.",
                "management_oversight": "Case direction on 78% of files.",
                "practice_quality": "Plans still too generic.",
                "evidence": "January case file audit.",
                "self_grade": "requires_improvement",
                "save": "y",
            },
        ),
        "admin.invite:post": Form(
            admin, "/admin/users/invite", _person_fields(ids, "new.person@trust.example")
        ),
        "admin.person:post": Form(
            admin, f"/admin/users/{person}", _person_fields(ids, "lead@trust.example")
        ),
        "admin.leave:post": Form(
            admin, f"/admin/users/{person}/leave", {"confirm": "", "left_on": ["5", "2", "2016"]}
        ),
        "admin.reassign": Form(
            admin, f"/admin/users/{person}/reassign", {"to_user_id": str(ids["head"])}
        ),
        "admin.reinvite": Form(admin, f"/admin/users/{person}/reinvite", {"confirm": "yes"}),
        "admin.create_token": Form(
            admin,
            f"/admin/users/{person}/tokens",
            {"label": "Excel", "expires_on": ["5", "5", "2016"]},
        ),
        "admin.revoke_tokens": Form(
            admin, f"/admin/users/{person}/tokens/revoke", {"confirm": "yes"}
        ),
        "admin.resend": Form(admin, f"/admin/outbox/{ids['message']}/resend", {"confirm": "yes"}),
        "admin.words:post": Form(
            admin,
            "/admin/setup/words",
            {
                "board": "Improvement Board",
                "board_short": "Improvement Board",
                "group": "Strategic Inspection Group",
                "group_short": "SIG",
                "scrutiny": "scrutiny committee",
            },
        ),
        # Set-up (issue 20.2): the people's organisation and North (which has open actions).
        "admin.add_organisation:post": Form(
            admin, "/admin/organisations/new", {"name": "Cafcass", "kind": "other"}
        ),
        "admin.organisation:post": Form(
            admin, f"/admin/organisations/{ids['org']}", {"name": "The Trust", "kind": "trust"}
        ),
        "admin.remove_organisation": Form(
            admin, f"/admin/organisations/{ids['org']}/remove", {"confirm": "yes"}
        ),
        "admin.add_area:post": Form(admin, "/admin/areas/new", {"name": "Coastal"}),
        "admin.area:post": Form(
            admin, f"/admin/areas/{ids.get('area', 1)}", {"name": "North and Coast"}
        ),
        "admin.retire_area": Form(
            admin, f"/admin/areas/{ids.get('area', 1)}/retire", {"confirm": "yes"}
        ),
        "admin.unretire_area": Form(
            admin, f"/admin/areas/{ids.get('area', 1)}/unretire", {"confirm": "yes"}
        ),
        "admin.remove_area": Form(
            admin, f"/admin/areas/{ids.get('area', 1)}/remove", {"confirm": "yes"}
        ),
        "admin.setup_rhythm:post": Form(
            admin,
            "/admin/setup/rhythm",
            {
                "every": "month",
                "starts_on": ["1", "3", "2016"],
                "due_weekday": "3",
                "due_time": "16:00",
            },
        ),
        "admin.setup_self_evaluation:post": Form(
            admin,
            "/admin/setup/self-evaluation",
            {
                "enabled": "y",
                "first_month": "2016-02",
                "due_working_day": "5",
                "sections": "practice_quality",
            },
        ),
        "admin.setup_chasing:post": Form(
            admin,
            "/admin/setup/chasing",
            {
                "remind_days_before": "2",
                "escalate_manager_after": "2",
                "escalate_chair_after": "4",
                "target_notice_days": "10",
                "chair_email": "chair@trust.example",
            },
        ),
        "admin.setup_meetings:post": Form(
            admin,
            "/admin/setup/meetings",
            {
                f"{kind}_{name}": value
                for kind in ("getting_to_good", "jsig", "cib")
                for name, value in (("nth", "3"), ("weekday", "3"), ("start", "10:00"))
            }
            | {f"{kind}_minutes": "120" for kind in ("getting_to_good", "jsig", "cib")},
        ),
        "auth.confirm_sign_in:post": Form(head, "/confirm-sign-in", {"password": "not-it"}),
        "plan_changes.add_action:post": Form(
            chair,
            "/plans/main/actions/new",
            {
                "recommendation": ids["recommendation"],
                "title": "Weekly audit of strategy discussions",
                "description": "Team managers audit five strategy discussions a week.",
                "lead": str(ids["head"]),
                "lead_organisation": "trust",
                "partners": "",
                "success_measure": "Audit shows timely strategy discussions.",
                "start_date": "8/2/2016",
                "target_date": "29/4/2016",
                "reason": "Agreed at the Getting to Good meeting.",
            },
        ),
        "plan_changes.edit_action:post": Form(
            chair,
            "/actions/N-01/edit",
            {
                "plan_version": "1",
                "title": "Daily exception list",
                "description": "Checked every morning.",
                "lead": str(ids["head"]),
                "lead_organisation": "trust",
                "success_measure": "No referral waits more than a day.",
                "reason": "Clearer wording.",
            },
        ),
        "plan_changes.request_date:post": Form(
            head,
            "/actions/N-01/target-date",
            {"new_date": "27/5/2016", "reason": "Recruitment to two posts is delayed."},
        ),
        "plan_changes.decide:post": Form(
            chair,
            f"/date-requests/{ids['date_request']}",
            {"decision": "refuse", "note": "Keep the date: agency staff cover the gap."},
        ),
        "plan_changes.supersede:post": Form(
            chair,
            "/actions/N-01/supersede",
            {"version": "version@N-01", "superseded_by": "M-01", "reason": "Merged into M-01."},
        ),
        "inspections.plan_sent:post": Form(
            chair, "/inspection/plan-sent", {"submitted_on": "1/2/2016"}
        ),
        # Issue 20.3: a focused visit with an area for priority action answered by N-01 (each
        # valid example after the first is refused: its ref is taken), and the SIF event's
        # judgements and findings changed.
        "inspections.new_event:post": Form(
            admin,
            "/inspections/new?framework=FOCUSED_VISIT",
            {
                "title": "Focused visit: the front door",
                "local_authority": "Exampleshire",
                "started_on": "12/1/2016",
                "ended_on": "13/1/2016",
                "report_received": "",
                "report_published": "5/2/2016",
                "findings-0-finding_id": "",
                "findings-0-kind": "area_for_priority_action",
                "findings-0-ref": "APA1",
                "findings-0-title": "Strategy discussions",
                "findings-0-text": "Strategy discussions are not timely.",
                "findings-0-judgement_area": "Front door",
                "findings-0-lead_body": "council",
                "findings-0-actions": "N-01",
            },
        ),
        "inspections.edit_event:post": Form(
            admin,
            f"/inspections/{ids.get('inspection', 1)}/edit",
            {
                "title": "Single inspection",
                "local_authority": "Exampleshire",
                "started_on": "",
                "ended_on": "",
                "report_received": "",
                "report_published": "27/11/2015",
                "judgement_0": "Inadequate",
                **{
                    f"findings-{n}-{name}": value
                    for n, (finding_id, ref) in enumerate(ids.get("findings", []))
                    for name, value in {
                        "finding_id": str(finding_id),
                        "kind": "recommendation",
                        "ref": ref,
                        "title": f"Recommendation {ref}",
                        "text": "Illustrative text.",
                        "judgement_area": "",
                        "lead_body": "trust",
                        "actions": "M-01" if n == 0 else "",
                    }.items()
                },
            },
        ),
        # The SIF event becomes an ILACS standard inspection (same area, grade and kinds).
        "inspections.change_framework:post": Form(
            admin,
            f"/inspections/{ids.get('inspection', 1)}/framework",
            {"framework": "ILACS_STANDARD"},
        ),
        "measures.enter_value:post": Form(
            "perf@trust.example",
            "/measures/values/new",
            {
                "measure": "P1",
                "period": "2016-01",
                "value": "50",
                "numerator": "",
                "denominator": "",
                "narrative": "Illustrative narrative.",
            },
        ),
        "measures.set_target": Form(
            "perf@trust.example",
            "/measures/P1/targets",
            {"effective_from": "2016-01", "target": "90", "tolerance": "80", "reason": "Review."},
        ),
        "measures.upload_values:post": Form(
            "perf@trust.example", "/measures/values/upload", {"file": "<file>", "check": "y"}
        ),
        "calendar.make": Form(head, "/account/calendar", {"confirm": "yes"}),
        "tokens.create": Form(
            chair, "/account/api-tokens", {"label": "Board sheet", "expires_on": ["5", "5", "2016"]}
        ),
        # No token 999999 of theirs: refused, whatever is sent.
        "tokens.revoke": Form(chair, "/account/api-tokens/999999/revoke", {"confirm": "yes"}),
        # A file that is not a plan file is refused; an unknown digest has nothing to apply.
        "admin.import_check": Form(admin, "/admin/import", {"file": "<file>"}),
        "admin.import_apply": Form(admin, "/admin/import/apply", {"digest": "0" * 64}),
        # A spreadsheet in its own shape: a file that is not one is refused; the held people
        # sheet, mapped, adds its one person once (then the address is taken: refused).
        "admin.mapped_import_upload": Form(
            admin, "/admin/import/mapped", {"kind": "people", "file": "<file>"}
        ),
        "admin.mapped_import_check": Form(
            admin,
            f"/admin/import/mapped/people/{ids.get('people_sheet', '0' * 64)}",
            {
                "sheet": "CSV",
                "action": "apply",
                "map_name": "Full name",
                "map_email": "E-mail",
                "map_organisation": "Agency",
                "map_role": "Access",
                "map_area": "",
            },
        ),
        "admin.send_imported_invitations": Form(
            admin, "/admin/import/invitations", {"chosen": str(ids.get("waiting", 1))}
        ),
        "meetings.new:post": Form(
            chair,
            "/meetings/new",
            {
                "key": "a-form-key-for-the-property-test",
                "kind": "getting_to_good",
                "held_on": "5/2/2016",
                "chair": str(ids.get("chair", 1)),
                "other_attendees": "",
                "notes": "Illustrative notes.",
                "decisions": "",
                "follow_ups-0-text": "",
                "follow_ups-0-assignee": "",
                "follow_ups-0-due_on": "",
            },
        ),
        # A JSIG board pack's covering note: each valid one is a new version.
        "meetings.note:post": Form(
            chair, f"/meetings/{ids.get('meeting', 1)}/note", {"note": "The plan is on track."}
        ),
        # No meeting 999999 and no follow-up: refused, whatever is sent.
        "meetings.follow_up": Form(chair, "/meetings/999999/follow-ups/999999", {"done": "1"}),
        "calendar.turn_off": Form(head, "/account/calendar/turn-off", {"confirm": "yes"}),
        "notify.settings:post": Form(
            head, "/account/notifications", {"preference": "immediate", "reminder": "5"}
        ),
        "notify.follow": Form(head, "/actions/N-01/follow", {"confirm": "yes"}),
        "notify.unfollow": Form(head, "/actions/N-01/unfollow", {"confirm": "yes"}),
        "challenges.raise_on_action:post": Form(
            chair, "/actions/N-01/challenges/new", {"question": "Why amber for three cycles?"}
        ),
        "challenges.raise_on_return:post": Form(
            chair, "/returns/north/3/challenges/new", {"question": "Why is this late?"}
        ),
        "challenges.respond": Form(
            head,
            f"/challenges/{ids.get('challenge', 1)}/responses",
            {"response": "Two posts are vacant."},
        ),
        "challenges.outcome": Form(
            chair,
            f"/challenges/{ids.get('answered', 1)}/outcome",
            {"note": "When will they be filled?", "escalate": "y", "accept": "<missing>"},
        ),
        "evidence.add_to_action:post": Form(head, "/actions/N-01/evidence/new", evidence),
        "evidence.add_to_sef:post": Form(head, "/sefs/north/2016-02/evidence/new", evidence),
        "evidence.withdraw:post": Form(
            head, f"/evidence/{ids['evidence']}/withdraw", {"reason": "The wrong audit."}
        ),
    }


ENDPOINTS = sorted(
    forms(
        {
            "person": 1,
            "org": 1,
            "head": 1,
            "message": 1,
            "date_request": 1,
            "evidence": 1,
            "recommendation": "R1",
            "token": "t",
        }
    )
)


def current_versions() -> dict[str, str]:
    """The versions the forms were last drawn at, read now: a valid submission stays valid after
    an earlier example was saved, so each example reaches the rules and the database."""
    versions = dict(db.session.execute(select(Action.ref, Action.version)).all())
    sef = db.session.execute(select(func.max(SefVersion.version))).scalar() or 0
    db.session.remove()
    return {
        "version@N-01": str(versions.get("N-01", 1)),
        "version@M-01": str(versions.get("M-01", 1)),
        "sef": str(sef),
    }


def fingerprint() -> dict[str, list[str]]:
    """Every row of every table (audit events aside), as text: equal means nothing was written."""
    rows = {}
    for table in db.metadata.sorted_tables:
        if table.name not in MAY_GROW_ON_REFUSAL:
            rows[table.name] = sorted(repr(tuple(r)) for r in db.session.execute(table.select()))
    db.session.remove()
    return rows


class Writes:
    """Notes each statement the engine runs that may write a row outside MAY_GROW_ON_REFUSAL
    (anything but a read or a transaction's own bookkeeping). While none has run, the database
    is as it was, so its fingerprint need not be taken again."""

    READS = ("SELECT", "BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE", "PRAGMA", "SHOW")

    def __init__(self) -> None:
        self.seen = False
        self.engine = db.engine

    def _note(self, conn, cursor, statement, parameters, context, executemany) -> None:
        words = statement.lstrip().upper()
        if words.startswith(self.READS):
            return
        table = words.split()[2].strip('"').lower() if words.startswith("INSERT INTO") else None
        if table in MAY_GROW_ON_REFUSAL:
            return
        self.seen = True

    def __enter__(self) -> Writes:
        event.listen(self.engine, "before_cursor_execute", self._note)
        return self

    def __exit__(self, *exc) -> None:
        event.remove(self.engine, "before_cursor_execute", self._note)


def _encode(data: dict[str, str]) -> tuple[dict, bool]:
    """The form data as the test client sends it: `<file>` becomes an upload, `<missing>` is
    left out. Says whether the request must be multipart."""
    sent: dict = {}
    multipart = False
    for name, value in data.items():
        if value == "<missing>":
            continue
        if value == "<file>":
            sent[name] = (io.BytesIO(b"not text"), "upload.txt")
            multipart = True
        else:
            sent[name] = value
    return sent, multipart


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_no_form_answers_anything_with_a_server_error_or_writes_part_of_a_refusal(
    clean_db, client, endpoint
):
    ids = _world()
    form = forms(ids)[endpoint]
    if form.who:
        sign_in(client, form.who, PASSWORD)
    token = csrf_token(client, "/sign-in" if form.who is None else "/accessibility")

    # The database's rows as they stand, kept from one example to the next: only a statement
    # that may write makes it read again (every table, audit events aside).
    state = {"rows": fingerprint()}

    @PROPERTY
    @given(changes=st.dictionaries(st.sampled_from(form.varied), ODD, min_size=1, max_size=3))
    def property_(changes: dict[str, str]) -> None:
        fresh = {
            name: current_versions()[value]
            for name, value in form.valid.items()
            if value in ("version@N-01", "version@M-01", "sef")  # a list value is not hashable
        }
        data, multipart = _encode({"csrf_token": token, **form.valid, **fresh, **changes})
        before = state["rows"]
        with Writes() as writes:
            response = client.post(
                form.url,
                data=data,
                content_type="multipart/form-data" if multipart else None,
            )
            response.close()
        assert response.status_code < 500, (endpoint, changes)
        if writes.seen:
            state["rows"] = fingerprint()
        if response.status_code >= 400:
            assert state["rows"] == before, f"{endpoint} refused {changes} but wrote"

    property_()


def test_every_form_in_the_app_is_covered(app):
    """Each route that takes a POST is in the table above (sign-out writes nothing)."""
    posting = set()
    for rule in app.url_map.iter_rules():
        if "POST" in rule.methods and not rule.rule.startswith("/api/"):
            shared = "GET" in rule.methods
            posting.add(f"{rule.endpoint}:post" if shared else rule.endpoint)
    assert posting - {"auth.sign_out"} == set(ENDPOINTS)
