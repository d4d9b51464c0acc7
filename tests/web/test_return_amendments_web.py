"""The return pages for 'no change', reopening and amending, drafts with flagged text and cycles
that have not opened, through the test client."""

from __future__ import annotations

import html as htmllib
import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from tests.builders import latest_update, make_action, make_cycles, make_user
from tests.conftest import csrf_token, sign_in
from tracker.extensions import db
from tracker.models import ActionUpdate, LocalityReturn, ReturnDraft, UpdateCycle

PASSWORD = "a-long-test-password"
HEAD = "north.head@trust.example"
OPEN_REFS = ["N-01", "N-02", "N-03"]
RAGS = {"N-01": "green", "N-02": "amber", "N-03": "red"}
RETURN = "/returns/north/3"  # the demo's today, Friday 5 February 2016, is in cycle 3


@pytest.fixture
def north(clean_db):
    """North with three open actions (last summary "Agreed."); cycles 1 to 6."""
    make_cycles(upto=6)
    head = make_user(role="locality_head", locality="north", email=HEAD)
    make_user(role="viewer", email="viewer@council.example")
    actions = {ref: make_action(ref=ref, plan="north", rag=rag) for ref, rag in RAGS.items()}
    db.session.commit()
    return {"head": head, "actions": actions}


def _text(response) -> str:
    return htmllib.unescape(response.get_data(as_text=True))


def _form(client, button="submit", versions=None, ticked=(), **per_ref) -> dict:
    """Every open North action at its state, with a new summary unless ticked; per_ref overrides."""
    data = {"csrf_token": csrf_token(client, "/accessibility"), button: "y"}
    for i, ref in enumerate(OPEN_REFS):
        values = {
            "ref": ref,
            "version": str((versions or {}).get(ref, 1)),
            "summary": "" if ref in ticked else f"{ref}: progress agreed at the locality meeting.",
            "lifecycle": "in_progress",
            "rag": RAGS[ref],
            "impact": "not_yet_evidenced",
            "reason": "",
            "evidence": "",
        }
        if ref in ticked:
            values["confirm_unchanged"] = "y"
        values |= per_ref.get(ref.replace("-", "_"), {})
        data |= {f"entries-{i}-{k}": v for k, v in values.items() if v is not None}
    return data


def _updates() -> int:
    return db.session.execute(select(func.count(ActionUpdate.id))).scalar_one()


def _reopen(client, url=RETURN):
    return client.post(f"{url}/reopen", data={"csrf_token": csrf_token(client, "/accessibility")})


# --- no change this cycle -------------------------------------------------------------------


def test_the_no_change_tick_sits_between_the_last_summary_and_the_box(client, north):
    sign_in(client, HEAD, PASSWORD)

    page = _text(client.get(RETURN))

    entry = page[page.index('id="action-N-01"') : page.index('id="action-N-02"')]
    last, tick, box = (
        entry.index("Last summary"),
        entry.index('name="entries-0-confirm_unchanged"'),
        entry.index('name="entries-0-summary"'),
    )
    assert last < tick < box
    assert "Ticked, with the progress summary left empty, the last summary is kept" in entry


def test_ticked_actions_with_empty_boxes_submit_and_history_says_no_change(client, north):
    sign_in(client, HEAD, PASSWORD)
    typed = "N-02: twelve audits done; amber until the re-audit."

    response = client.post(RETURN, data=_form(client, ticked=OPEN_REFS, N_02={"summary": typed}))

    assert response.status_code == 302
    assert (latest_update("N-01").summary, latest_update("N-01").no_change) == ("Agreed.", True)
    assert (latest_update("N-02").summary, latest_update("N-02").no_change) == (typed, False)
    history = _text(client.get("/actions/N-01"))
    assert "No change this cycle" in history and "(carried forward)" in history
    assert "No change this cycle" not in _text(client.get("/actions/N-02")).split("History")[-1]


