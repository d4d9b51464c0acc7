"""Pages and API calls run a fixed number of SQL statements, whatever the data size."""

import io

import pytest


def _count(role_client, seeded_app, count_queries, url):
    client = role_client("viewer")
    client.get(url).close()  # warm up: the session's user is loaded the same way every time
    with count_queries(seeded_app) as counter:
        response = client.get(url)
        response.get_data()  # a streamed body (the CSV export) runs its statements as it is read
    assert response.status_code == 200, url
    return counter.count


@pytest.mark.parametrize(
    ("small", "large"),
    [
        ("/plans/north", "/plans/main"),  # 38 rows against 183
        ("/plans/main?rag=red", "/plans/main"),
        ("/plans/north?as_at=5/2/2016", "/plans/main?as_at=5 Feb 2016"),
        ("/actions?plan=north", "/actions"),  # 38 rows against a page of 100 (of 335)
        ("/actions?plan=north&page=1", "/actions?page=4"),  # the last page, 35 rows
        (
            "/actions?plan=north&involving=trust&due_within=12",
            "/actions?involving=trust&no_update=1",
        ),
        ("/overview?as_at=2015-12-20", "/overview?as_at=2016-02-04"),
        ("/api/v1/actions?plan=north&per_page=200", "/api/v1/actions?per_page=200"),
        ("/recommendations/R18", "/recommendations/R3"),
        ("/actions/MAP-030", "/actions/MAP-001"),  # short history against a long one
        ("/actions/MAP-030", "/actions/MAP-169"),  # no plan changes against a re-baselined one
        ("/api/v1/actions/MAP-127/date-requests", "/api/v1/actions/MAP-169/date-requests"),
        ("/api/v1/actions/MAP-030", "/api/v1/actions/MAP-001"),
        ("/api/v1/exports/plan.csv?plan=north", "/api/v1/exports/plan.csv"),
        ("/actions/overdue?plan=main", "/actions/overdue"),
        ("/actions/overdue?as_at=2016-01-10", "/actions/overdue?as_at=2016-02-05"),
        ("/api/v1/actions/overdue?plan=main&rag=red", "/api/v1/actions/overdue"),
        ("/api/v1/exports/plan.csv?as_at=2016-01-20&plan=east", "/api/v1/exports/plan.csv"),
        # A day of changes against the whole history since the report.
        ("/changes?since=2016-02-04", "/changes?since=2015-11-27"),
        ("/agenda?since=2016-02-04", "/agenda?since=2015-11-27"),
        ("/api/v1/changes?since=2016-02-04", "/api/v1/changes?since=2015-11-27"),
    ],
)
def test_bigger_pages_run_no_more_queries(role_client, seeded_app, count_queries, small, large):
    assert _count(role_client, seeded_app, count_queries, small) == _count(
        role_client, seeded_app, count_queries, large
    )


@pytest.mark.parametrize(
    ("url", "most"),
    [
        ("/", 3),  # the viewer's home: the plans and their counts
        ("/overview", 6),
        ("/plans/main", 9),
        ("/actions", 8),
        ("/actions/MAP-001", 9),
        ("/api/v1/actions", 6),
        ("/api/v1/exports/plan.csv", 6),
        ("/actions/overdue", 8),
        ("/api/v1/actions/overdue", 6),
        ("/returns", 5),
        ("/returns/north/2", 11),
        ("/api/v1/localities/north/returns/2", 11),
        ("/api/v1/cycles", 3),
        ("/sefs", 4),
        ("/actions/rebaselined", 2),
        ("/api/v1/actions/MAP-169/date-requests", 2),
        ("/sefs/south/2016-02", 4),
        ("/sefs/south/2016-02/compare", 4),
        ("/inspection", 3),
        ("/changes", 6),
        ("/agenda", 10),
        ("/api/v1/changes", 6),
        ("/api/v1/deadline", 3),
    ],
)
def test_pages_stay_within_a_small_query_budget(role_client, seeded_app, count_queries, url, most):
    assert _count(role_client, seeded_app, count_queries, url) <= most


