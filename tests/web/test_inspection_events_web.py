"""Issue 20.3 through the test client: the administrator adds and changes inspection events of
any kind; bad input gets an error summary and writes nothing; the overview shows each event with
its deadline and the actions answering each finding."""

from __future__ import annotations

import re
from html import unescape

import pytest
from sqlalchemy import func, select, update

from tests.builders import make_action, make_recommendation, make_user
from tests.conftest import csrf_token, sign_in
from tracker.extensions import db
from tracker.models import AuditEvent, Inspection, Recommendation, action_finding

PASSWORD = "a-long-test-password"
VISIT = "/inspections/new?framework=FOCUSED_VISIT"


def _visit_form(**changes) -> dict[str, str]:
    return {
        "title": "Focused visit: the front door",
        "local_authority": "Exampleshire",
        "started_on": "12/1/2016",
        "ended_on": "13 January 2016",
        "report_received": "",
        "report_published": "1/2/2016",
        "findings-0-finding_id": "",
        "findings-0-kind": "area_for_priority_action",
        "findings-0-ref": "APA1",
        "findings-0-title": "Strategy discussions",
        "findings-0-text": "Strategy discussions are not held in time.",
        "findings-0-judgement_area": "Front door",
        "findings-0-lead_body": "council",
        "findings-0-actions": "N-01",
        "findings-1-finding_id": "",
        "findings-1-kind": "area_for_improvement",
        "findings-1-ref": "",
        "findings-1-title": "",
        "findings-1-text": "",
        "findings-1-judgement_area": "",
        "findings-1-lead_body": "joint",
        "findings-1-actions": "",
    } | changes


def _counts() -> tuple[int, int, int]:
    counts = tuple(
        db.session.execute(select(func.count()).select_from(t)).scalar_one()
        for t in (Inspection, Recommendation, action_finding)
    )
    db.session.remove()
    return counts


def _text(response) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))).split())


@pytest.fixture
def admin(client):
    # The first inspection (a SIF) with R1 and R2, answered by N-01 and M-01.
    make_action(ref="N-01", plan="north", recommendation=make_recommendation(ref="R1"))
    make_action(ref="M-01", rag="red", recommendation=make_recommendation(ref="R2"))
    user = make_user(role="admin", email="admin@trust.example")
    db.session.commit()
    sign_in(client, user.email, PASSWORD)
    return client


def test_the_administrator_chooses_the_kind_then_records_a_focused_visit(admin):
    choose = admin.get("/inspections/new")
    assert choose.status_code == 200
    assert "What kind of inspection or visit was it?" in _text(choose)
    assert "ILACS focused visit" in _text(choose)
    form = admin.get(VISIT)
    assert form.status_code == 200
    assert "This kind of inspection or visit makes no judgements" in _text(form)
    response = admin.post(VISIT, data={"csrf_token": csrf_token(admin, VISIT), **_visit_form()})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/overview#inspections")
    assert _counts() == (2, 3, 1)
    event = db.session.execute(select(AuditEvent).where(AuditEvent.kind == "inspection_added"))
    assert event.scalar_one().detail["findings_added"] == ["APA1"]
    db.session.remove()

    overview = _text(admin.get("/overview"))
    assert "Inspections and visits" in overview
    # 70 working days from 1 February 2016, Easter and the May bank holiday skipped.
    assert "Focused visit: the front door" in overview and "12 May 2016" in overview
    assert "APA1: Strategy discussions (area for priority action)" in overview
    assert "Findings" in overview
    # Each event's counts open the list they count: the actions answering its findings.
    first, visit = db.session.execute(select(Inspection.id).order_by(Inspection.id)).scalars()
    db.session.remove()
    html = admin.get("/overview").get_data(as_text=True)
    assert re.search(rf'href="/actions\?event={visit}">1<', html)  # N-01, by its link
    assert re.search(rf'href="/actions\?event={first}">2<', html)  # N-01 and M-01, their own
    assert re.search(rf'href="/actions\?rag=red&amp;event={first}">1<', html)  # M-01
    assert f'href="#findings-{visit}"' in html
    listed = _text(admin.get(f"/actions?event={visit}"))
    assert "N-01" in listed and "M-01" not in listed
    assert "answering a finding of Focused visit: the front door" in listed
    assert 'id="f-event"' in admin.get("/actions").get_data(as_text=True)
    assert admin.get("/actions?event=nope").status_code == 400


