"""A decision posted twice through the pages: the second chair is told it was already decided,
and nobody is told twice. Run on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import func, select

from tests.conftest import sign_in
from tests.web.test_updates_web import EMAILS, PASSWORD, _sign_off_form, story  # noqa: F401
from tracker.extensions import db
from tracker.models import Notice, OutboxMessage


def _told() -> int:
    sent = db.session.execute(
        select(func.count()).select_from(OutboxMessage).where(OutboxMessage.key.like("sign_off|%"))
    ).scalar_one()
    queued = db.session.execute(
        select(func.count()).select_from(Notice).where(Notice.key.like("sign_off|%"))
    ).scalar_one()
    db.session.remove()
    return sent + queued


def test_the_second_chair_to_sign_off_is_told_it_was_decided_and_nobody_twice(client, story):  # noqa: F811
    sign_in(client, EMAILS["chair"], PASSWORD)
    first = _sign_off_form(client)
    second = _sign_off_form(client, decision="return", reason="Not yet: no audit.")
    assert client.post("/actions/MAP-003/sign-off", data=first).status_code == 302
    assert _told() == 1  # the lead (a main-plan action with no locality head)
    response = client.post("/actions/MAP-003/sign-off", data=second)
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "Another chair decided this a moment ago" in page and "closed" in page
    assert _told() == 1