def test_the_update_page_carries_the_summary_forward_on_the_tick_too(client, north):
    sign_in(client, HEAD, PASSWORD)
    data = {
        "csrf_token": csrf_token(client, "/actions/N-01/update"),
        "version": "1",
        "summary": "",
        "confirm_unchanged": "y",
        "lifecycle": "in_progress",
        "rag": "green",
        "impact": "not_yet_evidenced",
        "submit": "y",
    }

    response = client.post("/actions/N-01/update", data=data)

    assert response.status_code == 302
    assert (latest_update("N-01").summary, latest_update("N-01").no_change) == ("Agreed.", True)


# --- cycles that have not opened ----------------------------------------------------------------


def test_a_cycle_that_has_not_opened_shows_the_plan_with_no_inputs(client, north):
    sign_in(client, HEAD, PASSWORD)

    response = client.get("/returns/north/4")

    page = _text(response)
    assert response.status_code == 200
    assert "Cycle 4 opens on Monday 15 February 2016" in page
    assert "Current state of each open action" in page and "N-03" in page
    assert not re.search(r"<(input|textarea|select)[^>]*name=\"entries-", page)
    assert "Submit return" not in page and "Save as draft" not in page


@pytest.mark.parametrize("button", ["submit", "save"])
def test_posting_to_a_cycle_that_has_not_opened_is_refused_and_writes_nothing(
    client, north, button
):
    sign_in(client, HEAD, PASSWORD)

    response = client.post("/returns/north/4", data=_form(client, button=button))

    page = _text(response)
    assert response.status_code == 400
    assert "There is a problem" in page
    assert "Cycle 4 opens on Monday 15 February 2016: its return cannot be filled in" in page
    assert db.session.execute(select(func.count(LocalityReturn.id))).scalar_one() == 0
    assert _updates() == 3


def test_an_empty_post_saves_no_draft(client, north):
    sign_in(client, HEAD, PASSWORD)

    response = client.post(
        RETURN, data={"csrf_token": csrf_token(client, "/accessibility"), "save": "y"}
    )

    assert response.status_code == 400
    assert "There is nothing to save" in _text(response)
    assert db.session.execute(select(func.count(LocalityReturn.id))).scalar_one() == 0


# --- drafts with flagged text -------------------------------------------------------------------


def test_a_flagged_entry_is_held_back_and_the_rest_survives_signing_out(client, north):
    sign_in(client, HEAD, PASSWORD)
    flagged = "Child A aged 7 was seen at home"
    data = _form(client, button="save", N_02={"summary": flagged, "rag": "red"})

    response = client.post(RETURN, data=data)

    page = _text(response)
    assert response.status_code == 400
    assert "N-02</a>: the progress summary was not saved, because" in page
    assert "Saved: N-01, N-02 (without the text above), N-03." in page
    assert f">{flagged}</textarea>" in page
    client.post("/sign-out", data={"csrf_token": csrf_token(client, "/accessibility")})
    sign_in(client, HEAD, PASSWORD)
    again = _text(client.get(RETURN))
    assert "N-01: progress agreed at the locality meeting.</textarea>" in again
    assert flagged not in again
    n02 = again[again.index('id="action-N-02"') : again.index('id="action-N-03"')]
    assert '<option value="red" selected>' in n02  # the rest of the flagged entry was kept
    stored = db.session.execute(select(ReturnDraft.fields)).scalars().all()
    assert not any(flagged in str(fields) for fields in stored)


# --- reopening and amending ---------------------------------------------------------------------


def test_a_head_reopens_amends_one_action_and_the_page_says_amended(client, north):
    sign_in(client, HEAD, PASSWORD)
    assert client.post(RETURN, data=_form(client, ticked=OPEN_REFS)).status_code == 302
    submitted = _text(client.get(RETURN))
    assert "Reopen to amend" in submitted

    response = _reopen(client)

    assert response.status_code == 302 and response.headers["Location"] == RETURN
    page = _text(client.get(RETURN))
    assert "Return reopened." in page and "open for amendment until" in page
    assert "Reopen to amend" not in page
    assert page.count('name="entries-') > 0 and "checked" in page
    amended = _form(
        client,
        ticked=OPEN_REFS,
        versions=dict.fromkeys(OPEN_REFS, 2),
        N_03={"rag": "amber", "reason": "Two posts filled early."},
    )
    response = client.post(RETURN, data=amended)

    assert response.status_code == 302
    page = _text(client.get(RETURN))
    assert "Return amended: 1 actions updated." in page
    assert re.search(r"Submitted 5 February 2016 at \d\d:\d\d by Person \d+", page)
    assert re.search(r"Amended 5 February 2016 at \d\d:\d\d by Person \d+", page)
    assert _updates() == 3 + 3 + 1
    assert (latest_update("N-03").rag, latest_update("N-03").summary) == ("amber", "Agreed.")


