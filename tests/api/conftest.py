"""Fixtures for API tests that write: the empty database, with no app context held open."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from tests.builders import make_action, make_cycles, make_user
from tests.conftest import _empty_tables, sign_in
from tracker.extensions import db
from tracker.models import Action, ActionUpdate, User
from tracker.services.access.auth import create_token

TOKEN_TIME = datetime(2016, 2, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def api_app(app: Flask) -> Iterator[Flask]:
    """The empty database, emptied afterwards. Unlike `clean_db` it holds no app context open, so
    every request gets its own context, session and signed-in person, as it would in production;
    build and check rows inside `with api_app.app_context():`."""
    yield app
    _empty_tables(app)


@dataclass
class World:
    """A small plan: North and South locality actions led by their heads, a main-plan action with
    its own lead, and a person of every other role. Each person gets a bearer token when asked."""

    app: Flask
    emails: dict[str, str]
    tokens: dict[str, str] = field(default_factory=dict)

    def client(self, who: str | None = None) -> FlaskClient:
        """A client that sends `who`'s bearer token (anonymous when None)."""
        client = self.app.test_client()
        if who is not None:
            client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {self.token(who)}"
        return client

    def token(self, who: str) -> str:
        if who not in self.tokens:
            with self.app.app_context():
                self.tokens[who] = create_token(self.emails[who], now=TOKEN_TIME, label="tests")
                db.session.remove()
        return self.tokens[who]

    def history_count(self, ref: str | None = None) -> int:
        with self.app.app_context():
            query = select(func.count()).select_from(ActionUpdate)
            if ref is not None:
                query = query.join(Action, Action.id == ActionUpdate.action_id).where(
                    Action.ref == ref
                )
            count = db.session.execute(query).scalar_one()
            db.session.remove()
        return count


@pytest.fixture
def world(api_app: Flask) -> World:
    with api_app.app_context():
        make_cycles(upto=4)
        people = {
            "north_head": make_user(
                email="north.head@trust.example", role="locality_head", locality="north"
            ),
            "south_head": make_user(
                email="south.head@trust.example", role="locality_head", locality="south"
            ),
            "lead": make_user(email="mash.lead@trust.example", role="action_lead"),
            "other_lead": make_user(email="other.lead@trust.example", role="action_lead"),
            "admin": make_user(email="admin@trust.example", role="admin"),
            "north_deputy": make_user(
                email="north.deputy@trust.example", role="action_lead", deputy_for="north"
            ),
            "chair": make_user(email="chair@trust.example", role="chair"),
            "performance_officer": make_user(
                email="performance@trust.example", role="performance_officer"
            ),
            "viewer": make_user(email="viewer@council.example", role="viewer", org="council"),
        }
        make_action(ref="N-01", plan="north", lead=people["north_head"])
        make_action(ref="N-02", plan="north", lead=people["north_head"], rag="amber")
        make_action(ref="S-01", plan="south", lead=people["south_head"])
        make_action(ref="M-01", plan="main", lead=people["lead"])
        make_action(ref="M-02", plan="main", lead=people["performance_officer"])
        db.session.commit()
        emails = {who: user.email for who, user in people.items()}
        db.session.remove()
    return World(api_app, emails)


@dataclass
class Exporter:
    """A viewer (who may export) signed in on the empty database, and a lead to give the actions
    a test builds; commit them before asking for the file."""

    client: FlaskClient
    lead: User


@pytest.fixture
def exporter(client: FlaskClient) -> Exporter:
    viewer = make_user(role="viewer", email="viewer@trust.example")
    lead = make_user(email="lead@trust.example")
    db.session.commit()
    sign_in(client, viewer.email, "a-long-test-password")
    return Exporter(client, lead)
