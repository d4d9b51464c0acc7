"""The SEF pages: a head drafts and submits their own locality's SEF, everyone else reads it,
a chair sees every locality by month and compares two versions."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from tests.builders import SEF_ANSWERS, actor_for, get_or_make_locality, make_user
from tests.conftest import csrf_token, sign_in
from tracker.extensions import db
from tracker.models import AuditEvent, SefVersion, Setting
from tracker.services.loop.sefs import save_sef

PASSWORD = "a-long-test-password"
FEB = "/sefs/east/2016-02"
COMPLETE = SEF_ANSWERS


@pytest.fixture
def people(clean_db):
    for code in ("north", "south", "east", "central"):
        get_or_make_locality(code)
    users = {
        "east": make_user(email="east@trust.example", role="locality_head", locality="east"),
        "north": make_user(email="north@trust.example", role="locality_head", locality="north"),
        "chair": make_user(email="chair@trust.example", role="chair"),
        "viewer": make_user(email="viewer@council.example", role="viewer"),
    }
    db.session.commit()
    return users


def _client(clean_db, people, who):
    client = clean_db.test_client()
    sign_in(client, people[who].email, PASSWORD)
    return client


def _post(client, url, fields, button="save", **extra):
    data = dict(fields) | {"csrf_token": csrf_token(client, url), **extra}
    if button:
        data[button] = {"save": "Save as draft", "submit": "Submit SEF"}[button]
    return client.post(url, data=data)


def _versions():
    db.session.expire_all()
    return list(db.session.execute(select(SefVersion).order_by(SefVersion.version)).scalars())


def _seed_versions(people, *saves):
    """Save versions through the service, as East's head, at 10:30 on 5 February 2016."""
    actor = actor_for(people["east"])
    now = datetime(2016, 2, 5, 10, 30, tzinfo=UTC)
    for fields, submit in saves:
        save_sef("east", "2016-02", fields, submit=submit, actor=actor, now=now)


def test_the_head_drafts_then_submits_their_localitys_sef(clean_db, people):
    client = _client(clean_db, people, "east")
    page = client.get(FEB)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "SEF for February 2016" in html and "Not started" in html
    assert 'value="Save as draft"' in html and 'value="Submit SEF"' in html
    assert "What do we know about the quality and impact of our practice?" in html

    draft = _post(client, FEB, {"what_we_know": "Drift persists in two teams."})
    assert draft.status_code == 302 and draft.headers["Location"] == FEB
    page = client.get(FEB).get_data(as_text=True)
    assert "Draft saved as version 1" in page
    assert "Drift persists in two teams.</textarea>" in page
    assert 'name="base_version" type="hidden" value="1"' in page

    submitted = _post(client, FEB, COMPLETE, "submit", base_version="1")
    assert submitted.status_code == 302
    page = client.get(FEB).get_data(as_text=True)
    assert "SEF submitted as version 2." in page and "Submitted" in page
    assert [(v.version, v.status) for v in _versions()] == [(1, "draft"), (2, "submitted")]

    revised = _post(client, FEB, COMPLETE | {"self_grade": "good"}, "submit", base_version="2")
    assert revised.status_code == 302
    assert "Revised SEF submitted as version 3" in client.get(FEB).get_data(as_text=True)
    assert [v.self_grade for v in _versions()] == [None, "requires_improvement", "good"]


def test_an_incomplete_submission_shows_an_error_summary_linking_to_each_field(clean_db, people):
    client = _client(clean_db, people, "east")
    response = _post(client, FEB, {"what_we_know": "Drift persists."}, "submit")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "<title>Error: " in html and "govuk-error-summary" in html
    for field in ("how_we_know", "what_we_are_doing", "management_oversight", "self_grade"):
        assert f'href="#{field}"' in html
    assert "Answer the question: How do we know it?" in html
    assert "Choose a self-grade" in html
    assert "Drift persists.</textarea>" in html  # what was typed is kept
    assert _versions() == []


def test_child_level_data_is_held_back_with_a_warning_on_its_field(clean_db, people):
    client = _client(clean_db, people, "east")
    text = "Drift found for Child A (aged 14) on a child protection plan."
    response = _post(client, FEB, COMPLETE | {"practice_quality": text}, "submit")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'href="#practice_quality"' in html and "child-level data" in html
    assert _versions() == []


