"""The scorecard, a measure's page, entering and uploading values, and the report page."""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
from sqlalchemy import func, select

from tests.appendix_a import APPENDIX_A
from tests.builders import add_measure_value, make_measure, make_user
from tests.conftest import csrf_token, sign_in
from tracker.extensions import db
from tracker.models import AuditEvent, Measure, MeasureTarget, MeasureValue


def statuses_on(html: str) -> dict[str, str]:
    return dict(re.findall(r'id="measure-([A-Za-z0-9]+)".*?data-status="([A-Z ]*)"', html, re.S))


@pytest.fixture(scope="module")
def scorecard_q3(seeded_app):
    from tests.conftest import ROLE_ACCOUNTS

    client = seeded_app.test_client()
    sign_in(client, ROLE_ACCOUNTS["locality_head"])
    response = client.get("/measures?quarter=2015-Q3")
    assert response.status_code == 200
    return response.get_data(as_text=True)


@pytest.mark.parametrize(("code", "status"), sorted(APPENDIX_A.items()))
def test_the_scorecard_gives_appendix_a_for_quarter_3_2015_16(scorecard_q3, code, status):
    assert statuses_on(scorecard_q3)[code] == status


def test_the_scorecard_groups_by_area_with_numbers_beside_each_sparkline(scorecard_q3):
    headings = re.findall(
        r'<h2 class="govuk-heading-m" id="area-[a-z_]+">([^<]+)</h2>', scorecard_q3
    )
    assert headings == [
        "Measures relating to social care pathway for children in need",
        "Measures relating to children in care and care leavers",
        "Measures relating to workforce",
        "Measures relating to finance",
    ]
    assert scorecard_q3.count('<svg class="tracker-sparkline"') == 60
    assert "Trend: April 2015 83.33%; May 2015 87.1%" in scorecard_q3  # A3, for screen readers


def test_the_scorecard_filters_key_and_operational(role_client):
    html = (
        role_client("viewer")
        .get("/measures?quarter=2015-Q3&kind=operational")
        .get_data(as_text=True)
    )
    shown = statuses_on(html)
    assert len(shown) == 38 and "C13" in shown and "A3" not in shown and "A1" not in shown


@pytest.mark.parametrize(
    ("configured", "first"),
    [
        (None, "2015-Q1"),  # unset: from the first value (April 2015), before the first cycle
        ("2015-Q3", "2015-Q3"),  # set: as set
    ],
)
def test_the_scorecard_offers_quarters_from_the_first_value_recorded_unless_set(
    role_client, seeded_app, monkeypatch, configured, first
):
    monkeypatch.setitem(seeded_app.config, "MEASURES_FIRST_QUARTER", configured)
    html = role_client("viewer").get("/measures").get_data(as_text=True)
    offered = re.findall(r'<option value="(\d{4}-Q\d)"', html)
    assert offered[-1] == first  # newest first: the last offered is the first quarter


def test_a_month_that_has_not_begun_is_an_error_on_the_scorecard(role_client):
    response = role_client("viewer").get("/measures?period=2016-04")
    assert response.status_code == 400
    assert "April 2016 is in the future" in response.get_data(as_text=True)


def test_a_measure_page_shows_its_history_target_changes_and_links(role_client):
    html = role_client("viewer").get("/measures/A3").get_data(as_text=True)
    assert "Contract year 2: the audit measure" in html  # the October 2015 target change
    assert re.search(r'id="quarter-2015-Q3".*?87%.*?OFF TARGET', html, re.S)
    assert re.search(r'id="quarter-2015-Q2".*?81%.*?IN TOLERANCE', html, re.S)
    assert "MAP-144" in html and "Green while this measure is off target" in html
    assert role_client("viewer").get("/measures/Z99").status_code == 404


# --- Writing, on the empty database --------------------------------------------------------


@pytest.fixture
def officer(client):
    user = make_user(role="performance_officer")
    make_measure(code="P1", unit="percentage", target="90", tolerance="80")
    make_measure(
        code="F1",
        unit="money",
        polarity="lower",
        frequency="quarterly",
        target="0",
        tolerance="100000",
        area="finance",
    )
    db.session.commit()
    sign_in(client, user.email, "a-long-test-password")
    return client


