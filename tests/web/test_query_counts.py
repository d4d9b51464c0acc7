"""Pages and API calls run a fixed number of SQL statements, whatever the data size."""

import io

import pytest
from sqlalchemy import select

from tests.builders import NOW

# The PDFs these requests ask for are not drawn: drawing is tested in the pack and report tests.
pytestmark = pytest.mark.usefixtures("pdf_drawing_stubbed")


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
        ("/plans/north?print=all", "/plans/main?print=all"),  # print view: 38 rows against 183
        ("/actions?plan=north&print=all", "/actions?print=all"),  # 38 rows against 335
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
        ("/api/v1/exports/plan.xlsx?plan=north", "/api/v1/exports/plan.xlsx"),
        (
            "/api/v1/exports/plan.xlsx?as_at=2016-01-20&plan=east&history=1",
            "/api/v1/exports/plan.xlsx?history=1",
        ),
        # The board pack: a locality (or a few red actions) against the whole plan.
        ("/api/v1/exports/board-pack.pdf?plan=central", "/api/v1/exports/board-pack.pdf"),
        (
            "/api/v1/exports/board-pack.pdf?as_at=2016-01-20&plan=east&rag=red",
            "/api/v1/exports/board-pack.pdf?as_at=2016-02-04",
        ),
        # A day of changes against the whole history since the report.
        ("/changes?since=2016-02-04", "/changes?since=2015-11-27"),
        ("/agenda?since=2016-02-04", "/agenda?since=2015-11-27"),
        ("/api/v1/changes?since=2016-02-04", "/api/v1/changes?since=2015-11-27"),
        ("/dashboard?plan=central", "/dashboard"),  # 38 actions against 335
        ("/api/v1/dashboard?plan=central", "/api/v1/dashboard"),
        # Measures: a month of the key measures against a quarter of every measure.
        ("/measures?period=2015-05&kind=key", "/measures?quarter=2015-Q3"),
        ("/api/v1/measures?period=2015-05&kind=key", "/api/v1/measures?quarter=2015-Q3"),
        ("/measures/D19", "/measures/A3"),  # 3 quarterly values against 10 monthly ones
        ("/measures/reports/quarterly/2015-Q1", "/measures/reports/quarterly/2015-Q3"),
        ("/api/v1/reports/quarterly/2015-Q1.docx", "/api/v1/reports/quarterly/2015-Q3.docx"),
        # Search: one result against a page of many; one kind against all.
        ("/search?q=MAP-001", "/search?q=social"),
        ("/search?q=safeguarding&kind=update", "/search?q=social&page=2"),
        ("/api/v1/search?q=MAP-001", "/api/v1/search?q=social&per_page=200"),
        # Past returns: one locality's against every locality's; a return as submitted with few
        # entries (a 38-action return) against one of another locality.
        ("/returns/north/history", "/returns/history"),
        ("/api/v1/localities/north/returns", "/api/v1/returns"),
        (
            "/api/v1/localities/north/returns/1/as-submitted",
            "/api/v1/localities/east/returns/3/as-submitted",
        ),
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
        ("/plans/main?print=all", 9),  # every row of the list, to print
        ("/actions", 8),
        ("/actions/MAP-001", 13),  # its challenges (two), its evidence (one), further findings
        ("/api/v1/actions", 6),
        ("/api/v1/exports/plan.csv", 6),
        ("/api/v1/exports/plan.xlsx", 8),
        ("/api/v1/exports/plan.xlsx?history=1", 10),
        # the dashboard's (open challenges among them), the rows, the tables; and the paper
        # (issue 18.2): the key measures (three), the group's last meeting, the inspection and
        # what changed since (six); progress by inspection and finding (three: issue 20.3)
        ("/api/v1/exports/board-pack.pdf", 39),
        ("/actions/overdue", 8),
        ("/api/v1/actions/overdue", 6),
        ("/returns", 5),
        ("/returns/north/2", 13),  # two for the return's challenges
        ("/api/v1/localities/north/returns/2", 11),
        ("/returns/north/history", 4),  # the session (2), the locality, cycles, returns
        ("/returns/history", 4),
        ("/api/v1/returns", 4),
        ("/api/v1/localities/north/returns/2/as-submitted", 6),
        ("/api/v1/cycles", 3),
        ("/sefs", 4),
        ("/actions/rebaselined", 2),
        ("/api/v1/actions/MAP-169/date-requests", 2),
        ("/sefs/south/2016-02", 4),
        ("/sefs/south/2016-02/compare", 4),
        ("/inspection", 3),
        # the plan's own changes (edits, date requests, their actions) are three of these
        ("/changes", 10),  # and the last meeting's day
        ("/agenda", 14),
        ("/api/v1/changes", 10),
        ("/api/v1/deadline", 3),
        # The session (2), counts, sign-off ages (3), returns (3), SEFs (2), the cycles, the
        # target dates and the history; the page adds its three filter menus.
        # three of them: actions green while a linked measure is off target; one the open
        # challenges
        ("/dashboard", 20),
        ("/api/v1/dashboard", 17),
        ("/measures", 4),  # the person, the register, its targets, a year of values
        ("/api/v1/measures", 4),
        ("/measures/A3", 6),  # the measure, targets, values, recommendations, actions
        # measures, the plan, returns, SEFs, meetings, challenges (and their steps)
        ("/measures/reports/quarterly/2015-Q3", 14),
        ("/account/calendar", 2),  # the person and their link's state
        ("/account/notifications", 2),  # the person and the actions they follow
        ("/search?q=social", 4),  # the session (2), the counts by kind, the page
        ("/api/v1/search?q=social", 4),
        ("/challenges", 4),  # the session, the page of challenges, its total, the plans menu
        ("/api/v1/challenges", 3),  # the page, its total and the steps (none in the seed)
        # the session and the action's row; then who is mailed (the warning before sending):
        # the lead and locality, its head and deputy, those people, and for anyone who cannot
        # sign in their line managers and heads, and invitations (five at most, whoever)
        ("/actions/MAP-001/challenges/new", 9),
    ],
)
def test_pages_stay_within_a_small_query_budget(role_client, seeded_app, count_queries, url, most):
    assert _count(role_client, seeded_app, count_queries, url) <= most


