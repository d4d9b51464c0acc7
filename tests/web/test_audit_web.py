"""The audit log page and its CSV (issue 17.9): events in words with names, filtered by person,
kind and London days, paged, exported with the same filters; bad filters get an error summary."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from tests.builders import get_or_make_locality, make_user
from tests.conftest import sign_in
from tracker.extensions import db
from tracker.models import AuditEvent
from tracker.services.platform.audit import add_event

PASSWORD = "a-long-test-password"
# 23:30 UTC on 31 January is still 31 January in London (GMT); 23:30 UTC on 30 June is 1 July.
WINTER = datetime(2016, 1, 31, 23, 30, tzinfo=UTC)


@pytest.fixture
def world(client):
    admin = make_user(role="admin", email="admin@trust.example")
    claire = make_user(email="claire@trust.example")
    claire.name = "Claire Whitfield"
    north = get_or_make_locality("north")
    other = make_user(email="other@trust.example")
    add_event(
        "person_changed",
        now=WINTER,
        user_id=admin.id,
        target=claire.email,
        detail={"person_id": claire.id, "changes": {"deputy_locality_id": [None, north.id]}},
    )
    add_event("sign_in", now=WINTER + timedelta(days=1), user_id=claire.id, target=claire.email)
    add_event(
        "sign_in_failed",
        now=WINTER + timedelta(days=2),
        target='=HYPERLINK("http://evil.example")',
    )
    add_event("widget_moved", now=WINTER + timedelta(days=3), user_id=other.id, detail={"n": 2})
    db.session.commit()
    sign_in(client, admin.email, PASSWORD)
    north_name = north.name
    return {"admin": admin.id, "claire": claire.id, "other": other.id, "north": north_name}


def _rows(html: str) -> list[str]:
    body = html[html.index('id="audit-events"') :]
    return [
        re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip()
        for row in re.findall(r"<tr class=\"govuk-table__row\">(.*?)</tr>", body, re.S)
    ][1:]


def _errors(html: str) -> list[str]:
    assert "govuk-error-summary" in html
    summary = html[html.index("govuk-error-summary") :]
    summary = summary[: summary.index("</ul>")]
    return [
        re.sub(r"\s+", " ", t).strip()
        for t in re.findall(r'<a href="#[^"]*">(.*?)</a>', summary, re.S)
    ]


def test_the_audit_log_reads_in_words_with_names(client, world):
    response = client.get("/admin/audit")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    rows = _rows(html)
    assert any(f"Claire Whitfield named deputy for {world['north']}" in r for r in rows), rows
    assert any("Widget moved; n: 2" in r for r in rows), rows  # a kind the table does not know
    assert "{" not in " ".join(rows) and "person_id" not in html


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("kind=sign_in", ["Signed in", "Signed in"]),  # the admin's own, then Claire's
        ("person={claire}", ["Signed in", "Claire Whitfield named deputy"]),  # by her, about her
        ("person={other}", ["Widget moved"]),
        ("from=1/2/2016&to=1/2/2016", ["Signed in"]),
        ("to=31 January 2016", ["Claire Whitfield named deputy"]),  # 23:30 UTC, London's 31st
        ("from=2016-02-01&kind=person_changed", []),
    ],
)
def test_the_audit_log_filters_by_person_kind_and_london_days(client, world, query, expected):
    response = client.get("/admin/audit?" + query.format(**world))
    assert response.status_code == 200
    rows = _rows(response.get_data(as_text=True))
    assert len(rows) == len(expected), rows
    for row, words in zip(rows, expected, strict=True):
        assert words in row


@pytest.mark.parametrize(
    ("query", "error"),
    [
        ("kind=no_such_kind", "Choose a kind of event from the list"),
        ("person=999999", "Choose a person from the list"),
        ("person=abc", "Choose a person from the list"),
        ("from=31/2/2016", "Enter the ‘from’ date as a date like"),
        ("to=yesterday", "Enter the ‘to’ date as a date like"),
        ("from=5/2/2016&to=1/2/2016", "The ‘to’ date must be the same as or after"),
        ("page=0", "page must be a whole number"),
    ],
)
def test_a_bad_filter_gets_an_error_summary_on_the_page_and_a_400_for_the_csv(
    client, world, query, error
):
    response = client.get("/admin/audit?" + query)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert any(error in e for e in _errors(html)), _errors(html)
    assert 'id="audit-events"' not in html
    exports = _count_exports()
    download = client.get("/admin/audit.csv?" + query)
    assert download.status_code == 400 and error in download.get_data(as_text=True)
    assert _count_exports() == exports  # a refused export is not recorded as one


def _count_exports() -> int:
    db.session.remove()
    return db.session.execute(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.kind == "export")
    ).scalar_one()


def test_a_nul_byte_in_a_filter_is_refused(client, world):
    assert client.get("/admin/audit?kind=sign_in%00").status_code == 400
    assert client.get("/admin/audit.csv?from=1%00").status_code == 400


def test_the_csv_has_the_same_events_in_words_and_no_formula_runs(client, world):
    response = client.get("/admin/audit.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:3] == ["When (London)", "Who", "What happened"]
    sentences = [r[2] for r in rows[1:]]
    assert f"Claire Whitfield named deputy for {world['north']}" in sentences
    refused = next(r for r in rows[1:] if r[3] == "sign_in_failed")
    assert refused[2].startswith("Sign-in refused for")
    assert refused[4] == '\'=HYPERLINK("http://evil.example")'
    for row in rows[1:]:
        assert not any(cell[:1] in ("=", "+", "-", "@") for cell in row[1:]), row
    # The same filters as the page, and the export itself is in the log.
    only = client.get(f"/admin/audit.csv?person={world['other']}").get_data(as_text=True)
    assert len(list(csv.reader(io.StringIO(only)))) == 2
    assert "Exported audit.csv" in client.get("/admin/audit?kind=export").get_data(as_text=True)


def test_the_audit_log_is_paged_fifty_at_a_time(client, world):
    for n in range(60):
        add_event("sign_out", now=WINTER + timedelta(days=5, minutes=n), user_id=world["other"])
    db.session.commit()
    total = db.session.execute(select(func.count()).select_from(AuditEvent)).scalar_one()
    assert 64 <= total < 100
    first = client.get("/admin/audit").get_data(as_text=True)
    assert len(_rows(first)) == 50 and f"Events 1 to 50 of {total}" in first
    second = client.get("/admin/audit?page=2").get_data(as_text=True)
    assert len(_rows(second)) == total - 50 and f"Events 51 to {total} of {total}" in second
    assert 'aria-label="Pages of the audit log"' in second
    beyond = client.get("/admin/audit?page=9")
    assert beyond.status_code == 302 and beyond.headers["Location"].endswith("/admin/audit?page=2")
    nothing = client.get("/admin/audit?kind=seed_loaded&page=3")
    assert nothing.status_code == 302 and nothing.headers["Location"].endswith("page=1")


@pytest.mark.parametrize("role", ["chair", "viewer", "locality_head"])
def test_only_the_admin_reads_the_audit_log(client, role):
    person = make_user(role=role, locality="north" if role == "locality_head" else None)
    db.session.commit()
    sign_in(client, person.email, PASSWORD)
    assert client.get("/admin/audit").status_code == 403
    assert client.get("/admin/audit.csv").status_code == 403


def test_the_audit_page_runs_the_same_statements_for_few_events_and_many(
    client, world, count_queries
):
    app = client.application

    def count() -> int:
        client.get("/admin/audit").close()
        with count_queries(app) as counter:
            response = client.get("/admin/audit")
        assert response.status_code == 200
        return counter.count

    few = count()
    for _ in range(40):
        person = make_user()
        add_event(
            "person_changed",
            now=WINTER,
            user_id=person.id,
            target=person.email,
            detail={
                "person_id": person.id,
                "changes": {"line_manager_id": [None, world["claire"]]},
            },
        )
    db.session.commit()
    assert count() == few <= 4