def test_a_post_without_a_button_is_a_draft_and_an_empty_one_is_refused(clean_db, people):
    client = _client(clean_db, people, "east")
    assert _post(client, FEB, {}, button=None).status_code == 400
    assert _post(client, FEB, {"evidence": "Audit booked."}, button=None).status_code == 302
    assert [v.status for v in _versions()] == ["draft"]


def test_a_save_from_a_stale_form_is_a_409_that_keeps_what_was_typed(clean_db, people):
    _seed_versions(people, ({"what_we_know": "Someone else's."}, False))
    client = _client(clean_db, people, "east")
    response = _post(client, FEB, {"what_we_know": "Mine."}, base_version="0")
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "This SEF was saved by someone else" in html and "Mine.</textarea>" in html
    assert 'name="base_version" type="hidden" value="1"' in html
    assert len(_versions()) == 1


@pytest.mark.parametrize("who", ["north", "chair", "viewer"])
def test_others_read_the_sef_and_may_not_save_it(clean_db, people, who):
    _seed_versions(people, (COMPLETE, True), (COMPLETE | {"evidence": "Redrafting."}, False))
    client = _client(clean_db, people, who)
    page = client.get(FEB)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert '<form method="post" novalidate>' not in html
    # The submitted version is what others read, not the head's later draft.
    assert "Showing Version 1, submitted" in html
    assert "January case file audit" in html and "Redrafting." not in html
    assert "Requires improvement" in html

    refused = _post(client, FEB, COMPLETE, "submit")
    assert refused.status_code == 403
    assert len(_versions()) == 2
    event = db.session.execute(
        select(AuditEvent).where(AuditEvent.kind == "permission_refused")
    ).scalar_one()
    assert event.target == FEB and event.detail["permission"] == "return.submit"


@pytest.mark.parametrize(
    ("who", "sees_draft"),
    [
        ("east", True),
        ("deputy", True),
        ("admin", True),
        ("north", False),
        ("chair", False),
        ("viewer", False),
    ],
)
def test_an_unsubmitted_sef_draft_is_private_to_its_head_their_deputy_and_the_admin(
    clean_db, people, who, sees_draft
):
    """Until submitted, a SEF is visible to its locality's head, their deputy and the admin."""
    people["admin"] = make_user(email="admin@trust.example", role="admin")
    people["deputy"] = make_user(email="deputy@trust.example", deputy_for="east")
    db.session.commit()
    _seed_versions(people, ({"management_oversight": "Private first thoughts."}, False))
    client = _client(clean_db, people, who)
    page = client.get(FEB)
    compare = client.get(FEB + "/compare?a=1&b=1")
    assert page.status_code == 200
    assert ("Private first thoughts." in page.get_data(as_text=True)) is sees_draft
    assert compare.status_code == (200 if sees_draft else 404)
    if not sees_draft:
        assert "Private first thoughts." not in compare.get_data(as_text=True)


@pytest.mark.parametrize(
    "url",
    [
        "/sefs/east/2016-13",
        "/sefs/east/feb-2016",
        "/sefs/east/2016-2",
        "/sefs/east/2016-01",  # before the first SEF month (February 2016 by default)
        "/sefs/east/2016-03",  # a month that has not begun
        "/sefs/nowhere/2016-02",
        "/sefs/east/2016-13/compare",
        "/sefs/nowhere/2016-02/compare",
        "/sefs/east/2016-02/compare?a=1&b=2",  # no versions yet
    ],
)
def test_a_bad_month_locality_or_version_is_not_found(clean_db, people, url):
    client = _client(clean_db, people, "east")
    assert client.get(url).status_code == 404


def test_comparing_two_versions_marks_changed_parts_in_words(clean_db, people):
    _seed_versions(
        people,
        (COMPLETE | {"self_grade": ""}, False),
        (COMPLETE, True),
        (COMPLETE | {"practice_quality": "Plans are now specific and reviewed."}, True),
    )
    # Version 1 is a draft: the head may compare it (a chair may not: see the privacy test).
    client = _client(clean_db, people, "east")
    page = client.get(f"{FEB}/compare?a=1&b=3")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "2 of 7</strong> parts changed between version 1 and version 3" in html
    assert html.count('<strong class="tracker-changed">Changed</strong>') == 2 + 1  # + the key
    assert "Plans are now specific and reviewed." in html and "Not chosen" in html

    latest = client.get(f"{FEB}/compare").get_data(as_text=True)
    assert "between version 2 and version 3" in latest
    for bad in ("?a=1&b=9", "?a=x&b=2", "?a=0"):
        assert client.get(f"{FEB}/compare{bad}").status_code == 404