@pytest.mark.parametrize(
    ("role", "url", "most"),
    [
        ("locality_head", "/returns/north/3", 13),  # the return form: 38 actions; challenges
        ("locality_head", "/returns/north/3?view=compact", 13),  # one line per action
        ("locality_head", "/returns/north/3/no-change", 8),  # the return, without challenges
        # Each person's home: a fixed number of statements for each part they see (one more,
        # for anyone who may answer a challenge: those waiting for their response).
        ("admin", "/", 3),
        ("chair", "/", 9),  # awaiting sign-off, red and overdue, their own actions
        ("locality_head", "/", 19),  # this cycle's return, this month's SEF, their actions
        ("action_lead", "/", 7),
        ("performance_officer", "/", 7),
        ("viewer", "/", 3),
        ("locality_head", "/actions/N-01/update", 7),
        ("chair", "/sign-off", 5),
        ("chair", "/date-requests", 2),
        ("chair", "/actions/MAP-003/edit", 5),
        ("chair", "/plans/north/actions/new", 5),
        ("chair", "/actions/MAP-003/supersede", 3),
        ("chair", "/actions/S-21", 13),  # a pending request, challenges, evidence, findings
        ("action_lead", "/actions/MAP-003/target-date", 3),
        ("admin", "/admin/outbox", 3),
        ("admin", "/api/v1/outbox", 3),
        ("admin", "/admin/users", 4),
        ("admin", "/admin/users/invite", 5),
        # the session (2), the names events may give (one statement), the page with its total
        ("admin", "/admin/audit", 4),
        ("admin", "/admin/import", 3),
        # Set-up: the session (2) and one statement for the list with its counts.
        ("admin", "/admin/setup", 3),
        ("admin", "/admin/organisations", 3),
        ("admin", "/admin/areas", 3),
        ("admin", "/inspections/new?framework=ILACS_STANDARD", 3),  # the council's name
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


def test_evidence_lists_run_the_same_statements_whatever_their_length(client, count_queries):
    """The action page, the API's evidence list and a SEF's page, with one evidence item and with
    twelve (some withdrawn, some files)."""
    from tests.builders import add_evidence, make_action, make_cycles, make_sef_version, make_user
    from tests.conftest import sign_in
    from tracker.extensions import db
    from tracker.models import Evidence, Locality

    make_cycles(upto=4)
    head = make_user(role="locality_head", locality="north", email="north.head@trust.example")
    action = make_action(ref="N-01", plan="north", lead=head)
    make_sef_version(locality="north", month="2016-02")
    north = db.session.execute(select(Locality.id).where(Locality.code == "north")).scalar_one()

    def add(n: int) -> None:
        for i in range(n):
            add_evidence(action, by=head, withdrawn=i % 3 == 2)
            db.session.add(
                Evidence(
                    sef_locality_id=north,
                    sef_month="2016-02",
                    kind="file",
                    sha256="0" * 64,
                    filename="audit.pdf",
                    content_type="application/pdf",
                    size_bytes=1000,
                    title="SEF audit",
                    evidence_type="audit",
                    evidence_date=NOW.date(),
                    added_by_id=head.id,
                    added_at=NOW,
                )
            )
        db.session.commit()

    add(1)
    sign_in(client, head.email, "a-long-test-password")
    urls = ["/actions/N-01", "/api/v1/actions/N-01/evidence", "/sefs/north/2016-02"]

    def measured() -> list[int]:
        counts = []
        for url in urls:
            client.get(url)
            with count_queries(client.application) as counter:
                assert client.get(url).status_code == 200, url
            counts.append(counter.count)
        return counts

    few = measured()
    add(11)
    assert measured() == few


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

    admin = make_user(role="admin", email="admin@trust.example")
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


def test_the_measure_pages_run_the_same_statements_with_many_more_measures_and_values(
    client, count_queries
):
    """1x: two measures with a value each; then 30 more measures with a value every month of
    the year, target changes and links: the scorecard, a measure, the API and the report run
    the same number of statements."""
    from datetime import date

    from tests.builders import NOW, add_measure_value, make_action, make_measure, make_user
    from tests.conftest import sign_in
    from tracker.extensions import db
    from tracker.models import MeasureTarget, measure_action

    viewer = make_user(role="viewer")
    first = make_measure(code="Q1")
    make_measure(
        code="Q2",
        unit="money",
        polarity="lower",
        frequency="quarterly",
        target="0",
        tolerance="1000",
        area="finance",
    )
    add_measure_value(first, period=date(2015, 12, 1), value="91")
    db.session.commit()
    sign_in(client, viewer.email, "a-long-test-password")
    urls = [
        "/measures?quarter=2015-Q3",
        "/measures/Q1",
        "/api/v1/measures?quarter=2015-Q3",
        "/measures/reports/quarterly/2015-Q3",
    ]
    small = _admin_counts(client, client.application, count_queries, urls)
    action = make_action()
    for n in range(30):
        measure = make_measure(code=f"X{n}", basis="pooled" if n % 2 else "latest")
        db.session.add(
            MeasureTarget(
                measure_id=measure.id,
                effective_from=date(2015, 10, 1),
                target=95,
                tolerance=90,
                reason="Year 2.",
                recorded_at=NOW,
            )
        )
        for month in range(1, 13):
            add_measure_value(
                measure, period=date(2015, month, 1), value="88", numerator="88", denominator="100"
            )
        db.session.execute(
            measure_action.insert(), {"measure_id": measure.id, "action_id": action.id}
        )
    for month in range(1, 12):
        add_measure_value(first, period=date(2015, month, 1), value="92")
    db.session.commit()
    large = _admin_counts(client, client.application, count_queries, urls)
    assert small == large


def test_meeting_pages_run_the_same_statements_whatever_the_meeting_holds(
    role_client, seeded_app, count_queries
):
    """The seed's JSIG (4 attendees, 1 follow-up) against its Getting to Good (5 and 3): the
    snapshot is one stored document, read whole, whatever the size of the plan."""
    from sqlalchemy import select

    from tracker.extensions import db
    from tracker.models import Meeting

    with seeded_app.app_context():
        small, large = (
            db.session.execute(
                select(Meeting.id).where(Meeting.idempotency_key == key)
            ).scalar_one()
            for key in ("seed-jsig-2016-01-21", "seed-g2g-2016-01-28")
        )
        db.session.remove()
    client = role_client("viewer")  # one sign-in: sign-ins are rate limited

    def count(url: str) -> int:
        client.get(url).close()
        with count_queries(seeded_app) as counter:
            response = client.get(url)
            response.get_data()
        assert response.status_code == 200, url
        return counter.count

    for template in ("/meetings/{}", "/api/v1/meetings/{}"):
        assert count(template.format(small)) == count(template.format(large)) <= 6, template
    # The pack as a paper (issue 18.2) adds its note's history, the key measures (three), the
    # last meeting of the kind, the inspection and what changed since (six): the same for a
    # group's meeting with no earlier one and a board's meeting with a longer history; and
    # progress by inspection and finding (three: the events, the findings, the counts). The
    # meeting's name in the organisation's words (issue 20.2) costs nothing: the set-up comes
    # with the person signed in.
    for template, most in (
        ("/meetings/{}/pack", 20),
        ("/meetings/{}/pack.docx", 22),  # and the export's audit event
        ("/meetings/{}/note", 7),
    ):
        assert count(template.format(small)) == count(template.format(large)) <= most, template
    assert count("/meetings") <= 4
    assert count("/api/v1/meetings") <= 4


def test_the_challenge_log_runs_the_same_statements_whatever_its_length(client, count_queries):
    """The list, a challenge's page, the action page's section and the API, with one challenge
    and then with many (each answered), run the same number of statements."""
    from datetime import UTC, datetime

    from tests.builders import actor_for, make_action, make_user
    from tests.conftest import sign_in
    from tracker.extensions import db
    from tracker.services.governance import challenges

    chair = make_user(role="chair", email="chair@trust.example")
    lead = make_user(role="action_lead")
    make_action(ref="MAP-001", lead=lead)
    db.session.commit()
    now = datetime(2016, 2, 5, 10, tzinfo=UTC)
    by, answers = actor_for(chair), actor_for(lead)

    def add() -> int:
        cid = challenges.raise_challenge(by, question="Why amber?", now=now, action_ref="MAP-001")
        challenges.add_step(cid, "response", text="Because.", actor=answers, now=now)
        return cid

    first = add()
    sign_in(client, chair.email, "a-long-test-password")
    urls = [
        "/challenges",
        f"/challenges/{first}",
        "/actions/MAP-001",
        "/api/v1/challenges",
        f"/api/v1/challenges/{first}",
    ]

    def measured() -> list[int]:
        counts = []
        for url in urls:
            client.get(url)
            with count_queries(client.application) as counter:
                assert client.get(url).status_code == 200, url
            counts.append(counter.count)
        return counts

    few = measured()
    for _ in range(12):
        add()
    assert measured() == few


def test_the_mapped_import_pages_run_the_same_statements_whatever_the_sheet_holds(
    client, count_queries
):
    """The mapping page reads the sheet from the held file and the database for the saved
    mapping and the plans only; the invitations waiting are one statement, however many."""
    from tests.builders import make_user
    from tests.conftest import csrf_token, sign_in
    from tracker.extensions import db
    from tracker.services.exchange import mapped_imports

    admin = make_user(role="admin", email="admin@trust.example")
    db.session.commit()
    sign_in(client, admin.email, "a-long-test-password")
    app = client.application

    def held(rows: int) -> str:
        data = (
            "Name,Email,Organisation,Role\r\n"
            + "".join(f"P {n},p{n}.{rows}@trust.example,trust,Viewer\r\n" for n in range(rows))
        ).encode()
        token = csrf_token(client, "/admin/import/mapped")
        response = client.post(
            "/admin/import/mapped",
            data={"csrf_token": token, "kind": "people", "file": (io.BytesIO(data), "p.csv")},
            content_type="multipart/form-data",
        )
        return response.headers["Location"]

    def waiting(rows: int) -> None:
        data = (
            "Name,Email,Organisation,Role\r\n"
            + "".join(f"W {n},w{n}.{rows}@trust.example,trust,Viewer\r\n" for n in range(rows))
        ).encode()
        chosen = {"name": "Name", "email": "Email", "organisation": "Organisation", "role": "Role"}
        mapped_imports.run_people_import(
            "w.csv", data, sheet="CSV", chosen=chosen, dry_run=False, actor=None, now=NOW
        )

    waiting(1)
    small = _admin_counts(client, app, count_queries, [held(2), "/admin/import/invitations"])
    waiting(12)
    large = _admin_counts(client, app, count_queries, [held(60), "/admin/import/invitations"])
    assert small == large
    assert large[0] <= 4 and large[1] <= 3, large