@pytest.mark.parametrize(
    ("role", "url", "most"),
    [
        ("locality_head", "/returns/north/3", 11),  # the return form: 38 actions
        # Each person's home: a fixed number of statements for each part they see.
        ("admin", "/", 3),
        ("chair", "/", 8),  # awaiting sign-off, red and overdue, their own actions
        ("locality_head", "/", 18),  # this cycle's return, this month's SEF, their actions
        ("action_lead", "/", 6),
        ("performance_officer", "/", 6),
        ("viewer", "/", 3),
        ("locality_head", "/actions/N-01/update", 7),
        ("chair", "/sign-off", 5),
        ("chair", "/date-requests", 2),
        ("chair", "/actions/MAP-003/edit", 5),
        ("chair", "/plans/north/actions/new", 5),
        ("chair", "/actions/MAP-003/supersede", 3),
        ("chair", "/actions/S-21", 9),  # with a pending request to decide
        ("action_lead", "/actions/MAP-003/target-date", 3),
        ("admin", "/admin/outbox", 3),
        ("admin", "/api/v1/outbox", 3),
        ("admin", "/admin/users", 4),
        ("admin", "/admin/users/invite", 5),
        ("admin", "/admin/audit", 3),
        ("admin", "/admin/import", 3),
    ],
)
def test_role_pages_stay_within_a_small_query_budget(
    role_client, seeded_app, count_queries, role, url, most
):
    client = role_client(role)
    client.get(url)
    with count_queries(seeded_app) as counter:
        response = client.get(url)
    assert response.status_code == 200, url
    assert counter.count <= most


def test_reopening_a_return_runs_a_fixed_number_of_statements(
    role_client, seeded_app, count_queries
):
    """Refused here (cycle 1 is past its deadline), so the shared seed is not changed."""
    from tests.conftest import csrf_token

    client = role_client("locality_head")
    token = csrf_token(client, "/accessibility")
    client.post("/returns/north/1/reopen", data={"csrf_token": token})
    with count_queries(seeded_app) as counter:
        response = client.post("/returns/north/1/reopen", data={"csrf_token": token})
    assert response.status_code == 302
    assert counter.count <= 4


def test_the_date_requests_list_runs_one_statement_whatever_its_length(client, count_queries):
    from tests.builders import make_action, make_date_request, make_user
    from tests.conftest import sign_in
    from tracker.extensions import db

    chair = make_user(role="chair", email="chair@trust.example")
    make_date_request(make_action())
    db.session.commit()
    sign_in(client, chair.email, "a-long-test-password")

    def measured() -> int:
        client.get("/date-requests")
        with count_queries(client.application) as counter:
            assert client.get("/date-requests").status_code == 200
        return counter.count

    few = measured()
    for _ in range(15):
        make_date_request(make_action(), by=chair)
    db.session.commit()
    assert measured() == few


def _admin_counts(client, app, count_queries, urls):
    counts = []
    for url in urls:
        client.get(url)
        with count_queries(app) as counter:
            response = client.get(url)
        assert response.status_code == 200, url
        counts.append(counter.count)
    return counts


def test_the_people_pages_and_a_message_run_the_same_queries_whatever_their_size(
    client, count_queries
):
    from tests.builders import make_action, make_outbox_message, make_user
    from tests.conftest import sign_in
    from tracker.extensions import db

    admin = make_user(role="admin", email="import.admin@trust.example")
    few, many = make_user(), make_user()
    make_action(lead=few)
    for _ in range(30):
        make_action(lead=many)
    short = make_outbox_message(to=few, items=1)
    long = make_outbox_message(to=many, items=30)
    db.session.commit()
    sign_in(client, admin.email, "a-long-test-password")
    app = client.application
    small = _admin_counts(
        client,
        app,
        count_queries,
        ["/admin/users", f"/admin/users/{few.id}", f"/admin/outbox/{short.id}"],
    )
    for _ in range(20):
        make_user()
    db.session.commit()
    large = _admin_counts(
        client,
        app,
        count_queries,
        ["/admin/users", f"/admin/users/{many.id}", f"/admin/outbox/{long.id}"],
    )
    assert small == large
    assert large[0] <= 3 and large[1] <= 7 and large[2] <= 3, large
    invite = _admin_counts(client, app, count_queries, ["/admin/users/invite"])
    assert invite[0] <= 5, invite


