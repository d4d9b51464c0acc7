"""The admin's import page: upload, the dry run's report, apply, the template, bad files."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.builders import make_user
from tests.conftest import csrf_token, load_seed_rows, sign_in
from tracker.domain.imports import HEADER
from tracker.extensions import db
from tracker.models import Action, ActionEdit, AuditEvent, Recommendation

COL = {c: i for i, c in enumerate(HEADER)}


@pytest.fixture
def admin_client(client):
    app = client.application
    load_seed_rows(app)
    admin = make_user(role="admin", email="import.admin@trust.example")
    db.session.commit()
    sign_in(client, admin.email, "a-long-test-password")
    return client


def _upload(client, data: bytes, name: str = "plan.csv"):
    token = csrf_token(client, "/admin/import")
    return client.post(
        "/admin/import",
        data={"csrf_token": token, "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def _exported(client) -> list[list[str]]:
    data = client.get("/api/v1/exports/plan.csv").get_data().decode("utf-8-sig")
    return list(csv.reader(io.StringIO(data, newline="")))


def _csv(rows) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode()


def _title_of(ref: str) -> str:
    return db.session.execute(select(Action.title).where(Action.ref == ref)).scalar_one()


def test_problems_are_listed_by_row_and_column_then_a_good_file_is_applied(admin_client):
    rows = _exported(admin_client)
    ref = rows[1][COL["Ref"]]
    bad = [r[:] for r in rows]
    bad[1][COL["Lead organisation"]] = "Acme Widgets"
    bad[2][COL["Start date"]] = "soon"
    response = _upload(admin_client, _csv(bad))
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "2 problems in plan.csv: nothing was written" in page
    assert "There is no organisation called Acme Widgets" in page and "is not a date" in page
    assert "Apply these changes" not in page

    good = [r[:] for r in rows]
    good[1][COL["Title"]] = "Imported: a clearer title"
    response = _upload(admin_client, _csv(good))
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Changed: Title" in page
    assert _title_of(ref) != "Imported: a clearer title"  # the dry run wrote nothing
    digest = page.split('name="digest" type="hidden" value="')[1][:64]
    token = csrf_token(admin_client, "/admin/import")
    response = admin_client.post(
        "/admin/import/apply", data={"csrf_token": token, "digest": digest}
    )
    assert response.status_code == 302
    assert _title_of(ref) == "Imported: a clearer title"
    assert db.session.execute(
        select(ActionEdit.cause).where(ActionEdit.field == "title")
    ).scalars().all() == ["import"]
    follow = admin_client.get("/admin/import").get_data(as_text=True)
    assert "Imported plan.csv: 0 actions added, 1 edited" in follow
    kinds = (
        db.session.execute(
            select(AuditEvent.detail).where(AuditEvent.kind == "import").order_by(AuditEvent.id)
        )
        .scalars()
        .all()
    )
    assert [(k["dry_run"], k["applied"]) for k in kinds] == [
        (True, False),
        (True, False),
        (False, True),
    ]
    # Applying it twice writes nothing more, and says it was already applied (issue 19).
    response = admin_client.post(
        "/admin/import/apply", data={"csrf_token": token, "digest": digest}
    )
    assert response.status_code == 302
    landing = admin_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "plan.csv was already applied: nothing was written again" in landing


def test_the_export_uploaded_unchanged_reports_no_changes(admin_client):
    response = _upload(admin_client, _csv(_exported(admin_client)))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "No changes: plan.csv matches the plan" in page and "Apply these changes" not in page


@pytest.mark.parametrize(
    ("data", "name", "words"),
    [
        ("Ref,Plan\nMAP-001,Caf\xe9\n".encode("latin-1"), "plan.csv", "not UTF-8"),
        (b"PK\x03\x04garbage", "plan.xlsx", "damaged"),
        (b"Ref,Plan,Notes\n", "plan.csv", "missing columns"),
    ],
)
def test_a_bad_file_gets_a_clear_message_and_writes_nothing(admin_client, data, name, words):
    before = db.session.execute(select(func.count()).select_from(ActionEdit)).scalar_one()
    response = _upload(admin_client, data, name)
    assert response.status_code == 400
    assert words in response.get_data(as_text=True)
    assert db.session.execute(select(func.count()).select_from(ActionEdit)).scalar_one() == before


def test_a_file_over_the_limit_is_refused_before_it_is_read(admin_client):
    admin_client.application.config["IMPORT_MAX_BYTES"] = 1024
    try:
        response = _upload(admin_client, b"x" * 200_000)
    finally:
        admin_client.application.config["IMPORT_MAX_BYTES"] = 10 * 1024 * 1024
    assert response.status_code == 413
    assert "The file is bigger than 0 MB" in response.get_data(as_text=True)


def test_a_file_bigger_than_other_forms_allow_but_within_the_import_limit_is_read(admin_client):
    """MAX_CONTENT_LENGTH (5 MB) guards every other form; the import page takes 10 MB."""
    rows = _exported(admin_client)
    big = _csv(rows) + (b" " * 100_000 + b"\r\n") * 60  # blank lines are skipped
    assert len(big) > admin_client.application.config["MAX_CONTENT_LENGTH"]
    # Encoded here: the test client would spool a big body to a file it never closes.
    token = csrf_token(admin_client, "/admin/import")
    boundary = "tracker-import-test"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n'
            f"{token}\r\n--{boundary}\r\n"
            'Content-Disposition: form-data; name="file"; filename="plan.csv"\r\n'
            "Content-Type: text/csv\r\n\r\n"
        ).encode()
        + big
        + f"\r\n--{boundary}--\r\n".encode()
    )
    response = admin_client.post(
        "/admin/import",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert "matches the plan" in response.get_data(as_text=True)


def test_the_template_has_the_columns_and_one_illustrative_row(admin_client):
    response = admin_client.get("/admin/import/template.csv")
    rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"), newline="")))
    assert rows[0] == [*HEADER, "Success measure"] and len(rows) == 2
    assert "Illustrative" in rows[1][COL["Title"]]


def test_a_long_import_runs_in_the_background_with_progress_then_says_what_it_did(admin_client):
    from tracker.web.admin import imports as page

    app = admin_client.application
    app.config["IMPORT_BACKGROUND_CHANGES"] = 1
    try:
        rows = _exported(admin_client)
        refs = [r[COL["Ref"]] for r in rows[1:3]]
        for r in rows[1:3]:
            r[COL["Title"]] += " (imported)"
        page_html = _upload(admin_client, _csv(rows)).get_data(as_text=True)
        digest = page_html.split('name="digest" type="hidden" value="')[1][:64]
        token = csrf_token(admin_client, "/admin/import")
        response = admin_client.post(
            "/admin/import/apply", data={"csrf_token": token, "digest": digest, "changes": "2"}
        )
        assert response.status_code == 302
        assert response.headers["Location"].endswith(f"/admin/import/progress/{digest}")
        page.RUNNING[digest].join(timeout=60)
        status = admin_client.get(f"/admin/import/progress/{digest}.json").get_json()
        assert status["state"] == "done" and status["counts"]["edited_actions"] == 2
        done = admin_client.get(f"/admin/import/progress/{digest}", follow_redirects=True)
        assert "Imported plan.csv: 0 actions added, 2 edited" in done.get_data(as_text=True)
        db.session.expire_all()
        assert all(_title_of(ref).endswith(" (imported)") for ref in refs)
    finally:
        app.config["IMPORT_BACKGROUND_CHANGES"] = 300


def test_the_progress_page_shows_a_bar_while_an_import_runs(admin_client):
    from tracker.services.exchange import imports

    digest = "a" * 64
    store = Path(admin_client.application.instance_path) / "imports"
    imports.write_status(store, digest, imports.running_status("Writing", 150, 3000))
    try:
        response = admin_client.get(f"/admin/import/progress/{digest}")
        html = response.get_data(as_text=True)
        assert response.status_code == 200
        assert 'max="3000" value="150"' in html and "Writing: 150 of 3000" in html
    finally:
        (store / f"{digest}.status.json").unlink()


def _exported_book(client):
    import openpyxl

    data = client.get("/api/v1/exports/plan.xlsx").get_data()
    return openpyxl.load_workbook(io.BytesIO(data))


def _saved(book) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_the_workbook_s_recommendations_are_checked_listed_and_applied(admin_client):
    book = _exported_book(admin_client)
    response = _upload(admin_client, _saved(book), "plan.xlsx")
    assert "No changes: plan.xlsx matches the plan" in response.get_data(as_text=True)

    sheet = book["Recommendations"]
    sheet.append(
        ["R21", "Illustrative: a new recommendation", "Make sure ...", "Leadership", "Mayor"]
    )
    response = _upload(admin_client, _saved(book), "plan.xlsx")
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "1 problem in plan.xlsx: nothing was written" in page
    assert "Recommendations</td>" in page and "Lead body</td>" in page and "not a lead body" in page

    sheet.cell(row=sheet.max_row, column=5, value="Council")
    sheet.cell(row=2, column=2, value="A revised title")
    response = _upload(admin_client, _saved(book), "plan.xlsx")
    page = response.get_data(as_text=True)
    assert response.status_code == 200, page
    assert "Recommendation added: Illustrative: a new recommendation" in page
    assert "Recommendation changed: Title" in page
    assert "People are not created by an import of the plan" in page
    assert (
        db.session.execute(
            select(func.count()).select_from(Recommendation).where(Recommendation.ref == "R21")
        ).scalar_one()
        == 0
    )
    digest = page.split('name="digest" type="hidden" value="')[1][:64]
    token = csrf_token(admin_client, "/admin/import")
    response = admin_client.post(
        "/admin/import/apply", data={"csrf_token": token, "digest": digest}
    )
    assert response.status_code == 302
    follow = admin_client.get("/admin/import").get_data(as_text=True)
    assert "1 recommendations added, 1 changed" in follow
    titles = dict(db.session.execute(select(Recommendation.ref, Recommendation.title)).all())
    assert titles["R21"] == "Illustrative: a new recommendation"
    assert titles["R1"] == "A revised title"
    kinds = db.session.execute(
        select(AuditEvent.kind).where(AuditEvent.kind.like("recommendation_%"))
    ).scalars()
    assert sorted(kinds) == ["recommendation_added", "recommendation_changed"]