def test_an_inspection_gets_grades_only_in_its_own_areas(admin):
    page = admin.get("/inspections/new?framework=ILACS_STANDARD")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'name="judgement_0"' in html and "Requires improvement to be good" in html
    assert 'name="judgement_0"' not in admin.get(VISIT).get_data(as_text=True)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"report_published": "31/2/2016"}, "Enter"),
        ({"ended_on": "11/1/2016"}, "The last day on site must be on or after the first"),
        ({"findings-0-ref": "R1"}, "Another finding already has the ref R1"),
        ({"findings-0-actions": "N-01 X-99"}, "there is no action X-99"),
        ({"findings-0-kind": "recommendation"}, "produces area for priority action"),
        ({"title": ""}, "Enter a title for the inspection or visit"),
        ({"findings-1-ref": "apa1", "findings-1-title": "Again"}, "APA1 is given twice"),
    ],
)
def test_bad_input_gets_an_error_summary_and_writes_nothing(admin, changes, message):
    before = _counts()
    response = admin.post(
        VISIT, data={"csrf_token": csrf_token(admin, VISIT), **_visit_form(**changes)}
    )
    assert response.status_code == 400
    text = _text(response)
    assert "There is a problem" in text and message in text
    assert _counts() == before


def test_a_form_without_its_csrf_token_writes_nothing(admin):
    before = _counts()
    assert admin.post(VISIT, data=_visit_form()).status_code == 400
    assert _counts() == before


@pytest.mark.parametrize("role", ["chair", "viewer", "locality_head"])
def test_only_the_administrator_may_record_inspections(client, role):
    make_action(ref="N-01", plan="north")
    make_user(role=role, email="someone@trust.example", locality="north")
    db.session.commit()
    sign_in(client, "someone@trust.example", PASSWORD)
    before = _counts()
    assert client.get(VISIT).status_code == 403
    token = csrf_token(client, "/accessibility")
    assert client.post(VISIT, data={"csrf_token": token, **_visit_form()}).status_code == 403
    assert client.get("/inspections/1/edit").status_code == 403
    assert _counts() == before


def test_the_administrator_changes_an_event_s_judgements_and_links_an_action(admin):
    first = db.session.execute(select(Inspection.id)).scalar_one()
    findings = db.session.execute(
        select(Recommendation.id, Recommendation.ref).order_by(Recommendation.id)
    ).all()
    db.session.remove()
    url = f"/inspections/{first}/edit"
    page = admin.get(url)
    assert page.status_code == 200
    assert "Actions whose own finding this is: N-01" in _text(page)
    data = {
        "title": "Single inspection",
        "local_authority": "Exampleshire",
        "report_published": "27/11/2015",
        "judgement_0": "Inadequate",
    }
    for n, (finding_id, ref) in enumerate(findings):
        data |= {
            f"findings-{n}-finding_id": str(finding_id),
            f"findings-{n}-kind": "recommendation",
            f"findings-{n}-ref": ref,
            f"findings-{n}-title": f"Recommendation {ref}",
            f"findings-{n}-lead_body": "trust",
            f"findings-{n}-actions": "M-01" if n == 0 else "",
        }
    response = admin.post(url, data={"csrf_token": csrf_token(admin, url), **data})
    assert response.status_code == 302
    saved = db.session.get(Inspection, first)
    assert saved.judgements == [{"area": "Overall effectiveness", "grade": "Inadequate"}]
    assert saved.title == "Single inspection"
    db.session.remove()
    assert _counts()[2] == 1
    # M-01 now answers R1 too: R1's count and its list both hold two actions.
    overview = admin.get("/overview").get_data(as_text=True)
    assert re.search(r'href="/actions\?recommendation=R1">2<', overview)
    listed = _text(admin.get("/actions?recommendation=R1"))
    assert "M-01" in listed and "N-01" in listed
    # M-01's page names the further finding it answers, with its kind and event.
    action = admin.get("/actions/M-01").get_data(as_text=True)
    assert 'id="further-findings"' in action
    assert "Recommendation R1" in action and "(recommendation, Single inspection)" in action
    assert 'id="further-findings"' not in admin.get("/actions/N-01").get_data(as_text=True)


def test_add_another_finding_draws_one_more_row_and_saves_nothing(admin):
    before = _counts()
    response = admin.post(
        VISIT,
        data={"csrf_token": csrf_token(admin, VISIT), **_visit_form(), "add_finding": "y"},
    )
    assert response.status_code == 200
    assert 'name="findings-2-ref"' in response.get_data(as_text=True)
    assert _counts() == before


def test_an_unknown_inspection_is_not_found(admin):
    assert admin.get("/inspections/999999/edit").status_code == 404


