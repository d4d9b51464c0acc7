"""A return in minutes (issue 17) through the test client: the "no change for every action I
have not touched" control and its confirmation page, the compact view, the progress count and
the next action needing attention."""

from __future__ import annotations

import html as htmllib
import re

import pytest
from sqlalchemy import func, select

from tests.builders import make_action, make_cycles, make_locality_return, make_user
from tests.conftest import csrf_token, sign_in
from tracker.extensions import db
from tracker.models import Action, ActionUpdate, AuditEvent, LocalityReturn, ReturnDraft

PASSWORD = "a-long-test-password"
HEAD = "north.head@trust.example"
SOUTH_HEAD = "south.head@trust.example"
OPEN_REFS = ["N-01", "N-02", "N-03"]
RETURN = "/returns/north/3"  # the demo's today, Friday 5 February 2016, is in cycle 3
CONFIRM = f"{RETURN}/no-change"
KIND = "return_no_change_marked"


@pytest.fixture
def north(clean_db):
    """North with three open actions and one closed; South with one; cycles 1 to 4."""
    cycles = make_cycles(upto=4)
    people = {
        "head": make_user(role="locality_head", locality="north", email=HEAD),
        "south_head": make_user(role="locality_head", locality="south", email=SOUTH_HEAD),
    }
    actions = {
        "N-01": make_action(ref="N-01", plan="north"),
        "N-02": make_action(ref="N-02", plan="north", rag="amber"),
        "N-03": make_action(ref="N-03", plan="north", rag="red", impact="emerging"),
        "N-04": make_action(ref="N-04", plan="north", lifecycle="closed_evidenced", rag=None),
        "S-01": make_action(ref="S-01", plan="south"),
    }
    db.session.commit()
    return {"cycles": cycles, "people": people, "actions": actions}


def _text(response) -> str:
    return htmllib.unescape(response.get_data(as_text=True))


def _form(client, button="save", **per_ref) -> dict:
    """The return form as drawn (nothing typed), with `per_ref` typed in, sent with `button`."""
    data = {"csrf_token": csrf_token(client, "/accessibility"), button: "y"}
    rags = {"N-01": "green", "N-02": "amber", "N-03": "red"}
    for i, ref in enumerate(OPEN_REFS):
        values = {
            "ref": ref,
            "version": "1",
            "summary": "",
            "lifecycle": "in_progress",
            "rag": rags[ref],
            "impact": "emerging" if ref == "N-03" else "not_yet_evidenced",
            "reason": "",
            "evidence": "",
        }
        values |= per_ref.get(ref.replace("-", "_"), {})
        data |= {f"entries-{i}-{k}": v for k, v in values.items() if v is not None}
    return data


def _confirm_data(client, refs=OPEN_REFS, **extra) -> dict:
    return {
        "csrf_token": csrf_token(client, "/accessibility"),
        "action": [f"{ref}:1" for ref in refs],
        **extra,
    }


def _count(model, *where) -> int:
    return db.session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


def _drafts() -> dict[str, dict]:
    return dict(
        db.session.execute(
            select(Action.ref, ReturnDraft.fields).join(Action, Action.id == ReturnDraft.action_id)
        ).all()
    )


def test_the_form_shows_the_progress_the_next_action_and_the_no_change_control(client, north):
    sign_in(client, HEAD, PASSWORD)

    page = _text(client.get(RETURN))

    assert page.count("0 of 3 done") == 2  # above the actions, and by the sticky buttons
    assert re.search(
        r'<a class="govuk-link" id="next-action" accesskey="n" aria-describedby="next-action-hint"'
        r' href="#action-N-01">Next action needing attention: N-01</a>',
        page,
    )
    assert "Alt+Shift+N" in page  # the shortcut is written down beside the link
    assert 'name="no_change"' in page
    assert 'value="No change for every action I have not touched"' in page
    assert "returns.js" in page