def test_comparing_a_sef_with_one_version_says_there_is_nothing_to_compare(clean_db, people):
    _seed_versions(people, (COMPLETE, True))
    client = _client(clean_db, people, "viewer")
    html = client.get(f"{FEB}/compare").get_data(as_text=True)
    assert "only one version of this SEF so far" in html


def test_the_chairs_page_flags_missing_and_late_sefs_by_month(clean_db, people, monkeypatch):
    monkeypatch.setitem(clean_db.config, "SEF_FIRST_MONTH", "2016-01")
    _seed_versions(people, (COMPLETE, True))
    late = datetime(2016, 1, 12, 9, tzinfo=UTC)  # January was due on Friday 8 January
    save_sef("east", "2016-01", COMPLETE, submit=True, actor=actor_for(people["east"]), now=late)
    client = _client(clean_db, people, "chair")
    page = client.get("/sefs")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Monthly area SEFs" in html and ">SEFs<" in html  # in the service navigation
    assert "<strong>3</strong> missing" in html  # every locality but East missed January
    assert "<strong>1</strong> submitted late" in html and "Submitted late" in html
    assert html.index("February 2016") < html.index("January 2016")  # newest first
    assert 'View SEF<span class="govuk-visually-hidden"> for East, February 2016' in html
    assert "Not started" in html
    assert 'href="/sefs/east/2016-02"' in html and 'href="/sefs/central/2016-01"' in html


def test_a_locality_head_sees_their_own_months_and_this_months_form(clean_db, people):
    client = _client(clean_db, people, "north")
    html = client.get("/sefs").get_data(as_text=True)
    assert "Open the February 2016 SEF" in html and 'href="/sefs/north/2016-02"' in html
    assert "/sefs/east/" not in html


def test_every_role_in_the_seeded_demo_can_read_the_sef_pages(role_client):
    for role in ("admin", "chair", "locality_head", "action_lead", "performance_officer", "viewer"):
        client = role_client(role)
        for url in ("/sefs", "/sefs/central/2016-02", "/sefs/central/2016-02/compare"):
            assert client.get(url).status_code == 200, (role, url)


def test_the_sef_pages_run_no_more_queries_as_versions_pile_up(clean_db, people, count_queries):
    client = _client(clean_db, people, "chair")
    urls = ("/sefs", FEB, f"{FEB}/compare")

    def counts() -> list[int]:
        found = []
        for url in urls:
            client.get(url)  # warm up
            with count_queries(clean_db) as counter:
                assert client.get(url).status_code == 200
            found.append(counter.count)
        return found

    before = counts()
    _seed_versions(
        people, *[(COMPLETE | {"evidence": f"Audit {n}."}, n % 2 == 0) for n in range(6)]
    )
    assert counts() == before


def _own_sections(*headings: str) -> None:
    """The council's own sections, in force for every month (as a save long ago leaves them)."""
    db.session.merge(
        Setting(
            key="self_evaluation",
            value={"own_sections": [{"heading": h, "hint": f"About {h}."} for h in headings]},
            updated_at=datetime(2016, 1, 1, tzinfo=UTC),
        )
    )
    db.session.commit()