def test_continuing_without_choosing_a_kind_says_so(admin):
    response = admin.get("/inspections/new?chosen=yes")
    assert response.status_code == 400
    assert "Choose the kind of inspection or visit" in _text(response)
    assert admin.get("/inspections/new?framework=NOPE").status_code == 400


def test_the_inspection_page_links_the_administrator_to_its_form(admin):
    first = db.session.execute(select(Inspection.id)).scalar_one()
    db.session.remove()
    page = admin.get("/inspection").get_data(as_text=True)
    assert f'href="/inspections/{first}/edit"' in page and 'href="/inspections/new"' in page


def test_a_first_inspection_whose_framework_asks_for_no_plan_shows_no_deadline(admin):
    db.session.remove()
    db.session.execute(
        update(Inspection).values(framework="MONITORING_VISIT", title="Second monitoring visit")
    )
    db.session.commit()
    db.session.remove()
    page = admin.get("/overview")
    html = page.get_data(as_text=True)
    assert 'id="statutory-deadline"' not in html
    assert "Second monitoring visit (ILACS monitoring visit) of services" in _text(page)
    assert "None counted" in _text(page)


def _change_kind(admin, event_id: int, code: str):
    url = f"/inspections/{event_id}/framework"
    return admin.post(url, data={"csrf_token": csrf_token(admin, url), "framework": code})


def _kind_changes() -> int:
    return db.session.execute(
        select(func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.kind == "inspection_framework_changed")
    ).scalar_one()


def test_a_recorded_event_becomes_another_kind_only_when_what_it_records_fits(admin):
    admin.post(VISIT, data={"csrf_token": csrf_token(admin, VISIT), **_visit_form()})
    first, visit = db.session.execute(select(Inspection.id).order_by(Inspection.id)).scalars()
    db.session.remove()
    assert f'href="/inspections/{visit}/framework"' in admin.get(
        f"/inspections/{visit}/edit"
    ).get_data(as_text=True)
    page = admin.get(f"/inspections/{visit}/framework")
    assert page.status_code == 200
    assert re.search(r'value="FOCUSED_VISIT"\s+checked', page.get_data(as_text=True))

    # A monitoring visit makes no areas for priority action: refused, each misfit named.
    before = _counts()
    response = _change_kind(admin, visit, "MONITORING_VISIT")
    assert response.status_code == 400
    text = _text(response)
    assert "There is a problem" in text
    assert (
        "Finding APA1 is an area for priority action: the ILACS monitoring visit produces "
        "area for improvement only" in text
    )
    # The SIF's grade has no place in a visit, nor its recommendations in a focused visit.
    text = _text(_change_kind(admin, first, "FOCUSED_VISIT"))
    assert "The judgement “Overall effectiveness: Inadequate” does not fit" in text
    assert "Finding R1 is a recommendation" in text and "Finding R2 is a recommendation" in text
    assert _counts() == before and _kind_changes() == 0
    assert db.session.get(Inspection, visit).framework == "FOCUSED_VISIT"
    db.session.remove()
    assert "12 May 2016" in _text(admin.get("/overview"))  # the focused visit's 70 days

    # An area SEND inspection makes the same kinds of finding: it fits, and its rule (no plan
    # counted) now sets the deadline.
    response = _change_kind(admin, visit, "SEND_AREA")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/inspections/{visit}/edit")
    assert db.session.get(Inspection, visit).framework == "SEND_AREA"
    event = db.session.execute(
        select(AuditEvent).where(AuditEvent.kind == "inspection_framework_changed")
    ).scalar_one()
    assert event.detail["was"] == "ILACS focused visit" and event.target == f"inspection/{visit}"
    db.session.remove()
    assert "12 May 2016" not in _text(admin.get("/overview"))
    # The SIF fits an ILACS standard inspection: same area, same grade, recommendations.
    assert _change_kind(admin, first, "ILACS_STANDARD").status_code == 302
    assert _counts() == before
    # The change form's kind is the stored one, whatever the address says.
    edit = admin.get(f"/inspections/{first}/edit?framework=FOCUSED_VISIT").get_data(as_text=True)
    assert "ILACS standard inspection" in edit and 'name="judgement_0"' in edit


def test_changing_an_event_s_kind_to_the_same_or_no_kind_is_refused(admin):
    first = db.session.execute(select(Inspection.id)).scalar_one()
    db.session.remove()
    assert "It is already a Single inspection framework" in _text(_change_kind(admin, first, "SIF"))
    assert _change_kind(admin, first, "NOPE").status_code == 400
    assert _change_kind(admin, 999999, "SIF").status_code == 404
    assert _kind_changes() == 0
