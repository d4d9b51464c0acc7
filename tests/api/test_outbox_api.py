"""GET /api/v1/outbox: administrators see what was sent, is pending or failed."""

from __future__ import annotations

from datetime import UTC, date, datetime

import jsonschema
import pytest

from tests.builders import make_user
from tracker.extensions import db
from tracker.models import OutboxItem, OutboxMessage
from tracker.services.access.auth import create_token

NOW = datetime(2016, 2, 12, 9, 0, tzinfo=UTC)


@pytest.fixture
def outbox_world(api_app):
    with api_app.app_context():
        make_user(email="admin@trust.example", role="admin")
        head = make_user(email="north@trust.example", role="locality_head", locality="north")
        for n, status in enumerate(("pending", "sent", "failed"), start=1):
            message = OutboxMessage(
                key=f"{head.id}|2016-02-1{n}|1",
                run_day=date(2016, 2, 10 + n),
                recipient_id=head.id,
                to_address=head.email,
                subject=f"Digest {n}",
                body_text="text",
                body_html="<p>html</p>",
                created_at=NOW,
                status=status,
                attempts=1 if status != "pending" else 0,
                next_attempt_at=NOW,
                last_error="refused" if status == "failed" else "",
                sent_at=NOW if status == "sent" else None,
            )
            db.session.add(message)
            db.session.flush()
            db.session.add(
                OutboxItem(
                    key=f"{head.id}|return|3|late-{n}",
                    message_id=message.id,
                    recipient_id=head.id,
                    kind="return",
                    period="3",
                    step=f"late-{n}",
                    text="The North return is late.",
                    link="/returns/north/3",
                    created_at=NOW,
                )
            )
        db.session.commit()
        tokens = {
            email: create_token(email, now=NOW)
            for email in ("admin@trust.example", "north@trust.example")
        }
        db.session.remove()
    return tokens


def get(api_app, token, **params):
    return api_app.test_client().get(
        "/api/v1/outbox", query_string=params, headers={"Authorization": f"Bearer {token}"}
    )


@pytest.mark.parametrize(
    ("status", "subjects"),
    [
        (None, ["Digest 3", "Digest 2", "Digest 1"]),
        ("pending", ["Digest 1"]),
        ("sent", ["Digest 2"]),
        ("failed", ["Digest 3"]),
    ],
)
def test_admins_list_the_outbox_by_status(api_app, outbox_world, status, subjects):
    params = {"status": status} if status else {}
    body = get(api_app, outbox_world["admin@trust.example"], **params).get_json()
    assert [m["subject"] for m in body["items"]] == subjects
    doc = (
        api_app.test_client()
        .get(
            "/api/openapi.json",
            headers={"Authorization": f"Bearer {outbox_world['admin@trust.example']}"},
        )
        .get_json()
    )
    schema = {**doc["components"]["schemas"]["OutboxMessage"], "components": doc["components"]}
    for item in body["items"]:
        jsonschema.validate(item, schema)
        assert item["items"][0]["link"] == "/returns/north/3"


def test_a_failed_message_shows_its_error(api_app, outbox_world):
    body = get(api_app, outbox_world["admin@trust.example"], status="failed").get_json()
    assert body["items"][0]["last_error"] == "refused"


def test_a_bad_status_is_a_400_naming_the_parameter(api_app, outbox_world):
    response = get(api_app, outbox_world["admin@trust.example"], status="lost")
    assert response.status_code == 400 and response.mimetype == "application/problem+json"
    assert response.get_json()["invalid_params"][0]["name"] == "status"


def test_only_admins_may_read_the_outbox(api_app, outbox_world):
    response = get(api_app, outbox_world["north@trust.example"])
    assert response.status_code == 403 and response.mimetype == "application/problem+json"