def test_the_control_saves_what_was_typed_then_asks_to_confirm_the_rest(client, north):
    sign_in(client, HEAD, PASSWORD)

    response = client.post(
        RETURN, data=_form(client, "no_change", N_02={"summary": "Two audits done."})
    )

    assert response.status_code == 302
    assert response.headers["Location"] == CONFIRM
    assert _drafts()["N-02"]["summary"] == "Two audits done."
    page = _text(client.get(CONFIRM))
    assert "2 actions of 3 will be marked “no change this cycle”" in page
    assert "Mark 2 actions as no change" in page
    assert re.findall(r'name="action" value="([^"]+)"', page) == ["N-01:1", "N-03:1"]
    assert "N-02" not in page.split('id="no-change-actions"')[1]  # touched: not listed
    assert _count(AuditEvent, AuditEvent.kind == KIND) == 0  # nothing marked before confirming


def test_confirming_marks_them_and_the_return_counts_every_action_done(client, north):
    sign_in(client, HEAD, PASSWORD)
    client.post(RETURN, data=_form(client, "no_change", N_02={"summary": "Two audits done."}))

    response = client.post(CONFIRM, data=_confirm_data(client, ["N-01", "N-03"]))

    assert response.status_code == 302
    assert response.headers["Location"] == RETURN
    page = _text(client.get(RETURN))
    assert "2 actions marked “no change this cycle”" in page
    assert page.count("3 of 3 done") == 2
    assert re.search(r'id="next-action"[^>]* hidden>', page)  # nothing left needing attention
    drafts = _drafts()
    assert drafts["N-02"]["summary"] == "Two audits done."
    assert drafts["N-01"]["confirm_unchanged"] and drafts["N-03"]["confirm_unchanged"]
    [event] = db.session.execute(select(AuditEvent).where(AuditEvent.kind == KIND)).scalars()
    assert event.detail == {"actions": 2, "refs": "N-01, N-03"}

    # Submitting the return as drawn writes one update per action, the marked ones unchanged.
    data = _form(
        client,
        "submit",
        N_01={"confirm_unchanged": "y"},
        N_02={"summary": "Two audits done."},
        N_03={"confirm_unchanged": "y"},
    )
    assert client.post(RETURN, data=data).status_code == 302
    cycle3 = north["cycles"][3].id
    rows = db.session.execute(select(ActionUpdate).where(ActionUpdate.cycle_id == cycle3))
    assert sorted(r.summary for r in rows.scalars()) == ["Agreed.", "Agreed.", "Two audits done."]


def test_the_confirmation_posted_twice_marks_nothing_the_second_time(client, north):
    sign_in(client, HEAD, PASSWORD)
    data = _confirm_data(client)
    assert client.post(CONFIRM, data=data).status_code == 302

    response = client.post(CONFIRM, data=data)

    assert response.status_code == 302
    page = _text(client.get(RETURN))
    assert "Nothing was marked: every action listed already has an entry" in page
    assert _count(AuditEvent, AuditEvent.kind == KIND) == 1
    assert _count(ReturnDraft) == 3


def test_a_submitted_return_has_nothing_to_mark_and_a_post_is_refused(client, north):
    make_locality_return(cycle=north["cycles"][3], by=north["people"]["head"])
    db.session.commit()
    sign_in(client, HEAD, PASSWORD)

    page = _text(client.get(CONFIRM))
    assert "This return has already been submitted, so there is nothing to mark." in page
    assert "Mark " not in page

    response = client.post(CONFIRM, data=_confirm_data(client))

    assert response.status_code == 400
    page = _text(response)
    assert "There is a problem" in page
    assert "This return has already been submitted. Nothing was marked." in page
    assert _count(ReturnDraft) == 0 and _count(AuditEvent, AuditEvent.kind == KIND) == 0


def test_a_cycle_not_open_yet_has_nothing_to_mark(client, north):
    sign_in(client, HEAD, PASSWORD)

    page = _text(client.get("/returns/north/4/no-change"))
    response = client.post("/returns/north/4/no-change", data=_confirm_data(client))

    assert "Cycle 4 opens on Monday 15 February 2016: there is nothing to mark" in page
    assert response.status_code == 400
    assert "Cycle 4 opens on Monday 15 February 2016" in _text(response)
    assert _count(LocalityReturn) == 0


