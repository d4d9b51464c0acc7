"""Pages and API calls run the same statements at one and three times the seed: 335 actions and
their history, then 1,005 (the benchmark's copies, `bench/generate.add_copies`).

One times the seed is the suite's seeded database (`seeded_app`); three times is the empty
database, given the same seed and two copies of every action once for this module (`thrice`),
which its tests only read. Each test asks both as the same demo account and compares. (Building
the copies for each test was most of these tests' time.)"""

import io
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from bench.generate import add_copies
from tests.conftest import (
    DEMO_PASSWORD,
    ROLE_ACCOUNTS,
    _empty_tables,
    csrf_token,
    load_seed_rows,
    sign_in,
)
from tracker.extensions import db

# The PDFs these requests ask for are not drawn: drawing is tested in the pack and report tests.
pytestmark = pytest.mark.usefixtures("pdf_drawing_stubbed")


@pytest.fixture(scope="module")
def thrice(app: Flask) -> Iterator[Flask]:
    """The empty database holding the seed (its demo accounts included, as in `seeded_app`) and
    two copies of every action and its history; emptied when the module ends."""
    with app.app_context():
        load_seed_rows(
            app, demo_password=DEMO_PASSWORD, hash_method=app.config["PASSWORD_HASH_METHOD"]
        )
        add_copies(3)
        db.session.remove()
    yield app
    _empty_tables(app)


@pytest.fixture
def at_scale(seeded_app: Flask, thrice: Flask):
    """Factory: two clients signed in as a role's demo account, on the seed and at three times."""

    def make(role: str) -> tuple[FlaskClient, FlaskClient]:
        clients = []
        for application in (seeded_app, thrice):
            client = application.test_client()
            sign_in(client, ROLE_ACCOUNTS[role])
            clients.append(client)
        return clients[0], clients[1]

    return make


def test_the_csv_export_and_the_board_pack_run_the_same_statements_at_one_and_three_times_the_seed(
    at_scale, count_queries
):
    """The rows stream from one statement whatever their number, and the board pack's snapshot
    and charts take a fixed number of statements."""

    def export(client: FlaskClient) -> tuple[int, int]:
        client.get("/api/v1/exports/plan.csv").close()
        with count_queries(client.application) as counter:
            response = client.get("/api/v1/exports/plan.csv")
            rows = response.get_data().count(b"\r\n") - 1
        assert response.status_code == 200
        return counter.count, int(response.headers["X-Total-Count"]) if rows else 0

    def board_pack(client: FlaskClient) -> tuple[int, int]:
        client.get("/api/v1/exports/board-pack.pdf").close()
        with count_queries(client.application) as counter:
            response = client.get("/api/v1/exports/board-pack.pdf")
            response.get_data()
        assert response.status_code == 200 and response.mimetype == "application/pdf"
        return counter.count, int(response.headers["X-Total-Count"])

    small, large = at_scale("viewer")
    once, actions_once = export(small)
    pack_once, pack_actions_once = board_pack(small)
    thrice, actions_thrice = export(large)
    pack_thrice, pack_actions_thrice = board_pack(large)
    assert (actions_once, actions_thrice) == (335, 1005)
    assert once == thrice
    assert (pack_actions_once, pack_actions_thrice) == (335, 1005)
    assert pack_once == pack_thrice


def test_the_changes_and_the_agenda_run_the_same_statements_at_one_and_three_times_the_seed(
    at_scale, count_queries
):
    """Three times the history too: a fixed number of statements either way."""
    urls = ["/changes?since=2015-11-27", "/agenda?since=2016-01-29", "/api/v1/changes"]

    def counts(client: FlaskClient) -> tuple[list[int], int]:
        found = []
        for url in urls:
            client.get(url)
            with count_queries(client.application) as counter:
                response = client.get(url)
            assert response.status_code == 200, url
            found.append(counter.count)
        changes = client.get("/api/v1/changes?since=2015-11-27").get_json()["items"]
        return found, len(changes)

    small, large = at_scale("viewer")
    once, changes_once = counts(small)
    thrice, changes_thrice = counts(large)
    assert changes_thrice > 2 * changes_once
    assert once == thrice


def test_the_dashboard_runs_the_same_statements_at_one_and_three_times_the_seed(
    at_scale, count_queries
):
    """The counts and the charts are each one statement whatever the size of the plan or the
    length of its history."""

    def statements(client: FlaskClient) -> tuple[list[int], int]:
        counts = []
        for url in ("/dashboard", "/api/v1/dashboard"):
            client.get(url)
            with count_queries(client.application) as counter:
                response = client.get(url)
            assert response.status_code == 200, url
            counts.append(counter.count)
        return counts, client.get("/api/v1/dashboard").get_json()["actions"]

    small, large = at_scale("chair")
    once, actions_once = statements(small)
    thrice, actions_thrice = statements(large)
    assert (actions_once, actions_thrice) == (335, 1005)
    assert once == thrice


def test_checking_an_import_runs_the_same_statements_at_one_and_three_times_the_seed(
    at_scale, count_queries
):
    """The plan's own export, checked: the file is checked against a snapshot read in fixed
    queries (a dry run, which changes nothing)."""

    def check(client: FlaskClient) -> tuple[int, int]:
        data = client.get("/api/v1/exports/plan.csv").get_data()
        token = csrf_token(client, "/admin/import")
        with count_queries(client.application) as counter:
            response = client.post(
                "/admin/import",
                data={"csrf_token": token, "file": (io.BytesIO(data), "plan.csv")},
                content_type="multipart/form-data",
            )
        assert response.status_code == 200, response.get_data(as_text=True)[:2000]
        assert b"matches the plan" in response.data
        return counter.count, data.count(b"\r\n") - 1

    small, large = at_scale("admin")
    once, rows_once = check(small)
    thrice, rows_thrice = check(large)
    assert (rows_once, rows_thrice) == (335, 1005)
    assert once == thrice


def test_search_runs_the_same_statements_at_one_and_three_times_the_seed(at_scale, count_queries):
    """The copies are indexed by the benchmark's rebuild; three times the matches, the same
    statements (the counts by kind and one page)."""

    def check(client: FlaskClient) -> tuple[int, int]:
        client.get("/api/v1/search?q=social").close()
        client.get("/search?q=social").close()  # warm up the page too (its menu's plans)
        with count_queries(client.application) as counter:
            body = client.get("/api/v1/search?q=social&per_page=200").get_json()
            client.get("/search?q=social").close()
        return counter.count, body["total"]

    small, large = at_scale("chair")
    once, found_once = check(small)
    thrice, found_thrice = check(large)
    assert found_thrice > 2 * found_once  # the recommendations are not copied
    assert once == thrice
