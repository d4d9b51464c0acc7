"""Issue 20.2 through the test client: the administrator sets the update rhythm, the monthly
self-evaluation and chasing; bad input gets an error summary and writes nothing; what is saved
shows at once (a new rhythm's cycles, no SEF pages when none is asked)."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

import pytest
from sqlalchemy import func, select

from tests.conftest import csrf_token, load_seed_rows, sign_in
from tracker.clock import now_utc
from tracker.domain.calendar import LONDON
from tracker.extensions import db
from tracker.models import AuditEvent, Setting

ADMIN = "admin@trust.example"
HEAD = "north.hos@trust.example"


def _text(response) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))).split())


@pytest.fixture
def admin(clean_db):
    load_seed_rows(clean_db, demo_password="demo-password-1", hash_method="pbkdf2:sha256:1000")
    client = clean_db.test_client()
    sign_in(client, ADMIN, "demo-password-1")
    return client


def _settings_written() -> int:
    return db.session.execute(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.kind.like("setup.%"))
    ).scalar_one()


def test_the_rhythm_page_shows_the_cycle_in_progress_and_saves_a_monthly_rhythm(admin):
    page = _text(admin.get("/admin/setup/rhythm"))
    assert "Every two weeks, due Friday at 12:00" in page
    assert (
        "3 In progress Monday 1 February 2016 to Sunday 14 February 2016 "
        "12:00 on Friday 12 February 2016"
    ) in page
    form = {
        "csrf_token": csrf_token(admin, "/admin/setup/rhythm"),
        "every": "month",
        "starts_on": ["1", "3", "2016"],
        "due_weekday": "3",
        "due_time": "16:00",
    }
    response = admin.post("/admin/setup/rhythm", data=form, follow_redirects=True)
    assert response.status_code == 200
    page = _text(response)
    assert "Saved: from 1 March 2016, monthly, due thursday at 16:00." in page
    assert "5 Tuesday 1 March 2016 to Thursday 31 March 2016 16:00 on Thursday 31 March" in page
    assert _settings_written() == 1


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"starts_on": ["8", "2", "2016"]}, "A new rhythm applies from the next cycle"),
        ({"starts_on": ["17", "2", "2016"], "every": "1w"}, "would change the cycle in progress"),
        ({"starts_on": ["2", "3", "2016"]}, "first day of a month"),
        ({"due_time": "25:00"}, "Enter a time in 24-hour form"),
        ({"every": "5w"}, "Not a valid choice"),
        ({"due_weekday": "6"}, "Not a valid choice"),
        ({"starts_on": ["1", "13", "2016"]}, ""),
    ],
)
def test_a_bad_rhythm_gets_an_error_summary_and_writes_nothing(admin, changes, message):
    form = {
        "csrf_token": csrf_token(admin, "/admin/setup/rhythm"),
        "every": "month",
        "starts_on": ["1", "3", "2016"],
        "due_weekday": "3",
        "due_time": "16:00",
    } | changes
    response = admin.post("/admin/setup/rhythm", data=form)
    assert response.status_code == 400
    assert "There is a problem" in _text(response)
    assert message in _text(response)
    assert _settings_written() == 0


def test_without_a_self_evaluation_its_pages_are_gone_and_it_can_come_back(admin, clean_db):
    assert admin.get("/sefs").status_code == 200
    form = {
        "csrf_token": csrf_token(admin, "/admin/setup/self-evaluation"),
        "first_month": "2016-02",
        "due_working_day": "5",
        "sections": ["management_oversight"],
    }  # "enabled" unticked
    response = admin.post("/admin/setup/self-evaluation", data=form, follow_redirects=True)
    assert "Saved: the monthly self-evaluation." in _text(response)
    response = admin.get("/sefs")
    assert response.status_code == 404
    assert "does not ask for a monthly self-evaluation" in _text(response)
    # Nothing leads to them: no menu link, no SEF counts on the dashboard, no SEF on the home
    # page of the area's head.
    dashboard = admin.get("/dashboard").get_data(as_text=True)
    assert 'href="/sefs"' not in dashboard and "SEFs missing" not in dashboard
    head = clean_db.test_client()
    with clean_db.app_context():  # a request context of its own: another person signed in
        sign_in(head, HEAD, "demo-password-1")
        home = head.get("/").get_data(as_text=True)
    assert 'id="this-sef"' not in home and 'href="/sefs"' not in home
    form["enabled"] = "y"
    admin.post("/admin/setup/self-evaluation", data=form)
    assert admin.get("/sefs").status_code == 200
    assert "SEFs missing" in admin.get("/dashboard").get_data(as_text=True)
    with clean_db.app_context():
        assert 'id="this-sef"' in head.get("/").get_data(as_text=True)
    assert db.session.get(Setting, "self_evaluation").value["sections"] == ["management_oversight"]


def _sef_form(admin, **changes) -> dict[str, str]:
    return {
        "csrf_token": csrf_token(admin, "/admin/setup/self-evaluation"),
        "enabled": "y",
        "first_month": "2016-02",
        "due_working_day": "5",
    } | changes


def test_the_councils_own_sections_are_saved_audited_edited_and_apply_from_next_month(admin):
    page = admin.get("/admin/setup/self-evaluation").get_data(as_text=True)
    assert "Your council's own sections" in page and 'name="heading_6"' in page
    form = _sef_form(
        admin,
        heading_1="Early help",
        hint_1="Families helped before social care",
        heading_3="Youth justice",  # a gap between places is closed up
    )
    response = admin.post("/admin/setup/self-evaluation", data=form, follow_redirects=True)
    assert "Saved: the monthly self-evaluation." in _text(response)
    saved = db.session.get(Setting, "self_evaluation").value
    assert saved["own_sections"] == [
        {"heading": "Early help", "hint": "Families helped before social care"},
        {"heading": "Youth justice", "hint": ""},
    ]
    this_month = now_utc().astimezone(LONDON)
    following = (this_month.replace(day=28) + timedelta(days=4)).strftime("%Y-%m")
    assert saved["own_sections_from"] == following
    assert saved["earlier_own_sections"] == []  # this month's SEF is asked none
    assert _settings_written() == 1
    page = _text(response)
    assert f"These sections apply from the self-evaluation for {following}" in page
    # Edited (the first's heading) and one removed (the second cleared): still from next month,
    # this month keeps what it had.
    form = _sef_form(admin, heading_1="Early help and prevention", heading_2="")
    admin.post("/admin/setup/self-evaluation", data=form)
    db.session.expire_all()
    saved = db.session.get(Setting, "self_evaluation").value
    assert saved["own_sections"] == [{"heading": "Early help and prevention", "hint": ""}]
    assert saved["own_sections_from"] == following and saved["earlier_own_sections"] == []
    assert _settings_written() == 2
    event = db.session.execute(
        select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1)
    ).scalar_one()
    assert "Early help and prevention" in str(event.detail)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"hint_2": "A hint with no heading"}, "heading_2"),
        ({"heading_1": "x" * 121}, "heading_1"),
        ({"hint_1": "x" * 301, "heading_1": "Early help"}, "hint_1"),
        ({"heading_1": "Early help", "heading_4": "early  HELP"}, "heading_4"),
    ],
)
def test_bad_own_sections_are_refused_by_field_and_write_nothing(admin, changes, field):
    response = admin.post("/admin/setup/self-evaluation", data=_sef_form(admin, **changes))
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "There is a problem" in html and f'href="#{field}"' in html
    assert _settings_written() == 0


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"escalate_chair_after": "2"}, "escalate_chair_after"),  # not after the manager's step
        ({"remind_days_before": "-1"}, "remind_days_before"),
        ({"remind_days_before": "two"}, "remind_days_before"),
        ({"chair_email": "not an address"}, "chair_email"),
    ],
)
def test_bad_chasing_settings_are_refused_by_field(admin, changes, field):
    form = {
        "csrf_token": csrf_token(admin, "/admin/setup/chasing"),
        "remind_days_before": "2",
        "escalate_manager_after": "2",
        "escalate_chair_after": "4",
        "target_notice_days": "10",
        "chair_email": "chief.executive@trust.example",
    } | changes
    response = admin.post("/admin/setup/chasing", data=form)
    assert response.status_code == 400
    assert f'href="#{field}"' in response.get_data(as_text=True)
    assert _settings_written() == 0


def test_a_nul_byte_is_refused_before_any_form_and_writes_nothing(admin):
    for path in ("/admin/setup/chasing", "/admin/setup/rhythm", "/admin/setup/self-evaluation"):
        response = admin.post(path, data={"csrf_token": csrf_token(admin, path), "x": "a\x00"})
        assert response.status_code == 400
    assert _settings_written() == 0


def test_chasing_is_saved_and_shown(admin):
    form = {
        "csrf_token": csrf_token(admin, "/admin/setup/chasing"),
        "remind_days_before": "3",
        "escalate_manager_after": "2",
        "escalate_chair_after": "5",
        "target_notice_days": "10",
        "chair_email": "Chair@Trust.example",
    }
    response = admin.post("/admin/setup/chasing", data=form, follow_redirects=True)
    assert "Saved: chasing." in _text(response)
    assert 'value="chair@trust.example"' in response.get_data(as_text=True)
    assert db.session.get(Setting, "chasing").value["escalate_chair_after"] == 5


def test_only_the_administrator_sets_up(clean_db):
    load_seed_rows(clean_db, demo_password="demo-password-1", hash_method="pbkdf2:sha256:1000")
    client = clean_db.test_client()
    sign_in(client, HEAD, "demo-password-1")
    for path in ("/admin/setup/rhythm", "/admin/setup/self-evaluation", "/admin/setup/chasing"):
        assert client.get(path).status_code == 403


def _meeting_form(admin, **changes) -> dict[str, str]:
    return {
        "csrf_token": csrf_token(admin, "/admin/setup/meetings"),
        "getting_to_good_nth": "4",
        "getting_to_good_weekday": "3",
        "getting_to_good_start": "14:00",
        "getting_to_good_minutes": "120",
        "jsig_nth": "5",
        "jsig_weekday": "4",
        "jsig_start": "13:30",
        "jsig_minutes": "90",
        "cib_nth": "0",
        "cib_weekday": "0",
        "cib_start": "10:00",
        "cib_minutes": "120",
    } | changes


def test_the_meetings_usual_days_start_from_the_settings_and_are_saved_and_audited(admin):
    page = _text(admin.get("/admin/setup/meetings"))
    # The first defaults (TRACKER_MEETING_DAY_*): the group's third Thursday, the board's fourth.
    assert (
        "Now: The third Thursday of each month, 10:00 to 12:00. Next: Thursday 18 February 2016"
        in page
    )
    assert "Now: The fourth Thursday of each month, 14:00 to 16:00" in page
    assert "Now: No usual day." in page
    assert 'href="/admin/setup/meetings"' in admin.get("/admin/setup").get_data(as_text=True)
    response = admin.post("/admin/setup/meetings", data=_meeting_form(admin))
    assert response.status_code == 302
    page = _text(admin.get("/admin/setup/meetings"))
    assert "Saved: the meetings' usual days." in page
    assert (
        "Now: The last Friday of each month, 13:30 to 15:00. Next: Friday 26 February 2016" in page
    )
    saved = db.session.get(Setting, "meeting_days").value
    assert saved["jsig"] == {"nth": 5, "weekday": 4, "start": "13:30", "minutes": 90}
    assert _settings_written() == 1
    audit = _text(admin.get("/admin/audit"))
    assert "“The third Thursday of each month, 10:00 to 12:00” to “The last Friday" in audit


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"jsig_start": "25:00"}, "jsig_start"),
        ({"cib_minutes": "5"}, "cib_minutes"),
        ({"getting_to_good_nth": "7"}, "getting_to_good_nth"),
        ({"jsig_weekday": "6"}, "jsig_weekday"),
        ({"cib_minutes": "an hour"}, "cib_minutes"),
    ],
)
def test_bad_meeting_days_are_refused_by_field_and_write_nothing(admin, changes, field):
    response = admin.post("/admin/setup/meetings", data=_meeting_form(admin, **changes))
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "There is a problem" in html and f'href="#{field}"' in html
    assert _settings_written() == 0