def test_the_head_of_another_locality_is_refused_and_nothing_is_written(client, north):
    sign_in(client, SOUTH_HEAD, PASSWORD)

    assert client.get(CONFIRM).status_code == 403
    response = client.post(CONFIRM, data=_confirm_data(client))

    assert response.status_code == 403
    assert _count(LocalityReturn) == 0 and _count(ReturnDraft) == 0
    assert _count(AuditEvent, AuditEvent.kind == KIND) == 0
    targets = db.session.execute(
        select(AuditEvent.target).where(AuditEvent.kind == "permission_refused")
    ).scalars()
    assert list(targets) == [CONFIRM, CONFIRM]


def test_the_confirmation_without_its_csrf_token_writes_nothing(client, north):
    sign_in(client, HEAD, PASSWORD)

    response = client.post(CONFIRM, data={"action": ["N-01:1"]})

    assert response.status_code == 400
    assert _count(ReturnDraft) == 0 and _count(AuditEvent, AuditEvent.kind == KIND) == 0


def test_an_unknown_return_is_404(client, north):
    sign_in(client, HEAD, PASSWORD)
    assert client.get("/returns/north/99/no-change").status_code == 404


def test_the_compact_view_has_one_line_per_action_that_opens_for_editing(client, north):
    sign_in(client, HEAD, PASSWORD)
    client.post(
        RETURN + "?view=compact",
        data=_form(client, N_01={"summary": "Audit done."}, N_02={"rag": "red"}),
    )

    page = _text(client.get(RETURN + "?view=compact"))

    lines = re.findall(
        r'<details class="govuk-details tracker-return-line">\s*'
        r'<summary class="govuk-details__summary"><span class="govuk-details__summary-text">'
        r"(N-0\d): Action \d+</span>.*?>(Green|Amber|Red)</strong> "
        r'<strong class="govuk-tag tracker-tag tracker-return-state[^"]*" id="state-N-0\d">'
        r"([^<]+)</strong></summary>",
        page,
        re.S,
    )
    assert lines == [
        ("N-01", "Green", "Done"),
        ("N-02", "Amber", "Started"),  # RAG changed, no summary yet
        ("N-03", "Red", "Not touched"),
    ]
    # Each line holds its action's fields, in the one form that saves and submits them all.
    assert len(re.findall(r'name="entries-\d+-summary"', page)) == 3
    assert "1 of 3 done" in page and "Next action needing attention: N-02" in page
    assert "Show every action in full" in page
    full = _text(client.get(RETURN))
    assert "tracker-return-line" not in full and "Show one line per action" in full


def test_saving_in_the_compact_view_comes_back_to_it(client, north):
    sign_in(client, HEAD, PASSWORD)

    saved = client.post(RETURN + "?view=compact", data=_form(client))
    to_confirm = client.post(RETURN + "?view=compact", data=_form(client, "no_change"))
    confirmed = client.post(CONFIRM, data=_confirm_data(client, view="compact"))

    assert saved.headers["Location"] == RETURN + "?view=compact"
    assert to_confirm.headers["Location"] == CONFIRM + "?view=compact"
    assert confirmed.headers["Location"] == RETURN + "?view=compact"


def test_a_reopened_return_offers_no_marking(client, north):
    make_locality_return(cycle=north["cycles"][3], by=north["people"]["head"])
    db.session.commit()
    sign_in(client, HEAD, PASSWORD)
    client.post(RETURN + "/reopen", data={"csrf_token": csrf_token(client, "/accessibility")})

    page = _text(client.get(RETURN))
    confirm = _text(client.get(CONFIRM))

    assert 'name="entries-0-summary"' in page and 'name="no_change"' not in page
    assert "3 of 3 done" in page  # reopened: every entry starts as "no change"
    assert "This return is reopened for amendment" in confirm


def test_the_accessibility_statement_documents_the_shortcut(client, north):
    page = _text(client.get("/accessibility"))
    assert "Alt+Shift+N" in page and "next action needing attention" in page