def test_the_grid_shows_who_amended_a_return_and_when(client, north):
    record = LocalityReturn(
        locality_id=north["head"].locality_id,
        cycle_id=db.session.execute(
            select(UpdateCycle.id).where(UpdateCycle.number == 3)
        ).scalar_one(),
        status="submitted",
        late=False,
        submitted_at=datetime(2016, 2, 4, 10, 0, tzinfo=UTC),
        submitted_by_id=north["head"].id,
        amended_at=datetime(2016, 2, 5, 9, 30, tzinfo=UTC),
        amended_by_id=north["head"].id,
    )
    db.session.add(record)
    db.session.commit()
    sign_in(client, "viewer@council.example", PASSWORD)

    page = _text(client.get("/returns"))

    assert f"Amended 5 February 2016 at 09:30 by {north['head'].name}" in page


def test_reopening_after_the_deadline_is_refused_with_the_reason(client, north, monkeypatch):
    sign_in(client, HEAD, PASSWORD)
    client.post(RETURN, data=_form(client, ticked=OPEN_REFS))
    monkeypatch.setitem(client.application.config, "TODAY", "2016-02-15")

    assert "Reopen to amend" not in _text(client.get(RETURN))
    response = _reopen(client)

    assert response.status_code == 302
    page = _text(client.get(RETURN))
    assert "passed at 12:00 on Friday 12 February 2016" in page
    assert "update it from its own page" in page
    assert db.session.execute(select(LocalityReturn.reopened_at)).scalar_one() is None


def test_a_reopened_return_submitted_after_its_deadline_is_refused_and_kept_as_a_draft(
    client, north, monkeypatch
):
    sign_in(client, HEAD, PASSWORD)
    client.post(RETURN, data=_form(client, ticked=OPEN_REFS))
    _reopen(client)
    monkeypatch.setitem(client.application.config, "TODAY", "2016-02-15")
    typed = "N-01: correction typed after the deadline."

    response = client.post(
        RETURN,
        data=_form(
            client, ticked=OPEN_REFS, versions=dict.fromkeys(OPEN_REFS, 2), N_01={"summary": typed}
        ),
    )

    page = _text(response)
    assert response.status_code == 400
    assert "can no longer be amended here" in page and "kept as a draft" in page
    assert _updates() == 6
    again = _text(client.get(RETURN))
    assert f"{typed}</textarea>" in again
    assert "its deadline passed at 12 February 2016 at 12:00" in again


def test_another_locality_may_not_reopen_a_return(client, north):
    make_user(role="locality_head", locality="south", email="south.head@trust.example")
    db.session.commit()
    sign_in(client, "south.head@trust.example", PASSWORD)

    assert _reopen(client).status_code == 403


def test_the_jump_links_are_folded_into_one_details_control(client, north):
    sign_in(client, HEAD, PASSWORD)

    page = _text(client.get(RETURN))

    start = page.index("Jump to an action")
    details = page[start : page.index("</details>", start)]
    assert all(f'href="#action-{ref}"' in details for ref in OPEN_REFS)
    assert page.index("</details>", start) < page.index('name="entries-0-summary"')


@pytest.mark.parametrize("cycle", ["99", "99999999999999999999"])
def test_an_unknown_or_huge_cycle_is_not_found_when_read_or_reopened(client, north, cycle):
    sign_in(client, HEAD, PASSWORD)

    assert client.get(f"/returns/north/{cycle}").status_code == 404
    assert _reopen(client, f"/returns/north/{cycle}").status_code == 404
