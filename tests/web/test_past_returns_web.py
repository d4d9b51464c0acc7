"""Past returns as submitted (issue 17, part 3): a submitted return shows what was sent for its
cycle, from the history, with amended entries marked and both versions shown; never the actions'
current state. Heads and deputies list their locality's returns; the board lists every one."""

from __future__ import annotations

import html as htmllib
import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from tests.builders import actor_for, add_update, make_action, make_cycles, make_user
from tests.conftest import sign_in
from tracker.extensions import db
from tracker.models import Action, ActionUpdate, Locality, LocalityReturn, Plan, UpdateCycle
from tracker.services.loop import returns as return_service

PASSWORD = "a-long-test-password"
HEAD = "north.head@trust.example"
DEPUTY = "north.deputy@trust.example"
SOUTH_HEAD = "south.head@trust.example"
VIEWER = "viewer@council.example"
LEAD = "lead@trust.example"
PAST = "/returns/north/2"  # cycle 2 was due at noon on Friday 29 January 2016
SUBMITTED_AT = datetime(2016, 1, 29, 10, 0, tzinfo=UTC)
AMENDED_AT = datetime(2016, 1, 29, 11, 30, tzinfo=UTC)


def _text(response) -> str:
    return htmllib.unescape(response.get_data(as_text=True))


def _entry(ref: str, version: int, summary: str, rag: str, **kw) -> return_service.Entry:
    return return_service.Entry(
        ref=ref,
        version=version,
        summary=summary,
        lifecycle=kw.pop("lifecycle", "in_progress"),
        rag=rag,
        impact="not_yet_evidenced",
        **kw,
    )


@pytest.fixture
def north(clean_db):
    return build_north()


def build_north() -> dict:
    """North's cycle 2 return submitted at 10:00 on 29 January, N-02 amended at 11:30; then
    cycle 3's updates on 5 February (today), which the cycle 2 return must never show."""
    cycles = make_cycles(upto=4)
    head = make_user(role="locality_head", locality="north", email=HEAD)
    make_user(role="action_lead", email=DEPUTY, deputy_for="north")
    make_user(role="locality_head", locality="south", email=SOUTH_HEAD)
    make_user(role="viewer", email=VIEWER)
    make_user(role="action_lead", email=LEAD)
    make_user(role="chair", email="chair@trust.example")
    for ref, rag in (("N-01", "green"), ("N-02", "amber")):
        make_action(ref=ref, plan="north", rag=rag)
    make_action(ref="S-01", plan="south")
    db.session.commit()
    actor = actor_for(head)
    return_service.submit_return(
        "north",
        2,
        [
            _entry("N-01", 1, "N-01 as sent on 29 January.", "green"),
            _entry("N-02", 1, "N-02 as sent on 29 January.", "amber"),
        ],
        actor=actor,
        now=SUBMITTED_AT,
    )
    return_service.reopen_return("north", 2, actor=actor, now=SUBMITTED_AT.replace(minute=30))
    return_service.submit_return(
        "north",
        2,
        [
            _entry("N-01", 2, "", "green", confirm_unchanged=True),
            _entry("N-02", 2, "N-02 amended: red now.", "red", reason="Audit slipped."),
        ],
        actor=actor,
        now=AMENDED_AT,
    )
    n01 = db.session.execute(select(Action).where(Action.ref == "N-01")).scalar_one()
    add_update(
        n01,
        recorded_at=datetime(2016, 2, 5, 9, 0, tzinfo=UTC),
        summary="N-01 typed on 5 February for cycle 3.",
        rag="amber",
        reason="Slipped.",
        author=head,
        cycle_id=cycles[3].id,
    )
    db.session.commit()
    return {"head": head}


def test_a_past_return_shows_what_was_submitted_never_the_current_state(client, north):
    sign_in(client, HEAD, PASSWORD)

    response = client.get(PAST)

    page = _text(response)
    assert response.status_code == 200
    assert "As submitted on 29 January 2016 at 10:00" in page
    assert "N-01 as sent on 29 January." in page and "N-02 as sent on 29 January." in page
    assert "N-01 typed on 5 February for cycle 3." not in page  # the current state: never
    assert "Current state of each open action" not in page
    assert "Updated this cycle" not in page
    assert "Open actions (" not in page  # today's open actions: not the return's entries
    row = page[page.index('id="action-N-01"') : page.index("</tr>", page.index('id="action-N-01"'))]
    assert "Green" in row and "Amber" not in row


def test_an_entry_amended_after_submission_is_marked_with_both_versions(client, north):
    sign_in(client, HEAD, PASSWORD)

    page = _text(client.get(PAST))

    n02 = page[page.index('id="action-N-02"') :]
    n02 = n02[: n02.index("</tbody>")]
    assert "Amended after submission" in n02
    assert n02.index("N-02 as sent on 29 January.") < n02.index("N-02 amended: red now.")
    assert "N-02 as amended 29 January 2016 at 11:30 by Person" in n02
    assert "Reason: Audit slipped." in n02
    n01 = page[page.index('id="action-N-01"') : page.index('id="action-N-02"')]
    assert "Amended after submission" not in n01  # "no change" on the amendment: not an entry
    assert "1 entry was amended after submission" in page