def _values() -> int:
    return db.session.execute(select(func.count()).select_from(MeasureValue)).scalar_one()


def _post_value(client, **fields):
    data = {
        "measure": "P1",
        "period": "2016-01",
        "value": "",
        "numerator": "",
        "denominator": "",
        "narrative": "Illustrative.",
    } | fields
    data["csrf_token"] = csrf_token(client, "/measures/values/new")
    return client.post("/measures/values/new", data=data)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"value": "eighty"}, "The value must be a number"),
        ({"value": "100.5"}, "between 0 and 100"),
        ({"value": "85", "period": "2016-03"}, "March 2016 is in the future"),
        ({"value": "85", "period": "Jan 2016"}, "YYYY-MM"),
        ({"numerator": "12", "denominator": "10"}, "cannot be above its denominator"),
        ({"value": "85", "numerator": "4"}, "both the numerator and the denominator"),
        ({"value": ""}, "Enter a value"),
        ({"value": "85", "measure": "NOPE"}, "Choose a measure"),
        ({"value": "1000", "measure": "F1", "period": "2015-11"}, "reported quarterly"),
        ({"value": "85", "narrative": "x" * 4001}, "4,000 characters or fewer"),
        ({"value": "85", "narrative": "Seen on 03/04/2009 (DOB)"}, "date of birth"),
        ({"value": "2147483648999"}, "too large"),
    ],
)
def test_a_bad_value_gets_a_clear_message_and_nothing_is_written(officer, fields, message):
    response = _post_value(officer, **fields)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "There is a problem" in html and message in html.replace("&#39;", "'")
    assert _values() == 0


def test_a_value_worked_out_from_its_cohort_is_saved_and_replaced_with_an_audit_trail(officer):
    response = _post_value(officer, numerator="8", denominator="9")
    assert response.status_code == 302 and response.headers["Location"].endswith("/measures/P1")
    row = db.session.execute(select(MeasureValue)).scalar_one()
    assert (str(row.value), row.period) == ("88.89", date(2016, 1, 1))
    _post_value(officer, value="91")
    db.session.expire_all()
    assert _values() == 1
    assert str(db.session.execute(select(MeasureValue.value)).scalar_one()) == "91.00"
    events = (
        db.session.execute(
            select(AuditEvent.detail)
            .where(AuditEvent.kind == "measure_values_recorded")
            .order_by(AuditEvent.id)
        )
        .scalars()
        .all()
    )
    assert events[-1]["values"][0]["before"] == "88.89"
    page = officer.get("/measures/P1").get_data(as_text=True)
    assert "Small cohort" not in page  # the replacing value has no denominator


def _upload(client, text: str, button: str):
    token = csrf_token(client, "/measures/values/upload")
    return client.post(
        "/measures/values/upload",
        data={"csrf_token": token, button: "1", "file": (io.BytesIO(text.encode()), "v.csv")},
        content_type="multipart/form-data",
    )


GOOD_CSV = (
    "measure,period,value,numerator,denominator,narrative\n"
    "P1,2015-12,,8,9,Illustrative: a small audit sample.\n"
    "P1,2016-01,92,,,Illustrative.\n"
    "F1,2015-12,250000,,,Illustrative: placements.\n"
)


def test_a_csv_dry_run_checks_every_row_and_writes_nothing(officer):
    response = _upload(officer, GOOD_CSV, "check")
    assert response.status_code == 200
    assert "3 values: 3 new, 0 replacing" in response.get_data(as_text=True)
    assert _values() == 0


def test_a_csv_with_one_bad_row_writes_nothing_and_names_the_line(officer):
    bad = GOOD_CSV + "P1,2016-02,85,,,\nP1,2015-12,abc,,,\nQ9,2015-12,1,,,\nP1,2016-01,93,,,\n"
    response = _upload(officer, bad, "upload")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Line 5: period: February 2016 is in the future" not in html  # today is 5 Feb 2016
    assert "Line 6: value: The value must be a number" in html
    assert "Line 7: measure: Unknown measure &#39;Q9&#39;" in html
    assert "Line 8: P1 2016-01 is also on line 3" in html
    assert _values() == 0


