"""Issues 10.6 and 12.5: schemathesis against the OpenAPI document and the real app, served by a
real server thread on the suite's database (SQLite, or PostgreSQL under `make test-postgres`).

Every operation the document describes is tested, so an endpoint added with its OpenAPI entry is
picked up without touching this file (and `test_openapi_routes.py` fails any API route the
document leaves out). All checks are on: no 5xx, every status, content type, header and body as
documented, schema-violating requests refused, schema-valid ones accepted, undeclared methods
answered 405 with `Allow`, and no 2xx without authentication. Examples are bounded and the seed
fixed, so a run is quick and a failure reproduces.

Two runs: as an administrator (who may read everything, the outbox included) on the seeded plan,
which it only reads; and as a locality head (who may write) on a database of its own, with the
update's `ref` fixed to an action the head may update so that bodies reach the rules and the
database.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, settings
from werkzeug.serving import make_server

from tests.builders import make_action, make_cycles, make_user
from tests.conftest import _empty_tables
from tests.demo_codes import demo_openapi_document
from tracker.api.openapi import openapi_document
from tracker.extensions import db
from tracker.services.access.auth import create_token

# The PDFs these requests ask for are not drawn: drawing is tested in the pack and report tests.
pytestmark = pytest.mark.usefixtures("pdf_drawing_stubbed")

# Bounded and fixed: the fuzzing examples per operation, and one seed for every run. The coverage
# phase (every parameter's bounds, every wrong type, every undeclared method) does not depend on
# it and runs whole; 15 random examples on top of it cost a third less CPU than 40 did.
MAX_EXAMPLES = 15
SEED = 20160205
TOKEN_TIME = datetime(2016, 2, 1, 9, 0, tzinfo=UTC)
# Rules the document cannot express (a reason when the RAG changes, the version read, who leads
# the action) refuse some schema-valid updates: 409 and 422 are the documented answers to those.
UPDATE_ACCEPTED = ["201", "401", "403", "404", "409", "422"]
# Likewise a `since` before the report was published or after today is a documented 400 that
# depends on the inspection and the day, which a schema cannot say.
CHANGES_ACCEPTED = ["200", "400", "401", "403"]
# A month or quarter in the future, or before the measures' first values, is the same kind of
# documented 400 that depends on the day.
MEASURES_ACCEPTED = ["200", "400", "401", "403"]
# `blocked` and `date_clash` describe today's plan: asked with `as_at` (a past day) they are a
# documented 400 ("not with as_at"), a pairing a schema cannot forbid.
LIST_ACCEPTED = ["200", "400", "401", "403"]
# The challenge log: a schema-valid body may still be refused by the rules (who may raise or
# answer, what state the challenge is in, an unknown ref or id, blank text).
CHALLENGE_ACCEPTED = ["200", "201", "401", "403", "404", "409", "422"]
CHALLENGE_OPERATIONS = (
    "listChallenges",
    "raiseChallenge",
    "getChallenge",
    "respondToChallenge",
    "setChallengeOutcome",
)
LISTS = (
    "listActions",
    "listOverdueActions",
    "exportPlanCsv",
    "exportPlanXlsx",
    "exportBoardPackPdf",
)
# Evidence: a schema-valid file is rarely a PDF, Word, Excel or image file by its content (415),
# a date may be after today, and a title may look like child-level data (422).
EVIDENCE_ACCEPTED = ["201", "401", "403", "404", "413", "415", "422"]
WRITE_METHODS = {"post", "put", "patch", "delete"}


def _config(**extra: object) -> schemathesis.Config:
    return schemathesis.Config.from_dict(
        {
            "seed": SEED,
            "generation": {"max-examples": MAX_EXAMPLES, "database": "none"},
            "phases": {"examples": {"enabled": True}, "coverage": {"enabled": True}},
            "operations": [
                {
                    "include-operation-id": "createActionUpdate",
                    "checks": {"positive_data_acceptance": {"expected-statuses": UPDATE_ACCEPTED}},
                },
                {
                    "include-operation-id": "createActionEvidence",
                    "checks": {
                        "positive_data_acceptance": {"expected-statuses": EVIDENCE_ACCEPTED}
                    },
                },
                {
                    "include-operation-id": "listChanges",
                    "checks": {"positive_data_acceptance": {"expected-statuses": CHANGES_ACCEPTED}},
                },
                *(
                    {
                        "include-operation-id": operation,
                        "checks": {
                            "positive_data_acceptance": {"expected-statuses": LIST_ACCEPTED}
                        },
                    }
                    for operation in LISTS
                ),
                *(
                    {
                        "include-operation-id": operation,
                        "checks": {
                            "positive_data_acceptance": {"expected-statuses": CHALLENGE_ACCEPTED}
                        },
                    }
                    for operation in CHALLENGE_OPERATIONS
                ),
                {
                    "include-operation-id": "listMeasures",
                    "checks": {
                        "positive_data_acceptance": {"expected-statuses": MEASURES_ACCEPTED}
                    },
                },
                {
                    "include-operation-id": "getQuarterlyReport",
                    "checks": {
                        "positive_data_acceptance": {"expected-statuses": MEASURES_ACCEPTED}
                    },
                },
            ],
            **extra,
        }
    )


# The document the app serves at /api/openapi.json (test_openapi_routes.py checks they agree):
# the seeded demo's plan and locality codes are its enums, so plan filters and locality paths are
# drawn from the codes the database holds (and anything else is a documented 400 or 404).
READER = schemathesis.openapi.from_dict(demo_openapi_document(), config=_config())


def _writes_only(document: dict) -> dict:
    """The document with only the paths that take a write (every method but GET); such a path
    keeps its GET too (`/challenges` lists and raises), so its `Allow` header matches."""
    paths = {
        path: item
        for path, item in document["paths"].items()
        if any(k in WRITE_METHODS for k in item)
    }
    return document | {"paths": paths}


# The writer's small plan (the `writer` fixture): two locality plans, and the document its
# database serves, with their codes as the plan and locality enums.
WRITER_PLANS = ["north", "south"]
WRITER_DOCUMENT = openapi_document(plan_codes=WRITER_PLANS, locality_codes=WRITER_PLANS)

# The writer's update always names an action the writer may update; the reader's names any ref.
WRITER = schemathesis.openapi.from_dict(
    _writes_only(WRITER_DOCUMENT), config=_config(parameters={"path.ref": "N-01"})
)


# Chains of calls, linking one answer to the next call (a ref from GET /actions into an update).
STATEFUL = schemathesis.openapi.from_dict(WRITER_DOCUMENT, config=_config())
SCENARIOS = settings(
    max_examples=15,
    stateful_step_count=6,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)


@dataclass
class Live:
    """An app served by a real server thread, and a bearer token for one person."""

    base_url: str
    token: str

    def kwargs(self) -> dict:
        return {
            "base_url": f"{self.base_url}/api/v1",
            "headers": {"Authorization": f"Bearer {self.token}"},
            # A PDF pack is drawn by WeasyPrint: seconds on a busy machine, not a hang.
            "timeout": 120,
        }

    def call(self, case) -> None:
        case.call_and_validate(**self.kwargs())


@contextmanager
def _served(application: Flask, email: str) -> Iterator[Live]:
    with application.app_context():
        token = create_token(email, now=TOKEN_TIME, label="schemathesis")
        db.session.remove()
    server = make_server("127.0.0.1", 0, application, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Live(f"http://127.0.0.1:{server.server_port}", token)
    finally:
        server.shutdown()
        thread.join(timeout=5)


@pytest.fixture(scope="module")
def reader(seeded_app: Flask) -> Iterator[Live]:
    """An administrator (who may read everything, the outbox included) on the seeded plan."""
    with _served(seeded_app, "admin@trust.example") as live:
        yield live


@pytest.fixture(scope="module")
def writer(app: Flask) -> Iterator[Live]:
    """North's head on a small plan of its own (the empty database, emptied afterwards)."""
    with app.app_context():
        make_cycles(upto=4)
        head = make_user(email="north.head@trust.example", role="locality_head", locality="north")
        north, south = WRITER_PLANS
        make_action(ref="N-01", plan=north, lead=head)
        make_action(ref="N-02", plan=north, lead=head, rag="amber")
        make_action(ref="S-01", plan=south)
        db.session.commit()
        db.session.remove()
    with _served(app, "north.head@trust.example") as live:
        yield live
    _empty_tables(app)


@READER.parametrize()
def test_every_operation_keeps_to_its_document_as_a_reader(case, reader):
    reader.call(case)


@WRITER.parametrize()
def test_every_write_keeps_to_its_document_as_a_writer(case, writer):
    writer.call(case)


def test_chains_of_calls_keep_to_the_document_as_a_writer(writer):
    class Workflow(STATEFUL.as_state_machine()):
        def get_call_kwargs(self, case):
            return writer.kwargs()

    Workflow.run(settings=SCENARIOS)