def test_the_back_link_of_a_past_return_goes_to_the_locality_list(client, north):
    sign_in(client, HEAD, PASSWORD)

    page = _text(client.get(PAST))

    back = re.search(r'<a href="([^"]+)" class="govuk-back-link">([^<]+)</a>', page)
    assert back and back.group(1) == "/returns/north/history"
    assert back.group(2) == "North past returns"


def test_a_return_read_only_links_to_the_past_returns(client, north):
    sign_in(client, VIEWER, PASSWORD)

    page = _text(client.get("/returns/north/3"))

    assert re.search(
        r'id="past-returns-link"><a class="govuk-link" href="/returns/north/history"', page
    )


def test_the_locality_list_gives_cycle_due_submitted_amended_and_late(client, north):
    sign_in(client, HEAD, PASSWORD)

    response = client.get("/returns/north/history")

    page = _text(response)
    assert response.status_code == 200
    rows = re.findall(r'<tr class="govuk-table__row" id="return-(\w+)-(\d+)">', page)
    assert rows == [("north", "3"), ("north", "2"), ("north", "1")]  # up to today's cycle
    two = page[page.index('id="return-north-2"') : page.index('id="return-north-1"')]
    assert 'href="/returns/north/2"' in two
    assert "29 January 2016 at 10:00 by Person" in two  # submitted
    assert "29 January 2016 at 11:30 by Person" in two  # amended
    assert "29 January 2016 at 12:00" in two  # due
    one = page[page.index('id="return-north-1"') :]
    assert "Not submitted" in one and "Overdue" in one


@pytest.mark.parametrize(
    ("email", "href"),
    [
        (HEAD, "/returns/north/history"),
        (DEPUTY, "/returns/north/history"),
        (VIEWER, "/returns/history"),
        ("chair@trust.example", "/returns/history"),
    ],
)
def test_the_menu_has_past_returns_for_heads_deputies_and_the_board(client, north, email, href):
    sign_in(client, email, PASSWORD)

    page = _text(client.get("/"))

    assert re.search(rf'href="{href}"[^>]*>\s*Past returns', page)


def test_an_action_lead_has_no_past_returns_item(client, north):
    sign_in(client, LEAD, PASSWORD)

    assert "Past returns" not in _text(client.get("/"))


@pytest.mark.parametrize(
    ("email", "status"),
    [(HEAD, 200), (DEPUTY, 200), (VIEWER, 200), (SOUTH_HEAD, 403), (LEAD, 403)],
)
def test_only_the_locality_and_the_board_read_its_list(client, north, email, status):
    sign_in(client, email, PASSWORD)

    assert client.get("/returns/north/history").status_code == status


@pytest.mark.parametrize(
    ("email", "status"), [(VIEWER, 200), (HEAD, 403), (DEPUTY, 403), (LEAD, 403)]
)
def test_the_list_across_localities_is_the_boards(client, north, email, status):
    sign_in(client, email, PASSWORD)

    response = client.get("/returns/history")

    assert response.status_code == status
    if status == 200:
        page = _text(response)
        assert 'id="return-north-2"' in page and 'id="return-south-2"' in page


def test_an_unknown_locality_list_is_a_404(client, north):
    sign_in(client, VIEWER, PASSWORD)

    assert client.get("/returns/nowhere/history").status_code == 404


def test_a_past_cycle_never_submitted_says_so_rather_than_show_the_current_state(client, north):
    sign_in(client, VIEWER, PASSWORD)

    page = _text(client.get("/returns/south/2"))

    assert "No return was submitted for cycle 2" in page
    assert "Current state of each open action" not in page


# --- the seeded demo ----------------------------------------------------------------------------


def _summaries(cycle_number: int) -> set[str]:
    return set(
        db.session.execute(
            select(ActionUpdate.summary)
            .join(Action, Action.id == ActionUpdate.action_id)
            .join(Plan, Plan.id == Action.plan_id)
            .join(Locality, Locality.id == Plan.locality_id)
            .join(UpdateCycle, UpdateCycle.id == ActionUpdate.cycle_id)
            .where(Locality.code == "north", UpdateCycle.number == cycle_number)
        ).scalars()
    )


def test_the_seeded_north_cycle_2_return_shows_the_29_january_values(role_client, seeded_app):
    page = _text(role_client("locality_head").get(PAST))

    with seeded_app.app_context():
        cycle2, cycle3 = _summaries(2), _summaries(3)
        submitted = db.session.execute(
            select(LocalityReturn.submitted_at)
            .join(Locality, Locality.id == LocalityReturn.locality_id)
            .join(UpdateCycle, UpdateCycle.id == LocalityReturn.cycle_id)
            .where(Locality.code == "north", UpdateCycle.number == 2)
        ).scalar_one()
        db.session.remove()
    assert submitted.astimezone(UTC).date().isoformat() == "2016-01-29"
    assert cycle3 - cycle2, "the seed has cycle 3 entries for North"
    assert "As submitted on 29 January 2016" in page
    for summary in cycle3 - cycle2:
        assert htmllib.unescape(summary) not in page
    assert any(s in page for s in cycle2 if s)
    assert "Updated this cycle" not in page
