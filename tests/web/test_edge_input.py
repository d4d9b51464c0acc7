"""Issue 12 part 4: input that PostgreSQL refuses (and SQLite stores) is turned away at the edge,
with a clear 400 or 404 and nothing written, the same on both databases.

Each defect seen as a 500 has its test here: a NUL byte in a query value, a form field or a JSON
string; a whole number beyond 2,147,483,647 in a path or a form; a JSON lone surrogate; a file
sent where a text field is expected.
"""

from __future__ import annotations

import io
import json

import pytest
from sqlalchemy import func, select

from tests.builders import make_action, make_cycles, make_user
from tests.conftest import csrf_token, sign_in
from tracker.extensions import db
from tracker.models import ActionUpdate, AuditEvent, LocalityReturn, ReturnDraft

PASSWORD = "a-long-test-password"
HEAD = "north.head@trust.example"
CHAIR = "chair@trust.example"
ADMIN = "admin@trust.example"
BIG = "2147483648"  # one more than PostgreSQL's INTEGER holds
HUGE = "99999999999999999999"  # more than any database's integer holds


@pytest.fixture
def north(clean_db):
    """North's head with two open North actions; a chair; cycles 1 to 4 (today is in 3)."""
    make_cycles(upto=4)
    head = make_user(role="locality_head", locality="north", email=HEAD)
    make_user(role="chair", email=CHAIR)
    make_user(role="admin", email=ADMIN)
    make_action(ref="N-01", plan="north", lead=head)
    make_action(
        ref="N-02", plan="north", lead=head, lifecycle="complete_awaiting_signoff", rag="green"
    )
    db.session.commit()
    return head


def _rows() -> dict[str, int]:
    """Every table a form or the API could write to, counted (audit events aside)."""
    counts = {
        model.__tablename__: db.session.execute(select(func.count()).select_from(model)).scalar()
        for model in (ActionUpdate, LocalityReturn, ReturnDraft)
    }
    db.session.remove()
    return counts


def _signed_in(client, email: str = HEAD):
    sign_in(client, email, PASSWORD)
    return client


def _update_form(client, **overrides) -> dict:
    return {
        "csrf_token": csrf_token(client, "/accessibility"),
        "version": "1",
        "summary": "Daily exception list checked by every team manager.",
        "rag": "green",
        "lifecycle": "in_progress",
        "impact": "not_yet_evidenced",
        "reason": "",
        "evidence": "",
    } | overrides


def _return_form(client, **overrides) -> dict:
    data = {
        "csrf_token": csrf_token(client, "/accessibility"),
        "save": "y",
        "entries-0-ref": "N-01",
        "entries-0-version": "1",
        "entries-0-summary": "Daily exception list checked by every team manager.",
        "entries-0-lifecycle": "in_progress",
        "entries-0-rag": "green",
        "entries-0-impact": "not_yet_evidenced",
        "entries-0-reason": "",
        "entries-0-evidence": "",
    }
    return data | overrides


# --- NUL bytes ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/actions/N-01?tab=a%00b",  # a value the page does not even read
        "/returns?cycle=%00",
        "/actions?recommendation=R1%00",
        "/sign-in?next=%2F%00",
    ],
)
def test_a_nul_byte_in_any_query_value_is_a_400_page(client, north, url):
    response = _signed_in(client).get(url)

    assert response.status_code == 400
    assert "NUL" in response.get_data(as_text=True) or "null" in response.get_data(as_text=True)


@pytest.mark.parametrize("field", ["summary", "reason", "evidence", "rag", "version"])
def test_a_nul_byte_in_any_field_of_the_update_form_is_a_400_and_writes_nothing(
    client, north, field
):
    before = _rows()
    client = _signed_in(client)
    data = _update_form(client)
    data[field] = data[field] + "\x00" if data[field] else "\x00"

    response = client.post("/actions/N-01/update", data=data)

    assert response.status_code == 400
    assert response.mimetype == "text/html"
    assert _rows() == before


def test_a_nul_byte_in_a_return_entry_is_a_400_and_writes_nothing(client, north):
    before = _rows()
    client = _signed_in(client)

    response = client.post(
        "/returns/north/3", data=_return_form(client, **{"entries-0-summary": "Checked.\x00"})
    )

    assert response.status_code == 400
    assert _rows() == before


def test_a_nul_byte_in_a_json_string_is_a_400_problem_and_writes_nothing(client, north):
    before = _rows()
    client = _signed_in(client)
    body = {
        "version": 1,
        "summary": "Checked\x00",
        "lifecycle": "in_progress",
        "rag": "green",
        "impact": "not_yet_evidenced",
    }

    response = client.post(
        "/api/v1/actions/N-01/updates",
        data=json.dumps(body),
        headers={
            "Content-Type": "application/json",
            "X-CSRFToken": csrf_token(client, "/accessibility"),
        },
    )

    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["invalid_params"][0]["name"] == "summary"
    assert _rows() == before


# --- lone surrogates ----------------------------------------------------------------------------


