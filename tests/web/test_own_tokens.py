"""A JSIG member (viewer), like anyone who may export, makes and revokes their own read-only API
tokens on /account/api-tokens (issue 18.4), with the same expiry rules as the admin's tokens."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from types import SimpleNamespace

import pytest
from flask import g
from sqlalchemy import func, select

from tests.builders import make_user
from tests.conftest import csrf_token, sign_in
from tracker.extensions import db
from tracker.models import ApiToken, AuditEvent, Challenge
from tracker.services.access import auth

PASSWORD = "a-long-test-password"
PAGE = "/account/api-tokens"
NOW = datetime(2016, 2, 5, 10, 0, tzinfo=UTC)


@pytest.fixture
def member(client):
    user = make_user(role="viewer", email="jsig.member@trust.example")
    db.session.commit()
    sign_in(client, user.email, PASSWORD)
    return SimpleNamespace(id=user.id, email=user.email)


def _form(client, **fields) -> dict:
    return {"csrf_token": csrf_token(client, PAGE), **fields}


def _make(client, label="Board pack sheet", day=("5", "5", "2016")):
    return client.post(PAGE, data=_form(client, label=label, expires_on=list(day)))


def _errors(response) -> list[str]:
    html = response.get_data(as_text=True)
    assert "govuk-error-summary" in html
    summary = html[
        html.index("govuk-error-summary") : html.index("</ul>", html.index("govuk-error-summary"))
    ]
    return [
        re.sub(r"\s+", " ", t).strip()
        for t in re.findall(r'<a href="#[^"]*">(.*?)</a>', summary, re.S)
    ]


def _api(app):
    """A client with no session. The test's app context outlives requests, so forget who the
    member's requests signed in (`g` holds it), as a new request would."""
    g.pop("_login_user", None)
    g.pop("token_read_only", None)
    g.pop("token_problem", None)
    return app.test_client()


def _count() -> int:
    return db.session.execute(select(func.count()).select_from(ApiToken)).scalar_one()


def test_a_jsig_member_makes_a_read_only_token_shown_once_that_reads_and_never_writes(
    client, member, app
):
    page = client.get(PAGE)
    assert page.status_code == 200 and "You have no API tokens" in page.get_data(as_text=True)
    assert page.headers["Cache-Control"] == "no-store"
    made = _make(client)
    html = made.get_data(as_text=True)
    assert made.status_code == 200 and made.headers["Cache-Control"] == "no-store"
    token = re.search(r"<code>(trk_[^<]+)</code>", html).group(1)
    assert "End of Thursday 5 May 2016" in html and "Live" in html
    assert token not in client.get(PAGE).get_data(as_text=True)  # shown once
    row = db.session.execute(select(ApiToken)).scalar_one()
    assert row.read_only and row.user_id == member.id and row.token_hash != token
    db.session.remove()

    api = _api(app)
    bearer = {"Authorization": f"Bearer {token}"}
    assert api.get("/api/v1/recommendations", headers=bearer).status_code == 200
    wrote = api.post("/api/v1/challenges", json={"question": "Why?"}, headers=bearer)
    assert wrote.status_code == 403 and "read-only" in wrote.json["detail"]
    assert db.session.execute(select(func.count()).select_from(Challenge)).scalar_one() == 0


def test_a_token_the_admin_made_still_writes(client, member, app):
    """Only tokens made on the account page are read-only."""
    token = auth.create_token_for(member.id, now=NOW, label="admin's")
    assert db.session.execute(select(ApiToken.read_only)).scalar_one() is False
    db.session.remove()
    bearer = {"Authorization": f"Bearer {token}"}
    wrote = _api(app).post("/api/v1/challenges", json={}, headers=bearer)
    assert wrote.status_code == 422  # read, then refused for what it sent, not for the token