def test_the_csv_export_runs_the_same_statements_at_one_and_three_times_the_seed(
    client, count_queries
):
    """335 actions, then 1,005: the rows stream from one statement whatever their number."""
    from bench.generate import add_copies
    from tests.builders import make_user
    from tests.conftest import SEED_NOW, sign_in
    from tracker.extensions import db
    from tracker.services.seed import load_seed

    app = client.application
    load_seed(app.config["SEED_DIR"], now=SEED_NOW, demo_password=None, hash_method="x")
    reader = make_user(role="viewer", email="reader@trust.example")
    db.session.commit()
    sign_in(client, reader.email, "a-long-test-password")

    def export() -> tuple[int, int]:
        client.get("/api/v1/exports/plan.csv").close()
        with count_queries(app) as counter:
            response = client.get("/api/v1/exports/plan.csv")
            rows = response.get_data().count(b"\r\n") - 1
        assert response.status_code == 200
        return counter.count, int(response.headers["X-Total-Count"]) if rows else 0

    once, actions_once = export()
    add_copies(3)
    thrice, actions_thrice = export()
    assert (actions_once, actions_thrice) == (335, 1005)
    assert once == thrice


def test_the_changes_and_the_agenda_run_the_same_statements_at_one_and_three_times_the_seed(
    client, count_queries
):
    """335 actions and their history, then 1,005: a fixed number of statements either way."""
    from bench.generate import add_copies
    from tests.builders import make_user
    from tests.conftest import SEED_NOW, sign_in
    from tracker.extensions import db
    from tracker.services.seed import load_seed

    app = client.application
    load_seed(app.config["SEED_DIR"], now=SEED_NOW, demo_password=None, hash_method="x")
    reader = make_user(role="viewer", email="reader@trust.example")
    db.session.commit()
    sign_in(client, reader.email, "a-long-test-password")
    urls = ["/changes?since=2015-11-27", "/agenda?since=2016-01-29", "/api/v1/changes"]

    def counts() -> tuple[list[int], int]:
        found = []
        for url in urls:
            client.get(url)
            with count_queries(app) as counter:
                response = client.get(url)
            assert response.status_code == 200, url
            found.append(counter.count)
        changes = client.get("/api/v1/changes?since=2015-11-27").get_json()["items"]
        return found, len(changes)

    once, changes_once = counts()
    add_copies(3)
    thrice, changes_thrice = counts()
    assert changes_thrice > 2 * changes_once
    assert once == thrice


def test_checking_an_import_runs_the_same_statements_at_one_and_three_times_the_seed(
    client, count_queries
):
    """335 rows, then 1,005: the file is checked against a snapshot read in fixed queries."""
    from bench.generate import add_copies
    from tests.builders import make_user
    from tests.conftest import SEED_NOW, csrf_token, sign_in
    from tracker.extensions import db
    from tracker.services.seed import load_seed

    app = client.application
    load_seed(app.config["SEED_DIR"], now=SEED_NOW, demo_password=None, hash_method="x")
    admin = make_user(role="admin", email="import.admin@trust.example")
    db.session.commit()
    sign_in(client, admin.email, "a-long-test-password")

    def check() -> tuple[int, int]:
        data = client.get("/api/v1/exports/plan.csv").get_data()
        token = csrf_token(client, "/admin/import")
        with count_queries(app) as counter:
            response = client.post(
                "/admin/import",
                data={"csrf_token": token, "file": (io.BytesIO(data), "plan.csv")},
                content_type="multipart/form-data",
            )
        assert response.status_code == 200, response.get_data(as_text=True)[:2000]
        assert b"matches the plan" in response.data
        return counter.count, data.count(b"\r\n") - 1

    once, rows_once = check()
    add_copies(3)
    thrice, rows_thrice = check()
    assert (rows_once, rows_thrice) == (335, 1005)
    assert once == thrice
