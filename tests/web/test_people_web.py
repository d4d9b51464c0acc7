"""The admin's people and outbox pages, and the public invitation link, through the test client."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from flask import g
from sqlalchemy import func, select

from tests.builders import get_or_make_locality, make_action, make_outbox_message, make_user
from tests.conftest import csrf_token, sign_in
from tracker.extensions import db
from tracker.models import Action, Invitation, OutboxMessage, User
from tracker.services.access import invitations, people

PASSWORD = "a-long-test-password"
NOW = datetime(2016, 2, 5, 10, 0, tzinfo=UTC)
# The app's clock is the demo day (5 February 2016) at the real time of day: a link sent the
# day before still works, one sent on the 2nd has expired.
SENT = datetime(2016, 2, 4, 12, 0, tzinfo=UTC)


@pytest.fixture
def admin(client):
    user = make_user(role="admin", email="admin@trust.example")
    db.session.commit()
    sign_in(client, user.email, PASSWORD)
    return user


def _form(client, path: str, **fields) -> dict:
    return {"csrf_token": csrf_token(client, path), **fields}


def _invite_fields(org_id: int, **overrides) -> dict:
    return {
        "name": "Sam Newcombe",
        "email": "sam.newcombe@trust.example",
        "job_title": "Team manager",
        "organisation_id": str(org_id),
        "role": "action_lead",
        "locality_id": "",
        "line_manager_id": "",
        "deputy_locality_id": "",
    } | overrides


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


def _count(model) -> int:
    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def test_an_admin_invites_a_person_and_the_email_waits_in_the_outbox(client, admin):
    response = client.post(
        "/admin/users/invite",
        data=_form(client, "/admin/users/invite", **_invite_fields(admin.organisation_id)),
    )
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Invitation sent to sam.newcombe@trust.example" in page
    assert "invited, no password yet" in page
    message = db.session.execute(select(OutboxMessage)).scalar_one()
    assert "/invitations/" in message.body_text and message.status == "pending"


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"email": "not-an-email"}, "Enter an email address in the correct format"),
        ({"email": ""}, "Enter an email address: the invitation is sent there"),
        ({"email": "admin@trust.example"}, "Someone already has the email address"),
        ({"name": "S" * 201}, "Field cannot be longer than 200 characters"),
        ({"email": "a" * 250 + "@trust.example"}, "254 characters or fewer"),
        ({"organisation_id": str(2**70)}, "Not a valid choice"),
        ({"role": "superuser"}, "Not a valid choice"),
        ({"role": "locality_head"}, "Choose the area this head of service leads"),
        ({"line_manager_id": "99999"}, "Not a valid choice"),
    ],
)
def test_a_bad_invitation_gets_an_error_summary_and_writes_nothing(client, admin, overrides, error):
    fields = _invite_fields(admin.organisation_id, **overrides)
    response = client.post(
        "/admin/users/invite", data=_form(client, "/admin/users/invite", **fields)
    )
    assert response.status_code == 400
    assert any(error in e for e in _errors(response)), _errors(response)
    assert _count(OutboxMessage) == 0 and _count(Invitation) == 0
    assert _count(User) == 1


@pytest.mark.parametrize("overrides", [{"name": "Sam\x00Newcombe"}, {"organisation_id": "x\x00"}])
def test_a_nul_byte_in_an_invitation_is_refused_at_the_edge_and_writes_nothing(
    client, admin, overrides
):
    fields = _invite_fields(admin.organisation_id, **overrides)
    response = client.post(
        "/admin/users/invite", data=_form(client, "/admin/users/invite", **fields)
    )
    assert response.status_code == 400
    assert "not text (a NUL byte" in response.get_data(as_text=True)
    assert _count(OutboxMessage) == 0 and _count(Invitation) == 0
    assert _count(User) == 1


def test_a_form_without_its_csrf_token_is_refused(client, admin):
    fields = _invite_fields(admin.organisation_id)
    response = client.post("/admin/users/invite", data=fields)
    assert response.status_code == 400
    assert "Your form expired" in response.get_data(as_text=True)
    assert _count(User) == 1


def _invitation(now=None) -> tuple[User, str]:
    admin = make_user(role="admin")
    person = invitations.invite_person(
        people.PersonDetails(
            name="Sam Newcombe",
            email="sam.newcombe@trust.example",
            job_title="",
            organisation_id=admin.organisation_id,
            role="viewer",
        ),
        actor_id=admin.id,
        now=now or SENT,
        lifetime=timedelta(hours=48),
        base_url="http://tracker.example",
    )
    body = db.session.execute(select(OutboxMessage.body_text)).scalar_one()
    return person, re.search(r"/invitations/\S+", body).group(0)


def test_the_link_sets_a_password_once_and_says_so_the_second_time(client):
    person, path = _invitation()
    page = client.get(path)
    assert page.status_code == 200 and "Set your password" in page.get_data(as_text=True)
    short = client.post(path, data=_form(client, path, password="short", confirm="short"))
    assert short.status_code == 400
    assert "The password must be at least 12 characters" in _errors(short)
    mismatch = client.post(
        path, data=_form(client, path, password="a-good-password", confirm="a-good-passwerd")
    )
    assert "The passwords do not match" in _errors(mismatch)
    done = client.post(
        path, data=_form(client, path, password="a-good-password", confirm="a-good-password")
    )
    assert done.status_code == 302 and done.headers["Location"] == "/sign-in"
    sign_in(client, "sam.newcombe@trust.example", "a-good-password")
    g.pop("_login_user", None)
    again = client.get(path)
    assert again.status_code == 410
    assert "This link has already been used" in again.get_data(as_text=True)


def test_a_link_after_48_hours_says_it_has_expired(client):
    _, path = _invitation(now=datetime(2016, 2, 2, 12, 0, tzinfo=UTC))
    response = client.get(path)
    assert response.status_code == 410
    html = response.get_data(as_text=True)
    assert "This link has expired" in html and "48 hours" in html
    posted = client.post(
        path, data=_form(client, "/sign-in", password="a-good-password", confirm="a-good-password")
    )
    assert posted.status_code == 410  # the state is checked before the form


@pytest.mark.parametrize("path", ["/invitations/nonsense", "/invitations/" + "x" * 500])
def test_an_unknown_link_says_it_does_not_work(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert "This link does not work" in response.get_data(as_text=True)


def test_a_link_with_a_nul_byte_is_not_found_before_any_lookup(client):
    response = client.get("/invitations/%00")
    assert response.status_code == 404  # refused at the edge, as every path with a NUL is


def test_marking_a_person_as_left_needs_confirming_and_ends_their_session(client, app):
    leaver = make_user(email="leaver@trust.example")
    admin = make_user(role="admin", email="admin@trust.example")
    db.session.commit()
    sign_in(client, leaver.email, PASSWORD)
    assert client.get("/").status_code == 200
    people.mark_left(leaver.id, actor_id=admin.id, now=NOW)
    g.pop("_login_user", None)
    response = client.get("/")
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]
    token = csrf_token(client, "/sign-in")
    refused = client.post(
        "/sign-in", data={"email": leaver.email, "password": PASSWORD, "csrf_token": token}
    )
    assert refused.status_code == 400


def test_the_leave_page_refuses_without_the_box_ticked_and_for_yourself(client, admin):
    other = make_user()
    db.session.commit()
    unticked = client.post(f"/admin/users/{other.id}/leave", data=_form(client, "/admin/users"))
    assert unticked.status_code == 400
    assert "Confirm that they can no longer sign in" in _errors(unticked)
    self_leave = client.post(
        f"/admin/users/{admin.id}/leave",
        data=_form(client, "/admin/users", confirm="y", left_on=["5", "2", "2016"]),
    )
    assert self_leave.status_code == 400
    assert any("cannot mark yourself" in e for e in _errors(self_leave))
    done = client.post(
        f"/admin/users/{other.id}/leave",
        data=_form(client, "/admin/users", confirm="y", left_on=["5", "2", "2016"]),
    )
    assert done.status_code == 302
    assert not db.session.get(User, other.id).active


def test_the_people_page_says_whom_a_leavers_actions_are_chased_through(client, admin):
    manager = make_user()
    leaver = make_user()
    leaver.line_manager_id = manager.id
    make_action(lead=leaver)
    db.session.commit()
    people.mark_left(leaver.id, actor_id=admin.id, now=NOW)
    html = client.get("/admin/users").get_data(as_text=True)
    assert f"1 open action: actions now chased through {manager.name}" in html


def test_reassigning_a_leavers_actions_from_the_person_page(client, admin):
    leaver = make_user()
    successor = make_user()
    action = make_action(lead=leaver)
    db.session.commit()
    path = f"/admin/users/{leaver.id}"
    bad = client.post(f"{path}/reassign", data=_form(client, path, to_user_id=str(2**63)))
    assert bad.status_code == 400 and "Not a valid choice." in _errors(bad)
    done = client.post(f"{path}/reassign", data=_form(client, path, to_user_id=str(successor.id)))
    assert done.status_code == 302
    assert db.session.get(Action, action.id).lead_user_id == successor.id
    assert f"1 action(s) reassigned: {action.ref}" in client.get(path).get_data(as_text=True)


def test_naming_a_deputy_where_there_is_one_replaces_them_and_says_so(client, admin):
    first = make_user(deputy_for="central")
    second = make_user()
    central = get_or_make_locality("central")
    db.session.commit()
    path = f"/admin/users/{second.id}"
    fields = _invite_fields(
        admin.organisation_id,
        name=second.name,
        email=second.email,
        deputy_locality_id=str(central.id),
    )
    response = client.post(path, data=_form(client, path, **fields))
    assert response.status_code == 302
    page = client.get(path).get_data(as_text=True)
    assert f"They replace {first.email} as the area&#39;s deputy" in page
    db.session.expire_all()
    assert db.session.get(User, first.id).deputy_locality_id is None


def test_changing_an_address_says_the_old_one_has_been_told(client, admin):
    person = make_user()
    old = person.email
    db.session.commit()
    path = f"/admin/users/{person.id}"
    fields = _invite_fields(admin.organisation_id, name=person.name, email="moved@trust.example")
    assert client.post(path, data=_form(client, path, **fields)).status_code == 302
    page = client.get(path).get_data(as_text=True)
    assert f"{old} has been told of the new address." in page
    [to] = db.session.execute(
        select(OutboxMessage.to_address).where(OutboxMessage.recipient_id == person.id)
    ).scalars()
    assert to == old


@pytest.mark.parametrize("path", ["/admin/users/999999", "/admin/users/99999999999999999999/leave"])
def test_an_unknown_person_is_a_404(client, admin, path):
    assert client.get(path).status_code == 404


def test_an_api_token_is_shown_once_and_can_be_revoked(client, admin):
    person = make_user()
    db.session.commit()
    path = f"/admin/users/{person.id}"
    empty = client.post(f"{path}/tokens", data=_form(client, path, label=""))
    assert empty.status_code == 400 and "Enter what the token is for" in _errors(empty)
    made = client.post(
        f"{path}/tokens", data=_form(client, path, label="dashboard", expires_on=["5", "5", "2016"])
    )
    html = made.get_data(as_text=True)
    assert made.status_code == 200
    token = re.search(r"<code>(trk_[^<]+)</code>", html).group(1)
    assert token not in client.get(path).get_data(as_text=True)  # shown once
    revoked = client.post(f"{path}/tokens/revoke", data=_form(client, path, confirm="yes"))
    assert revoked.status_code == 302
    assert "1 API token(s) revoked" in client.get(path).get_data(as_text=True)


def test_the_token_form_offers_90_days_and_the_list_shows_expiry_and_expired(client, admin):
    from tracker.models import ApiToken

    person = make_user()
    db.session.add(
        ApiToken(
            user_id=person.id,
            token_hash="0" * 64,
            label="old sheet",
            created_at=NOW - timedelta(days=100),
            expires_at=NOW - timedelta(days=10),
        )
    )
    db.session.commit()
    path = f"/admin/users/{person.id}"
    html = client.get(path).get_data(as_text=True)
    for box, value in (("day", "05"), ("month", "05"), ("year", "2016")):
        assert re.search(rf'id="expires_on-{box}"[^>]*value="{value}"', html) or re.search(
            rf'value="{value}"[^>]*id="expires_on-{box}"', html
        )
    made = client.post(
        f"{path}/tokens", data=_form(client, path, label="new", expires_on=["1", "3", "2016"])
    )
    table = made.get_data(as_text=True).split('id="tokens"')[1].split("</table>")[0]
    rows = [re.sub(r"<[^>]+>|\s+", " ", r) for r in table.split("<tr")[2:]]
    assert "End of Tuesday 1 March 2016" in rows[0] and "Live" in rows[0]
    assert "End of Tuesday 26 January 2016" in rows[1] and "Expired" in rows[1]


@pytest.mark.parametrize(
    ("day", "message"),
    [
        (["4", "2", "2016"], "The expiry date must be today (5 February 2016) or later"),
        (
            ["6", "2", "2017"],
            "The expiry date must be 5 February 2017 or earlier: a token lasts at most a year",
        ),
        (["31", "2", "2016"], "The date the token expires must be a real date"),
        (["next", "week", ""], "The date the token expires must include a year"),
        (["", "", ""], "Enter the date the token expires"),
    ],
)
def test_a_bad_token_expiry_date_is_refused_and_nothing_is_written(client, admin, day, message):
    from tracker.models import ApiToken

    person = make_user()
    db.session.commit()
    path = f"/admin/users/{person.id}"
    refused = client.post(f"{path}/tokens", data=_form(client, path, label="x", expires_on=day))
    assert refused.status_code == 400
    assert _errors(refused) == [message]
    assert 'href="#expires_on-day"' in refused.get_data(as_text=True)
    assert db.session.execute(select(func.count()).select_from(ApiToken)).scalar_one() == 0


def test_a_nul_byte_in_the_token_form_is_refused_and_nothing_is_written(client, admin):
    from tracker.models import ApiToken

    person = make_user()
    db.session.commit()
    path = f"/admin/users/{person.id}"
    for fields in ({"expires_on": ["5\x00", "5", "2016"]}, {"label": "x\x00"}):
        data = _form(client, path, label="x", expires_on=["5", "5", "2016"]) | fields
        refused = client.post(f"{path}/tokens", data=data)
        assert refused.status_code == 400
        assert "a character that is not text (a NUL byte" in refused.get_data(as_text=True)
    assert db.session.execute(select(func.count()).select_from(ApiToken)).scalar_one() == 0


def test_a_message_page_shows_the_bodies_as_escaped_source_and_its_links(client, admin):
    message = make_outbox_message(
        to=admin,
        status="failed",
        attempts=8,
        last_error="smtp.example:25: connection refused",
        body_html='<p>Hi</p><script>alert(1)</script><a href="http://tracker.example/x">x</a>',
    )
    db.session.commit()
    response = client.get(f"/admin/outbox/{message.id}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert" not in html
    assert "http://tracker.example/x" in html
    assert "smtp.example:25: connection refused" in html
    resent = client.post(
        f"/admin/outbox/{message.id}/resend",
        data=_form(client, f"/admin/outbox/{message.id}", confirm="yes"),
    )
    assert resent.status_code == 302
    assert db.session.get(OutboxMessage, message.id).status == "pending"
    again = client.post(
        f"/admin/outbox/{message.id}/resend",
        data=_form(client, f"/admin/outbox/{message.id}", confirm="yes"),
    )
    assert again.status_code == 302
    assert "only a failed message is resent" in client.get(f"/admin/outbox/{message.id}").get_data(
        as_text=True
    )


@pytest.mark.parametrize("path", ["/admin/outbox/999999", "/admin/outbox/99999999999999999999"])
def test_an_unknown_message_is_a_404(client, admin, path):
    assert client.get(path).status_code == 404


def test_resending_an_unknown_message_is_a_404(client, admin):
    response = client.post(
        "/admin/outbox/99999999999/resend", data=_form(client, "/admin/users", confirm="yes")
    )
    assert response.status_code == 404


def test_a_person_whose_line_manager_left_keeps_them_when_other_details_change(client, admin):
    manager = make_user()
    person = make_user()
    person.line_manager_id = manager.id
    db.session.commit()
    people.mark_left(manager.id, actor_id=admin.id, now=NOW)
    path = f"/admin/users/{person.id}"
    html = client.get(path).get_data(as_text=True)
    assert f"{manager.name} (left)" in html
    fields = _invite_fields(
        admin.organisation_id,
        name="Renamed Person",
        email=person.email,
        line_manager_id=str(manager.id),
    )
    assert client.post(path, data=_form(client, path, **fields)).status_code == 302
    db.session.expire_all()
    assert db.session.get(User, person.id).line_manager_id == manager.id


@pytest.mark.parametrize(
    "suffix", ["", "/leave", "/reassign", "/reinvite", "/tokens", "/tokens/revoke"]
)
def test_every_people_form_without_its_csrf_token_is_refused_and_writes_nothing(
    client, admin, suffix
):
    person = make_user()
    make_action(lead=person)
    db.session.commit()
    response = client.post(
        f"/admin/users/{person.id}{suffix}",
        data={"confirm": "y", "label": "x", "to_user_id": str(admin.id), "name": "Changed"},
    )
    assert response.status_code == 400
    db.session.expire_all()
    kept = db.session.get(User, person.id)
    assert kept.active and kept.name != "Changed"
    assert _count(Invitation) == 0
    assert db.session.execute(select(Action.lead_user_id)).scalar_one() == person.id


def test_guessing_at_one_link_is_slowed_down_like_signing_in(client):
    _, path = _invitation()
    token = csrf_token(client, path)
    codes = [
        client.post(
            path, data={"csrf_token": token, "password": "short", "confirm": "x"}
        ).status_code
        for _ in range(6)
    ]
    assert codes == [400] * 5 + [429]


def test_a_message_page_lists_every_delivery_attempt_with_its_outcome(client, admin):
    from datetime import timedelta

    from tracker.services.mail import outbox

    message = make_outbox_message(to=admin)
    db.session.commit()
    when = message.next_attempt_at
    unreachable = outbox.SmtpSettings("127.0.0.1", 1, False, None, None, "t@trust.example")
    outbox.send_pending(now=when, smtp=unreachable)  # attempt 1: refused
    outbox.send_pending(now=when + timedelta(hours=7), smtp=unreachable)  # attempt 2
    html = client.get(f"/admin/outbox/{message.id}").get_data(as_text=True)
    table = html.split('id="delivery-attempts"', 1)[1].split("</table>", 1)[0]
    assert table.count('<tr class="govuk-table__row">') == 3  # a header and two attempts
    assert table.count("Failed: 127.0.0.1:1:") == 2


def test_admin_changes_ask_for_the_password_again_after_a_while(client, admin):
    person_page = f"/admin/users/{admin.id}"
    assert client.get(person_page).status_code == 200  # signed in just now
    with client.session_transaction() as saved:
        saved["signed_in_at"] -= client.application.config["REAUTH_MINUTES"] * 60 + 1
    response = client.get(person_page)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/confirm-sign-in?next=")
    confirm = response.headers["Location"]
    # A token cannot be made either, however the request is sent.
    made = client.post(f"{person_page}/tokens", data=_form(client, confirm, label="x"))
    assert made.status_code == 302 and "/confirm-sign-in" in made.headers["Location"]
    wrong = client.post(confirm, data=_form(client, confirm, password="not-it"))
    assert wrong.status_code == 400
    assert "The password is not right" in wrong.get_data(as_text=True)
    right = client.post(confirm, data=_form(client, confirm, password="a-long-test-password"))
    assert right.status_code == 302 and right.headers["Location"] == person_page
    assert client.get(person_page).status_code == 200


def test_the_confirm_page_never_sends_you_off_site(client, admin):
    page = "/confirm-sign-in?next=//evil.example/x"
    with client.session_transaction() as saved:
        saved["signed_in_at"] = 0
    right = client.post(page, data=_form(client, page, password="a-long-test-password"))
    assert right.status_code == 302 and right.headers["Location"] == "/"


def _selected(html: str, select_id: str) -> list[str]:
    """The options of a select that are selected, as (value) strings."""
    body = html[html.index(f'id="{select_id}"') :]
    body = body[: body.index("</select>")]
    return re.findall(r'<option[^>]*value="([^"]*)"[^>]*selected', body)


def test_the_invite_form_preselects_no_role_and_the_inviters_organisation(client, admin):
    police = make_user(org="police")  # a second organisation, listed before the trust
    db.session.commit()
    html = client.get("/admin/users/invite").get_data(as_text=True)
    role = html[html.index('id="role"') :]
    role = role[: role.index("</select>")]
    assert re.search(r'<option[^>]*value=""[^>]*>Choose a role</option>', role), role
    assert _selected(html, "role") in ([], [""])
    assert _selected(html, "organisation_id") == [str(admin.organisation_id)]
    assert police.organisation_id != admin.organisation_id


def test_an_invitation_without_a_role_is_refused_with_choose_a_role(client, admin):
    fields = _invite_fields(admin.organisation_id, role="")
    response = client.post(
        "/admin/users/invite", data=_form(client, "/admin/users/invite", **fields)
    )
    assert response.status_code == 400
    assert "Choose a role" in _errors(response)
    assert _count(User) == 1 and _count(Invitation) == 0


def test_the_leave_page_asks_for_the_leaving_date_as_day_month_and_year(client, admin):
    other = make_user()
    db.session.commit()
    html = client.get(f"/admin/users/{other.id}/leave").get_data(as_text=True)
    assert "When did they leave?" in html
    for part in ("day", "month", "year"):
        assert f'id="left_on-{part}"' in html


@pytest.mark.parametrize(
    ("left_on", "error"),
    [
        (None, "Enter the date they left"),
        (["", "", ""], "Enter the date they left"),
        (["29", "", "2016"], "The date they left must include a month"),
        (["31", "2", "2016"], "The date they left must be a real date"),
        (["x", "2", "2016"], "The date they left must be a real date"),
        (["5", "2", "16"], "The year must include 4 numbers"),
        (["8", "2", "2016"], "must be today (5 February 2016) or earlier"),
        (["4", "2", "2006"], "must be on or after 5 February 2011"),
        (["99999999999999999999", "2", "2016"], "The date they left must be a real date"),
        (["5", "2"], "Enter the date they left"),
    ],
)
def test_a_bad_leaving_date_gets_an_error_summary_and_writes_nothing(client, admin, left_on, error):
    other = make_user()
    db.session.commit()
    fields = {"confirm": "y"} | ({"left_on": left_on} if left_on is not None else {})
    path = f"/admin/users/{other.id}/leave"
    response = client.post(path, data=_form(client, path, **fields))
    assert response.status_code == 400
    assert any(error in e for e in _errors(response)), _errors(response)
    assert 'href="#left_on-day"' in response.get_data(as_text=True)
    person = db.session.get(User, other.id)
    assert person.active and person.left_on is None


def test_a_nul_byte_in_the_leaving_date_is_refused_and_writes_nothing(client, admin):
    other = make_user()
    db.session.commit()
    path = f"/admin/users/{other.id}/leave"
    response = client.post(
        path, data=_form(client, path, confirm="y", left_on=["5\x00", "2", "2016"])
    )
    assert response.status_code == 400
    assert db.session.get(User, other.id).active


def test_the_leaving_date_is_kept_and_shown_on_the_person_and_people_pages(client, admin):
    other = make_user()
    db.session.commit()
    path = f"/admin/users/{other.id}/leave"
    done = client.post(path, data=_form(client, path, confirm="y", left_on=[" 29 ", "01", "2016"]))
    assert done.status_code == 302
    assert db.session.get(User, other.id).left_on == date(2016, 1, 29)
    assert "left on Friday 29 January 2016" in client.get(f"/admin/users/{other.id}").get_data(
        as_text=True
    )
    assert "left on Friday 29 January 2016" in client.get("/admin/users").get_data(as_text=True)


def test_an_invitation_link_is_never_readable_in_the_outbox(client, admin):
    person, path = _invitation(now=datetime(2016, 2, 5, 9, 0, tzinfo=UTC))
    message = db.session.execute(select(OutboxMessage)).scalar_one()
    token = path.rsplit("/", 1)[1]
    html = client.get(f"/admin/outbox/{message.id}").get_data(as_text=True)
    assert token not in html
    assert "one-time link, hidden" in html


def test_an_admin_cannot_reinvite_a_person_who_has_set_a_password(client, admin):
    person = make_user(role="chair", email="chair@trust.example")  # has a password
    db.session.commit()
    page = client.get(f"/admin/users/{person.id}").get_data(as_text=True)
    assert f"/admin/users/{person.id}/reinvite" not in page
    assert "Forgot your password?" in page
    response = client.post(
        f"/admin/users/{person.id}/reinvite",
        data=_form(client, f"/admin/users/{person.id}", confirm="yes"),
        follow_redirects=True,
    )
    assert "cannot be invited again" in response.get_data(as_text=True)
    assert _count(OutboxMessage) == 0 and _count(Invitation) == 0


def test_an_old_admin_link_never_replaces_a_password_set_since(client):
    person, path = _invitation(now=datetime(2016, 2, 5, 9, 0, tzinfo=UTC))
    person.password_hash = "scrypt:set-by-another-link"  # set since, by another way
    db.session.commit()
    done = client.post(
        path, data=_form(client, path, password="a-good-password", confirm="a-good-password")
    )
    assert done.status_code != 302
    assert db.session.get(type(person), person.id).password_hash == "scrypt:set-by-another-link"


def test_forgot_your_password_sends_a_link_to_the_person_only_and_reads_the_same_either_way(
    client,
):
    person = make_user(role="chair", email="chair@trust.example")
    db.session.commit()
    known = client.post(
        "/forgot-password", data=_form(client, "/forgot-password", email="chair@trust.example")
    )
    unknown = client.post(
        "/forgot-password", data=_form(client, "/forgot-password", email="nobody@trust.example")
    )
    assert known.status_code == unknown.status_code == 200
    assert "Check your email" in known.get_data(as_text=True)
    assert "Check your email" in unknown.get_data(as_text=True)
    message = db.session.execute(select(OutboxMessage)).scalar_one()  # one: to the real account
    assert message.to_address == "chair@trust.example"
    path = re.search(r"/invitations/\S+", message.body_text).group(0)
    done = client.post(
        path,
        data=_form(client, path, password="a-new-good-password", confirm="a-new-good-password"),
    )
    assert done.status_code == 302
    sign_in(client, "chair@trust.example", "a-new-good-password")
    assert person.id


def test_forgot_your_password_refuses_a_bad_address_with_an_error_summary(client):
    response = client.post(
        "/forgot-password", data=_form(client, "/forgot-password", email="not an email")
    )
    assert response.status_code == 400
    assert _errors(response) == [
        "Enter an email address in the correct format, like name@example.org"
    ]
    assert _count(OutboxMessage) == 0