@pytest.mark.parametrize(
    ("label", "day", "message"),
    [
        ("", ("5", "5", "2016"), "Enter what the token is for"),
        ("x" * 101, ("5", "5", "2016"), "The label must be 100 characters or fewer"),
        ("sheet", ("4", "2", "2016"), "The expiry date must be today (5 February 2016) or later"),
        (
            "sheet",
            ("6", "2", "2017"),
            "The expiry date must be 5 February 2017 or earlier: a token lasts at most a year",
        ),
        ("sheet", ("30", "2", "2016"), "The date the token expires must be a real date"),
        ("sheet", ("", "", ""), "Enter the date the token expires"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message_and_nothing_written(
    client, member, label, day, message
):
    refused = _make(client, label=label, day=day)
    assert refused.status_code == 400 and _errors(refused) == [message]
    assert _count() == 0


def test_a_second_live_token_with_the_same_name_is_refused(client, member):
    assert _make(client, label="Board pack sheet").status_code == 200
    again = _make(client, label="board pack SHEET")
    assert again.status_code == 400
    assert _errors(again) == [
        "You already have a live token called “board pack SHEET”: choose another name, "
        "or revoke that one first"
    ]
    assert _count() == 1


def test_a_nul_byte_is_refused_and_nothing_written(client, member):
    for label, day in (("sheet\x00", ("5", "5", "2016")), ("sheet", ("5\x00", "5", "2016"))):
        refused = _make(client, label=label, day=day)
        assert refused.status_code == 400
        assert "a character that is not text (a NUL byte" in refused.get_data(as_text=True)
    assert _count() == 0


def test_a_member_revokes_their_own_token_and_never_anyone_elses(client, member, app):
    other = make_user(role="viewer")
    db.session.commit()
    theirs = auth.create_token_for(other.id, now=NOW, label="theirs")
    _make(client)
    mine, other_row = sorted(
        db.session.execute(select(ApiToken)).scalars(), key=lambda t: t.user_id != member.id
    )
    mine_id, other_id = mine.id, other_row.id
    db.session.remove()

    for token_id in (other_id, 999999):
        refused = client.post(f"{PAGE}/{token_id}/revoke", data=_form(client, confirm="yes"))
        assert refused.status_code == 404
    empty = client.post(f"{PAGE}/{mine_id}/revoke", data=_form(client))
    assert empty.status_code == 400
    assert (
        db.session.execute(select(ApiToken.revoked_at).where(ApiToken.id == other_id)).scalar_one()
        is None
    )
    db.session.remove()

    done = client.post(f"{PAGE}/{mine_id}/revoke", data=_form(client, confirm="yes"))
    assert done.status_code == 302 and done.headers["Location"].endswith(PAGE)
    assert "Revoked" in client.get(PAGE).get_data(as_text=True)
    assert db.session.get(ApiToken, mine_id).revoked_at is not None
    assert db.session.get(ApiToken, other_id).revoked_at is None
    [event] = db.session.execute(
        select(AuditEvent).where(AuditEvent.kind == "token_revoked")
    ).scalars()
    assert event.user_id == member.id and event.detail["count"] == 1
    db.session.remove()
    bearer = {"Authorization": f"Bearer {theirs}"}
    assert _api(app).get("/api/v1/recommendations", headers=bearer).status_code == 200


def test_the_list_shows_expired_tokens_as_expired_with_no_revoke_button(client, member):
    auth.create_token_for(
        member.id,
        now=datetime(2015, 3, 1, 9, tzinfo=UTC),
        label="old",
        expires_on=date(2015, 5, 1),
        read_only=True,
    )
    html = client.get(PAGE).get_data(as_text=True)
    row = re.sub(r"<[^>]+>|\s+", " ", html.split('id="tokens"')[1].split("</table>")[0])
    assert "End of Friday 1 May 2015" in row and "Expired" in row
    assert "Revoke" not in row.split("old", 1)[1]  # no button: it no longer works
    # An expired name may be used again.
    assert _make(client, label="old").status_code == 200


@pytest.mark.parametrize("role", ["action_lead", "locality_head"])
def test_who_may_not_export_gets_no_token_page(client, role):
    user = make_user(role=role, locality="north" if role == "locality_head" else None)
    db.session.commit()
    sign_in(client, user.email, PASSWORD)
    assert client.get(PAGE).status_code == 403
    assert (
        client.post(PAGE, data=_form(client, label="x", expires_on=["5", "5", "2016"])).status_code
        == 403
    )
    assert _count() == 0


def test_the_list_says_when_each_token_was_last_used(client, member, app):
    """Marked when it signs a request in, at most once an hour."""
    _make(client)
    assert "Never" in client.get(PAGE).get_data(as_text=True)
    token = auth.create_token_for(member.id, now=NOW, label="script")
    db.session.remove()
    api = _api(app)
    bearer = {"Authorization": f"Bearer {token}"}
    assert api.get("/api/v1/recommendations", headers=bearer).status_code == 200
    row = db.session.execute(select(ApiToken).where(ApiToken.label == "script")).scalar_one()
    first = row.last_used_at
    assert first is not None and first.date().isoformat() == "2016-02-05"
    db.session.remove()
    assert _api(app).get("/api/v1/recommendations", headers=bearer).status_code == 200
    again = db.session.execute(select(ApiToken.last_used_at).where(ApiToken.label == "script"))
    assert again.scalar_one() == first  # not written again within the hour
    db.session.remove()
    g.pop("_login_user", None)
    html = client.get(PAGE).get_data(as_text=True)
    row_html = re.sub(
        r"<[^>]+>|\s+",
        " ",
        html.split("script (made by the administrator)", 1)[1].split("</tr>")[0],
    )
    assert "5 February 2016 at" in row_html