@pytest.mark.parametrize("escape", ["\\ud800", "\\udfff", "ok \\udc00 ok"])
def test_a_json_lone_surrogate_is_a_400_problem_and_writes_nothing(client, north, escape):
    before = _rows()
    client = _signed_in(client)
    raw = (
        '{"version": 1, "summary": "' + escape + '", "lifecycle": "in_progress", '
        '"rag": "green", "impact": "not_yet_evidenced"}'
    )

    response = client.post(
        "/api/v1/actions/N-01/updates",
        data=raw,
        headers={
            "Content-Type": "application/json",
            "X-CSRFToken": csrf_token(client, "/accessibility"),
        },
    )

    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["invalid_params"][0]["name"] == "summary"
    assert _rows() == before


def test_a_lone_surrogate_in_a_json_key_is_refused_too(client, north):
    client = _signed_in(client)

    response = client.post(
        "/api/v1/actions/N-01/updates",
        data='{"\\ud800": 1}',
        headers={
            "Content-Type": "application/json",
            "X-CSRFToken": csrf_token(client, "/accessibility"),
        },
    )

    assert response.status_code == 400


# --- whole numbers beyond INTEGER ---------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        f"/returns/south/{BIG}",
        f"/returns/north/{HUGE}",
        f"/api/v1/localities/north/returns/{BIG}",
        f"/api/v1/localities/north/returns/{HUGE}",
    ],
)
def test_a_whole_number_beyond_integer_in_a_path_is_a_404(client, north, url):
    response = _signed_in(client).get(url)

    assert response.status_code == 404


@pytest.mark.parametrize("number", [BIG, HUGE])
@pytest.mark.parametrize("path", ["/admin/users/{}", "/admin/users/{}/leave", "/admin/outbox/{}"])
def test_a_whole_number_beyond_integer_in_an_admin_path_is_a_404(client, north, path, number):
    response = _signed_in(client, ADMIN).get(path.format(number))

    assert response.status_code == 404


@pytest.mark.parametrize("number", [BIG, HUGE])
@pytest.mark.parametrize(
    "path",
    ["/admin/users/{}/reinvite", "/admin/users/{}/tokens", "/admin/outbox/{}/resend"],
)
def test_posting_to_an_admin_path_beyond_integer_is_a_404(client, north, path, number):
    client = _signed_in(client, ADMIN)
    token = csrf_token(client, "/accessibility")

    response = client.post(path.format(number), data={"csrf_token": token})

    assert response.status_code == 404


@pytest.mark.parametrize("number", [BIG, HUGE])
def test_posting_to_a_return_beyond_integer_is_a_404_and_writes_nothing(client, north, number):
    before = _rows()
    client = _signed_in(client)

    response = client.post(f"/returns/north/{number}", data=_return_form(client))

    assert response.status_code == 404
    assert _rows() == before


@pytest.mark.parametrize("number", [BIG, HUGE])
def test_a_return_entry_version_beyond_integer_is_a_form_error(client, north, number):
    before = _rows()
    client = _signed_in(client)

    response = client.post(
        "/returns/north/3", data=_return_form(client, **{"entries-0-version": number})
    )

    assert response.status_code == 400
    assert "N-01" in response.get_data(as_text=True)
    assert _rows() == before


@pytest.mark.parametrize("number", [BIG, HUGE])
def test_an_update_form_version_beyond_integer_is_a_form_error(client, north, number):
    before = _rows()
    client = _signed_in(client)

    response = client.post("/actions/N-01/update", data=_update_form(client, version=number))

    assert response.status_code == 400
    assert "govuk-error-summary" in response.get_data(as_text=True)
    assert _rows() == before


@pytest.mark.parametrize("number", [BIG, HUGE])
def test_a_sign_off_version_beyond_integer_is_a_form_error(client, north, number):
    before = _rows()
    client = _signed_in(client, CHAIR)
    data = {
        "csrf_token": csrf_token(client, "/accessibility"),
        "version": number,
        "decision": "return",
        "reason": "More evidence, please.",
    }

    response = client.post("/actions/N-02/sign-off", data=data)

    assert response.status_code == 400
    assert "govuk-error-summary" in response.get_data(as_text=True)
    assert _rows() == before


# --- a file where text belongs ------------------------------------------------------------------


@pytest.mark.parametrize("field", ["summary", "version", "csrf_token"])
def test_a_file_sent_in_place_of_a_text_field_is_a_400_and_writes_nothing(client, north, field):
    before = _rows()
    client = _signed_in(client)
    data: dict = _update_form(client)
    data[field] = (io.BytesIO(b"not a summary"), "summary.txt")

    response = client.post("/actions/N-01/update", data=data, content_type="multipart/form-data")

    assert response.status_code == 400
    assert field == "csrf_token" or "does not take files" in response.get_data(as_text=True)
    assert _rows() == before


def test_a_file_sent_to_a_return_is_a_400_and_writes_nothing(client, north):
    before = _rows()
    client = _signed_in(client)
    data: dict = _return_form(client)
    data["entries-0-summary"] = (io.BytesIO(b"not a summary"), "summary.txt")

    response = client.post("/returns/north/3", data=data, content_type="multipart/form-data")

    assert response.status_code == 400
    assert _rows() == before


def test_refusals_at_the_edge_are_not_recorded_as_permission_refusals(client, north):
    _signed_in(client).get("/actions/N-01?tab=%00")

    kinds = set(db.session.execute(select(AuditEvent.kind)).scalars())
    db.session.remove()
    assert "permission_refused" not in kinds