def test_the_councils_own_section_is_asked_answered_shown_compared_and_kept(clean_db, people):
    _own_sections("Early help")
    head = _client(clean_db, people, "east")
    html = head.get(FEB).get_data(as_text=True)
    assert "Our own sections" in html and "Early help" in html and "About Early help." in html
    # Submitting answers the council's section too.
    refused = _post(head, FEB, COMPLETE, "submit")
    assert refused.status_code == 400
    assert "Answer the section &#39;Early help&#39;" in refused.get_data(as_text=True)
    assert 'href="#own_1"' in refused.get_data(as_text=True)
    assert _versions() == []
    done = _post(
        head, FEB, COMPLETE | {"own_1": "Referrals to early help rose by a fifth."}, "submit"
    )
    assert done.status_code == 302
    [v1] = _versions()
    assert v1.own_sections == [
        {
            "heading": "Early help",
            "hint": "About Early help.",
            "answer": "Referrals to early help rose by a fifth.",
        }
    ]
    assert "Referrals to early help rose by a fifth.</textarea>" in head.get(FEB).get_data(
        as_text=True
    )
    # A later change of sections changes nothing already written: the SEF keeps its heading,
    # for its readers and for its head's next revision alike.
    _own_sections("Youth justice")
    chair = clean_db.test_client()
    with clean_db.app_context():  # a request context of its own: another person signed in
        sign_in(chair, people["chair"].email, PASSWORD)
        page = chair.get(FEB).get_data(as_text=True)
    assert "Early help" in page and "Referrals to early help rose by a fifth." in page
    assert "Youth justice" not in page
    assert "Youth justice" not in head.get(FEB).get_data(as_text=True)
    revised = COMPLETE | {"own_1": "Referrals to early help rose by a quarter."}
    assert _post(head, FEB, revised, "submit", base_version="1").status_code == 302
    assert [v.own_sections[0]["heading"] for v in _versions()] == ["Early help", "Early help"]
    # The answer is found by search, under its SEF.
    found = head.get("/search?q=quarter").get_data(as_text=True)
    assert 'href="/sefs/east/2016-02"' in found
    with clean_db.app_context():
        compare = chair.get(FEB + "/compare?a=1&b=2").get_data(as_text=True)
    row = compare[compare.index('id="compare-own_1"') :]
    row = row[: row.index("</tr>")]
    assert "Early help" in row and "Changed" in row
    assert "rose by a fifth." in row and "rose by a quarter." in row
    assert "1 of 8</strong> parts changed" in compare
    # Another locality's SEF, not begun, is asked the sections in force now.
    north = clean_db.test_client()
    with clean_db.app_context():
        sign_in(north, people["north"].email, PASSWORD)
        assert "Youth justice" in north.get("/sefs/north/2016-02").get_data(as_text=True)


def _ask_practice_quality_only() -> None:
    """The set-up asks one focused section: practice quality, not management oversight."""
    db.session.merge(
        Setting(
            key="self_evaluation",
            value={"sections": ["practice_quality"]},
            updated_at=datetime(2016, 1, 1, tzinfo=UTC),
        )
    )
    db.session.commit()


def test_a_focused_section_the_set_up_does_not_ask_is_neither_shown_nor_required(clean_db, people):
    _ask_practice_quality_only()
    client = _client(clean_db, people, "east")
    html = client.get(FEB).get_data(as_text=True)
    assert 'name="practice_quality"' in html and ">Practice quality</h2>" in html
    assert 'name="management_oversight"' not in html and "Management oversight" not in html
    answers = {k: v for k, v in COMPLETE.items() if k != "management_oversight"}
    refused = _post(client, FEB, answers | {"practice_quality": ""}, "submit")
    assert refused.status_code == 400 and 'href="#practice_quality"' in refused.get_data(
        as_text=True
    )
    assert 'href="#management_oversight"' not in refused.get_data(as_text=True)
    assert _versions() == []
    submitted = _post(client, FEB, answers, "submit")
    assert submitted.status_code == 302
    assert [(v.version, v.status) for v in _versions()] == [(1, "submitted")]


def test_the_chair_reads_no_not_answered_for_a_section_the_set_up_does_not_ask(clean_db, people):
    _ask_practice_quality_only()
    answers = {k: v for k, v in COMPLETE.items() if k != "management_oversight"}
    actor = actor_for(people["east"])
    now = datetime(2016, 2, 5, 10, 30, tzinfo=UTC)
    save_sef(
        "east",
        "2016-02",
        answers,
        submit=True,
        actor=actor,
        now=now,
        asked_sections=["practice_quality"],
    )
    read = _client(clean_db, people, "chair").get(FEB).get_data(as_text=True)
    assert ">Practice quality</h2>" in read and ">What do we know" in read
    assert ">Management oversight</h2>" not in read and "Not answered" not in read


def test_a_section_answered_while_asked_is_still_read_after_the_set_up_stops_asking_it(
    clean_db, people
):
    _seed_versions(people, (COMPLETE, True))
    _ask_practice_quality_only()
    read = _client(clean_db, people, "chair").get(FEB).get_data(as_text=True)
    assert ">Management oversight</h2>" in read
    assert COMPLETE["management_oversight"].split("\n")[0] in read
