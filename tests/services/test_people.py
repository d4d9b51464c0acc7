"""Managing people: invitations through the outbox, changes, deputies, leavers, tokens, resends."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from tests.builders import get_or_make_locality, make_action, make_outbox_message, make_user
from tracker.domain.people import LinkState
from tracker.extensions import db
from tracker.models import Action, ApiToken, AuditEvent, Invitation, OutboxMessage, User
from tracker.services.access import auth, invitations, people
from tracker.services.mail import outbox

NOW = datetime(2016, 2, 5, 10, 0, tzinfo=UTC)
DAY = timedelta(hours=48)
BASE = "http://tracker.example"
PASSWORD = "a-new-long-password"
TEST_HASH = "pbkdf2:sha256:1000"  # the test configuration's cheap hash


def _details(**overrides) -> people.PersonDetails:
    org = overrides.pop("org", None)
    values = {
        "name": "Sam Newcombe",
        "email": "sam.newcombe@trust.example",
        "job_title": "Team manager",
        "organisation_id": org.id
        if org
        else db.session.execute(select(User)).scalar().organisation_id,
        "role": "action_lead",
    }
    return people.PersonDetails(**(values | overrides))


def _invite(admin: User, **overrides) -> tuple[User, str]:
    person = invitations.invite_person(
        _details(**overrides), actor_id=admin.id, now=NOW, lifetime=DAY, base_url=BASE
    )
    return person, _token_in_outbox(person)


def _token_in_outbox(person: User) -> str:
    body = (
        db.session.execute(
            select(OutboxMessage.body_text)
            .where(OutboxMessage.recipient_id == person.id)
            .order_by(OutboxMessage.id.desc())
        )
        .scalars()
        .first()
    )
    return re.search(rf"{BASE}/invitations/(\S+)", body).group(1)


def _events(kind: str) -> list[AuditEvent]:
    return list(
        db.session.execute(
            select(AuditEvent).where(AuditEvent.kind == kind).order_by(AuditEvent.id)
        )
        .scalars()
        .all()
    )


def _accept(token: str, now: datetime = NOW + timedelta(hours=1)):
    return invitations.accept_invitation(
        token, PASSWORD, PASSWORD, now=now, hash_method="pbkdf2:sha256:1000"
    )


def test_an_invitation_writes_an_email_to_the_outbox_and_stores_only_the_links_hash(clean_db):
    admin = make_user(role="admin")
    person, token = _invite(admin)
    message = db.session.execute(select(OutboxMessage)).scalar_one()
    assert message.status == "pending" and message.to_address == "sam.newcombe@trust.example"
    assert f"{BASE}/invitations/{token}" in message.body_html
    invitation = db.session.execute(select(Invitation)).scalar_one()
    assert invitation.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in invitation.token_hash
    assert invitation.expires_at == NOW + DAY and invitation.created_by_id == admin.id
    assert person.password_hash is None and person.active
    assert [e.target for e in _events("person_invited")] == ["sam.newcombe@trust.example"]


def test_the_link_sets_a_password_once_and_the_person_can_then_sign_in(clean_db):
    admin = make_user(role="admin")
    person, token = _invite(admin)
    assert invitations.get_invitation(token, now=NOW).state is LinkState.VALID
    _accept(token)
    signed_in = auth.authenticate(
        person.email, PASSWORD, now=NOW, remote_addr="", hash_method=TEST_HASH
    )
    assert signed_in is not None and signed_in.id == person.id
    assert invitations.get_invitation(token, now=NOW).state is LinkState.USED
    with pytest.raises(people.Refused) as used:
        _accept(token)
    assert used.value.field == "used"


def test_a_link_does_not_work_after_48_hours_and_a_new_invitation_replaces_it(clean_db):
    admin = make_user(role="admin")
    person, old = _invite(admin)
    late = NOW + DAY + timedelta(minutes=1)
    assert invitations.get_invitation(old, now=late).state is LinkState.EXPIRED
    with pytest.raises(people.Refused) as expired:
        _accept(old, now=late)
    assert expired.value.field == "expired"
    invitations.reinvite_person(person.id, actor_id=admin.id, now=late, lifetime=DAY, base_url=BASE)
    new = _token_in_outbox(person)
    assert new != old
    assert invitations.get_invitation(old, now=late).state is LinkState.EXPIRED
    _accept(new, now=late + timedelta(minutes=5))
    assert db.session.get(User, person.id).password_hash


def test_a_new_invitation_stops_the_older_unused_link_working(clean_db):
    admin = make_user(role="admin")
    person, old = _invite(admin)
    invitations.reinvite_person(person.id, actor_id=admin.id, now=NOW, lifetime=DAY, base_url=BASE)
    assert (
        invitations.get_invitation(old, now=NOW + timedelta(minutes=1)).state is LinkState.EXPIRED
    )


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"email": "taken@trust.example"}, "email"),
        ({"email": ""}, "email"),
        ({"role": "locality_head"}, "locality_id"),  # a head needs a locality
        ({"role": "superuser"}, "role"),
        ({"organisation_id": 2**40}, "organisation_id"),
        ({"line_manager_id": 999999}, "line_manager_id"),
        ({"locality_id": 2**31}, "locality_id"),
    ],
)
def test_a_bad_invitation_is_refused_and_writes_nothing(clean_db, overrides, field):
    admin = make_user(role="admin")
    make_user(email="taken@trust.example")
    db.session.commit()
    with pytest.raises(people.Refused) as refused:
        _invite(admin, **overrides)
    db.session.rollback()
    assert refused.value.field == field
    assert db.session.execute(select(func.count()).select_from(OutboxMessage)).scalar() == 0
    assert db.session.execute(select(func.count()).select_from(Invitation)).scalar() == 0


def test_changing_role_locality_and_line_manager_is_recorded(clean_db):
    admin = make_user(role="admin")
    manager = make_user()
    person = make_user()
    north = get_or_make_locality("north")
    details = _details(
        name=person.name,
        email=person.email,
        role="locality_head",
        locality_id=north.id,
        line_manager_id=manager.id,
    )
    changes = people.change_person(person.id, details, actor_id=admin.id, now=NOW)
    assert changes["role"] == ["action_lead", "locality_head"]
    assert changes["locality_id"] == [None, north.id]
    person = db.session.get(User, person.id)
    assert person.role == "locality_head" and person.line_manager_id == manager.id
    [event] = _events("person_changed")
    assert event.user_id == admin.id and event.detail["changes"]["role"][1] == "locality_head"


def test_changing_an_address_tells_the_old_one_and_stops_its_links_working(clean_db):
    """Forgot-password sends its link to the address on record, so a change of address (made
    in error, or to take the account over) is told to the old address, and a link already
    sent there stops working."""
    admin = make_user(role="admin")
    person, token = _invite(admin)
    old = person.email
    details = _details(name=person.name, email="Someone.Else@Elsewhere.example")
    people.change_person(person.id, details, actor_id=admin.id, now=NOW + timedelta(minutes=5))
    with pytest.raises(people.Refused) as refused:
        _accept(token)
    assert refused.value.field == LinkState.EXPIRED.value
    [told] = db.session.execute(
        select(OutboxMessage).where(OutboxMessage.key.like("email-changed|%"))
    ).scalars()
    assert told.to_address == old and told.recipient_id == person.id
    assert f"changed to someone.else@elsewhere.example by {admin.name}" in told.body_text
    assert "someone.else@elsewhere.example" in told.body_html
    assert db.session.get(User, person.id).email == "someone.else@elsewhere.example"


def test_a_change_that_keeps_the_address_sends_nothing(clean_db):
    admin = make_user(role="admin")
    person = make_user()
    people.change_person(
        person.id, _details(name="A new name", email=person.email), actor_id=admin.id, now=NOW
    )
    assert db.session.execute(select(func.count()).select_from(OutboxMessage)).scalar() == 0


def test_naming_a_second_deputy_replaces_the_first_and_says_so(clean_db):
    admin = make_user(role="admin")
    first = make_user(deputy_for="central")
    second = make_user()
    central = get_or_make_locality("central")
    details = _details(name=second.name, email=second.email, deputy_locality_id=central.id)
    changes = people.change_person(second.id, details, actor_id=admin.id, now=NOW)
    assert changes["replaced_deputy"] == [first.email]
    db.session.expire_all()
    assert db.session.get(User, first.id).deputy_locality_id is None
    assert db.session.get(User, second.id).deputy_locality_id == central.id
    [event] = _events("person_changed")
    assert event.detail["replaced_deputy"] == first.email


def test_a_locality_head_cannot_be_their_own_localitys_deputy(clean_db):
    admin = make_user(role="admin")
    head = make_user(role="locality_head", locality="north")
    north = get_or_make_locality("north")
    details = _details(
        name=head.name,
        email=head.email,
        role="locality_head",
        locality_id=north.id,
        deputy_locality_id=north.id,
    )
    with pytest.raises(people.Refused) as refused:
        people.change_person(head.id, details, actor_id=admin.id, now=NOW)
    assert refused.value.field == "deputy_locality_id"


def test_the_last_administrator_cannot_lose_the_role(clean_db):
    admin = make_user(role="admin")
    other = make_user(role="admin")
    people.mark_left(other.id, actor_id=admin.id, now=NOW)
    details = _details(name=admin.name, email=admin.email, role="viewer")
    with pytest.raises(people.Refused, match="your own administrator role"):
        people.change_person(admin.id, details, actor_id=admin.id, now=NOW)


def test_a_leaver_cannot_sign_in_keeps_their_history_and_is_chased_through_their_manager(
    clean_db,
):
    admin = make_user(role="admin")
    manager = make_user()
    leaver = make_user(email="leaver@trust.example", deputy_for="east")
    leaver.line_manager_id = manager.id
    open_action = make_action(lead=leaver)
    make_action(lead=leaver, lifecycle="closed_evidenced", rag=None)
    db.session.commit()
    people.mark_left(leaver.id, actor_id=admin.id, now=NOW)
    leaver = db.session.get(User, leaver.id)
    assert not leaver.active and leaver.left_at == NOW and leaver.deputy_locality_id is None
    assert (
        auth.authenticate(
            "leaver@trust.example",
            "a-long-test-password",
            now=NOW,
            remote_addr="",
            hash_method=TEST_HASH,
        )
        is None
    )
    [event] = _events("person_left")
    assert event.detail["open_actions"] == [open_action.ref]
    row = next(r for r in people.list_people().rows if r.user.id == leaver.id)
    assert row.open_actions == 1 and row.chased_through.id == manager.id


@pytest.mark.parametrize("who", ["self", "last admin"])
def test_marking_yourself_or_the_last_administrator_as_left_is_refused(clean_db, who):
    admin = make_user(role="admin")
    actor = admin
    if who == "last admin":
        other = make_user(role="admin")
        people.mark_left(other.id, actor_id=admin.id, now=NOW)  # one active admin remains
        actor = other
    db.session.commit()
    message = "yourself" if who == "self" else "last active administrator"
    with pytest.raises(people.Refused, match=message):
        people.mark_left(admin.id, actor_id=actor.id, now=NOW)
    db.session.rollback()
    assert db.session.get(User, admin.id).active


def test_a_leavers_open_actions_are_reassigned_in_bulk_with_the_refs_recorded(clean_db):
    admin = make_user(role="admin")
    leaver = make_user()
    successor = make_user()
    a = make_action(lead=leaver)
    b = make_action(lead=leaver)
    closed = make_action(lead=leaver, lifecycle="closed_evidenced", rag=None)
    db.session.commit()
    people.mark_left(leaver.id, actor_id=admin.id, now=NOW)
    refs = people.reassign_actions(leaver.id, successor.id, actor_id=admin.id, now=NOW)
    assert refs == sorted([a.ref, b.ref])
    leads = dict(db.session.execute(select(Action.ref, Action.lead_user_id)).all())
    assert leads[a.ref] == leads[b.ref] == successor.id
    assert leads[closed.ref] == leaver.id  # history stays as it was
    [event] = _events("actions_reassigned")
    assert event.detail["refs"] == refs and event.detail["to"] == successor.id


def test_actions_cannot_go_to_someone_who_has_left(clean_db):
    admin = make_user(role="admin")
    leaver = make_user()
    gone = make_user(active=False)
    make_action(lead=leaver)
    db.session.commit()
    with pytest.raises(people.Refused):
        people.reassign_actions(leaver.id, gone.id, actor_id=admin.id, now=NOW)


def test_api_tokens_are_created_and_revoked_for_a_person_with_audit_events(clean_db):
    admin = make_user(role="admin")
    person = make_user()
    token = auth.create_token_for(person.id, now=NOW, label="dashboard", actor_id=admin.id)
    assert auth.user_for_token(token, now=NOW).id == person.id
    assert auth.revoke_tokens_for(person.id, now=NOW, actor_id=admin.id) == 1
    assert auth.user_for_token(token, now=NOW) is None
    assert [e.user_id for e in _events("token_created")] == [admin.id]
    assert _events("token_revoked")[0].detail["count"] == 1
    assert db.session.execute(select(ApiToken.token_hash)).scalar_one() != token


def test_an_api_token_works_to_the_end_of_its_london_day_then_says_it_has_expired(clean_db):
    person = make_user()
    token = auth.create_token_for(person.id, now=NOW, label="x", expires_on=date(2016, 5, 5))
    row = db.session.execute(select(ApiToken)).scalar_one()
    # The end of 5 May in London is 22:59:59.999999 UTC (British Summer Time).
    assert row.expires_at == datetime(2016, 5, 5, 22, 59, 59, 999999, tzinfo=UTC)
    assert row.expires_on == date(2016, 5, 5)
    assert auth.user_for_token(token, now=row.expires_at).id == person.id
    later = row.expires_at + timedelta(microseconds=1)
    assert auth.user_for_token(token, now=later) is None
    refused = auth.check_token(token, now=later)
    assert refused.user is None and "has expired" in refused.problem
    assert "5 May 2016" in refused.problem


def test_an_api_token_lasts_90_days_unless_another_date_is_chosen(clean_db):
    person = make_user()
    auth.create_token_for(person.id, now=NOW)
    [event] = _events("token_created")
    assert db.session.execute(select(ApiToken)).scalar_one().expires_on == date(2016, 5, 5)
    assert event.detail["expires_on"] == "2016-05-05"


@pytest.mark.parametrize("day", [date(2016, 2, 5), date(2017, 2, 5)])
def test_an_api_token_may_expire_today_or_a_year_from_today(clean_db, day):
    person = make_user()
    auth.create_token_for(person.id, now=NOW, expires_on=day)
    assert db.session.execute(select(ApiToken)).scalar_one().expires_on == day


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"expires_on": date(2016, 2, 4)}, "expires_on", "today (5 February 2016) or later"),
        ({"expires_on": date(2017, 2, 6)}, "expires_on", "5 February 2017 or earlier"),
        ({"expires_on": date(2099, 1, 1)}, "expires_on", "at most a year"),
        ({"label": "x" * 101}, "label", "100 characters or fewer"),
        ({"label": "Excel\x00"}, "label", "NUL byte"),
    ],
)
def test_a_bad_api_token_is_refused_and_nothing_is_written(clean_db, fields, field, message):
    person = make_user()
    db.session.commit()
    with pytest.raises(auth.TokenRefused, match=re.escape(message)) as refused:
        auth.create_token_for(person.id, now=NOW, **fields)
    assert refused.value.field == field
    db.session.rollback()
    assert db.session.execute(select(func.count()).select_from(ApiToken)).scalar_one() == 0
    assert _events("token_created") == []


def test_a_leaver_gets_no_new_api_token(clean_db):
    gone = make_user(active=False)
    with pytest.raises(ValueError, match="left"):
        auth.create_token_for(gone.id, now=NOW)


def test_a_failed_message_is_resent_as_a_new_attempt_of_the_same_message(clean_db):
    admin = make_user(role="admin")
    person = make_user()
    message = make_outbox_message(
        to=person, status="failed", attempts=8, last_error="smtp.example:25: refused"
    )
    db.session.commit()
    outbox.resend_message(message.id, actor_id=admin.id, now=NOW)
    message = db.session.get(OutboxMessage, message.id)
    assert message.status == "pending" and message.next_attempt_at == NOW
    assert message.attempts == 8 and message.key.startswith("test|")  # the same message
    [event] = _events("outbox_resent")
    assert event.detail == {"message_id": message.id, "attempts": 8}


@pytest.mark.parametrize("status", ["pending", "sent"])
def test_only_a_failed_message_is_resent(clean_db, status):
    admin = make_user(role="admin")
    message = make_outbox_message(to=make_user(), status=status)
    db.session.commit()
    with pytest.raises(outbox.NotResendable):
        outbox.resend_message(message.id, actor_id=admin.id, now=NOW)


def test_a_message_shows_the_links_its_html_carries(clean_db):
    message = make_outbox_message(to=make_user(), items=2)
    db.session.commit()
    page = outbox.get_message(message.id)
    assert page.links == ["http://tracker.example/actions/T-001"]
    assert len(page.row.items) == 2


def test_a_line_manager_who_has_left_may_be_kept_but_not_newly_chosen(clean_db):
    admin = make_user(role="admin")
    gone = make_user()
    person = make_user()
    other = make_user()
    person.line_manager_id = gone.id
    db.session.commit()
    people.mark_left(gone.id, actor_id=admin.id, now=NOW)
    keep = _details(name="Renamed", email=person.email, line_manager_id=gone.id)
    assert people.change_person(person.id, keep, actor_id=admin.id, now=NOW)["name"][1] == "Renamed"
    choose = _details(name=other.name, email=other.email, line_manager_id=gone.id)
    with pytest.raises(people.Refused) as refused:
        people.change_person(other.id, choose, actor_id=admin.id, now=NOW)
    assert refused.value.field == "line_manager_id"


def test_people_who_left_long_ago_are_anonymised_and_their_history_stays(clean_db):
    from datetime import UTC, datetime

    from sqlalchemy import select

    from tests.builders import make_action, make_recommendation, make_user
    from tracker.extensions import db
    from tracker.models import ActionUpdate, AuditEvent, User
    from tracker.services.access import people
    from tracker.services.platform.audit import add_event

    now = datetime(2026, 11, 30, 9, tzinfo=UTC)
    long_gone = make_user(email="long.gone@trust.example")
    recent = make_user(email="recent@trust.example")
    long_gone.active = recent.active = False
    long_gone.left_at = datetime(2020, 1, 31, tzinfo=UTC)  # six years and ten months ago
    recent.left_at = datetime(2021, 1, 31, tzinfo=UTC)  # five years and ten months ago
    action = make_action(ref="MAP-001", recommendation=make_recommendation(), lead=long_gone)
    add_event("sign_in", now=now, user_id=long_gone.id, target="long.gone@trust.example")
    db.session.commit()
    history = db.session.execute(select(ActionUpdate).where(ActionUpdate.action_id == action.id))
    rows_before = len(history.scalars().all())

    assert people.anonymise_leavers(now=now, years=6, dry_run=True) == [long_gone.id]
    assert db.session.get(User, long_gone.id).email == "long.gone@trust.example"  # dry run
    assert people.anonymise_leavers(now=now, years=6) == [long_gone.id]

    gone = db.session.get(User, long_gone.id)
    assert (gone.name, gone.email, gone.job_title, gone.password_hash) == (
        f"Former member of staff {gone.id}",
        None,
        "",
        None,
    )
    assert db.session.get(User, recent.id).email == "recent@trust.example"
    targets = set(db.session.execute(select(AuditEvent.target)).scalars())
    assert "long.gone@trust.example" not in targets
    history = db.session.execute(select(ActionUpdate).where(ActionUpdate.action_id == action.id))
    assert len(history.scalars().all()) == rows_before  # the plan's history is intact
    assert people.anonymise_leavers(now=now, years=6) == []  # once
    assert people.anonymise_leavers(now=now, years=0) == []  # 0: off


def test_a_leaver_is_recorded_with_their_leaving_day_or_today_in_london(clean_db):
    admin = make_user(role="admin")
    given, defaulted = make_user(), make_user()
    db.session.commit()
    people.mark_left(given.id, actor_id=admin.id, now=NOW, left_on=date(2016, 1, 29))
    # 00:30 on 1 July in London is still 30 June in UTC: the day is London's.
    summer = datetime(2016, 6, 30, 23, 30, tzinfo=UTC)
    people.mark_left(defaulted.id, actor_id=admin.id, now=summer)
    assert db.session.get(User, given.id).left_on == date(2016, 1, 29)
    assert db.session.get(User, defaulted.id).left_on == date(2016, 7, 1)
    first = _events("person_left")[0]
    assert first.detail["left_on"] == "2016-01-29"


def test_a_leaving_day_in_the_future_is_refused_and_writes_nothing(clean_db):
    admin = make_user(role="admin")
    other = make_user()
    db.session.commit()
    with pytest.raises(people.Refused, match="or earlier") as refused:
        people.mark_left(other.id, actor_id=admin.id, now=NOW, left_on=date(2016, 2, 8))
    assert refused.value.field == "left_on"
    db.session.rollback()
    person = db.session.get(User, other.id)
    assert person.active and person.left_on is None and person.left_at is None
    assert _events("person_left") == []
