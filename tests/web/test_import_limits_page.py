"""The import page reads a file within the configured limits: a workbook whose declared size
lies, or with a value at a far row, is refused quickly with the message in the error summary,
and nothing is written."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import func, select

from tests.builders import make_user
from tests.conftest import csrf_token, load_seed_rows, sign_in
from tests.import_files import appending, declaring, measured, text_at, workbook
from tracker.extensions import db
from tracker.models import ActionEdit


@pytest.fixture
def admin_client(client):
    load_seed_rows(client.application)
    admin = make_user(role="admin", email="import.admin@trust.example")
    db.session.commit()
    sign_in(client, admin.email, "a-long-test-password")
    return client


def _upload(client, data: bytes, name: str = "plan.xlsx"):
    token = csrf_token(client, "/admin/import")
    return client.post(
        "/admin/import",
        data={"csrf_token": token, "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def _rows(client) -> list[list[str]]:
    data = client.get("/api/v1/exports/plan.csv").get_data().decode("utf-8-sig")
    return list(csv.reader(io.StringIO(data, newline="")))


def _edits() -> int:
    return db.session.execute(select(func.count()).select_from(ActionEdit)).scalar_one()


def test_a_value_at_a_far_row_under_a_huge_declared_size_is_refused_at_once(admin_client):
    data = appending(
        declaring(workbook(_rows(admin_client)[:4]), "A1:XFD1048576"), text_at("A1048576")
    )
    before = _edits()
    response, seconds, peak_mb = measured(lambda: _upload(admin_client, data))
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "govuk-error-summary" in page
    assert "The sheet Main plan has more than 20,000 rows (row 1,048,576 holds a value)" in page
    assert seconds < 5 and peak_mb < 50, (seconds, peak_mb)
    assert _edits() == before


def test_the_limits_are_the_app_s_settings(admin_client):
    config = admin_client.application.config
    rows = _rows(admin_client)
    config["IMPORT_MAX_ROWS"], config["IMPORT_MAX_CELLS"] = 10, 100_000
    try:
        page = _upload(admin_client, workbook(rows)).get_data(as_text=True)
        assert "The sheet Main plan has more than 10 rows" in page
        config["IMPORT_MAX_ROWS"], config["IMPORT_MAX_CELLS"] = 100_000, 50
        page = _upload(admin_client, workbook(rows)).get_data(as_text=True)
        assert "The file has more than 50 cells" in page
    finally:
        config["IMPORT_MAX_ROWS"], config["IMPORT_MAX_CELLS"] = 40_000, 500_000


def test_a_file_with_thousands_of_problems_is_reported_a_page_at_a_time(
    admin_client, count_queries
):
    rows = _rows(admin_client)
    header, body = rows[0], rows[1:]
    # Every row names an unknown organisation (repeated refs add more problems); long texts
    # are cut so that the upload stays small.
    bad = [header] + [
        [v[:12] for v in (*row[:7], "Acme Widgets", *row[8:])] for _ in range(7) for row in body
    ]
    data = _csv(bad)
    assert len(data) < 500_000  # bigger, the test client spools it to a file it leaves open
    response = _upload(admin_client, data, "plan.csv")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    total = int(page.split(" problems in plan.csv: nothing was written")[0].rsplit(">", 1)[1])
    assert total > 2_000
    assert (
        page.count('<tr class="govuk-table__row">\n          <td class="govuk-table__cell">') == 100
    )
    digest = page.split("/admin/import/problems/")[1][:64]
    last = -(-total // 100)
    counts = []
    for number in (2, last):
        url = f"/admin/import/problems/{digest}?page={number}"
        admin_client.get(url)
        with count_queries(admin_client.application) as counter:
            response = admin_client.get(url)
        counts.append(counter.count)
        assert response.status_code == 200
        shown = response.get_data(as_text=True).count(
            '<tr class="govuk-table__row">\n          <td class="govuk-table__cell">'
        )
        assert shown == (100 if number < last else total - 100 * (last - 1))
    assert counts[0] == counts[1] <= 3
    assert admin_client.get(f"/admin/import/problems/{'0' * 64}").status_code == 404


def _csv(rows) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode()