def test_a_good_csv_is_saved_all_together(officer):
    response = _upload(officer, GOOD_CSV, "upload")
    assert response.status_code == 302
    assert _values() == 3
    assert "3 values saved (3 new, 0 replaced)" in officer.get("/measures").get_data(as_text=True)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("code,month\nP1,2016-01\n", "The first line must name the columns"),
        ("measure,period,value,colour\nP1,2016-01,1,red\n", "Unknown column"),
        ("measure,period,value\n", "The file has no values"),
        ("measure,period,value\nP1,2016-01,1,extra\n", "more cells than the header"),
    ],
)
def test_a_csv_that_is_not_a_values_file_is_refused(officer, text, message):
    response = _upload(officer, text, "check")
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert _values() == 0


def test_values_page_and_upload_need_the_measures_permission(client):
    viewer = make_user(role="viewer")
    db.session.commit()
    sign_in(client, viewer.email, "a-long-test-password")
    assert client.get("/measures/values/new").status_code == 403
    assert client.get("/measures/values/upload").status_code == 403


def test_a_small_cohort_is_flagged(officer):
    p1 = db.session.execute(select(Measure).where(Measure.code == "P1")).scalar_one()
    add_measure_value(p1, period=date(2015, 12, 1), value="88.89", numerator="8", denominator="9")
    db.session.commit()
    html = officer.get("/measures?period=2015-12").get_data(as_text=True)
    assert "Small cohort" in html and "8 of 9" in html


def _post_target(client, **fields):
    data = {
        "effective_from": "2016-04",
        "target": "92",
        "tolerance": "85",
        "reason": "Annual contract review 2016.",
    } | fields
    data["csrf_token"] = csrf_token(client, "/measures/P1")
    return client.post("/measures/P1/targets", data=data)


def test_a_tolerance_on_the_wrong_side_of_the_target_is_refused_on_the_measure_page(officer):
    response = _post_target(officer, tolerance="95")
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "There is a problem" in html
    assert "the tolerance must be at or below the target" in html
    assert db.session.execute(select(func.count()).select_from(MeasureTarget)).scalar_one() == 2


def test_a_target_change_is_added_and_the_old_target_kept(officer):
    response = _post_target(officer)
    assert response.status_code == 302
    html = officer.get("/measures/P1").get_data(as_text=True)
    assert "New target for P1 recorded from 2016-04" in html
    assert "92% (tolerance 85%)" in html and "90% (tolerance 80%)" in html
    again = _post_target(officer, target="93", tolerance="86")
    assert again.status_code == 400 and "never overwritten" in again.get_data(as_text=True)


def test_the_report_lists_the_governance_meetings_held_in_its_quarter(role_client):
    """The seed records a JSIG (21 January 2016) and a Getting to Good (28 January 2016): both
    in quarter 4 of 2015/16, neither in quarter 3."""
    client = role_client("viewer")
    q4 = client.get("/measures/reports/quarterly/2015-Q4").get_data(as_text=True)
    table = q4.split('id="meetings-held"', 1)[1].split("</table>", 1)[0]
    assert "Joint Strategic Inspection Group" in table and "Getting to Good" in table
    assert "21 January 2016" in table and "28 January 2016" in table
    q3 = client.get("/measures/reports/quarterly/2015-Q3").get_data(as_text=True)
    assert "No governance meeting was recorded in the tracker in this quarter" in q3
    docx = client.get("/api/v1/reports/quarterly/2015-Q4.docx")
    assert docx.status_code == 200
    from io import BytesIO

    from docx import Document  # python-docx: the Word file has the same section

    text = "\n".join(p.text for p in Document(BytesIO(docx.data)).paragraphs)
    assert "4. Governance meetings held in the quarter" in text
    cells = {c.text for t in Document(BytesIO(docx.data)).tables for r in t.rows for c in r.cells}
    assert "Joint Strategic Inspection Group" in cells and "Getting to Good" in cells
