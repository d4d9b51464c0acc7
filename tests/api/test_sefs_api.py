"""GET /api/v1/sefs and GET /api/v1/localities/<code>/sefs/<month>: the monthly SEFs as the SEF
pages show them, in the documented shape; drafts only for those who may read them; a bad area
or month a 404 problem; SEFs turned off, a 404 problem; a fixed number of statements."""

from __future__ import annotations

from datetime import UTC, datetime

import jsonschema
import pytest
from flask import g

from tests.builders import SEF_ANSWERS, actor_for, get_or_make_locality, make_user
from tests.conftest import sign_in
from tracker.api.openapi import openapi_document
from tracker.extensions import db
from tracker.models import Setting
from tracker.services.loop.sefs import save_sef

DOC = openapi_document()
GRID = "/api/v1/sefs"
EAST = "/api/v1/localities/east/sefs/2016-02"


def check(instance, schema: dict) -> None:
    jsonschema.validate(instance, {**schema, "components": DOC["components"]})


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


@pytest.fixture
def people(clean_db):
    for code in ("north", "south", "east", "central"):
        get_or_make_locality(code)
    users = {
        "east": make_user(email="east@trust.example", role="locality_head", locality="east"),
        "chair": make_user(email="chair@trust.example", role="chair"),
        "viewer": make_user(email="viewer@council.example", role="viewer"),
    }
    db.session.commit()
    return users


def _as(clean_db, person):
    """A client signed in as `person` (a second one in a test forgets the first's sign-in and
    form token, which the test's app context outlives requests to keep)."""
    for cached in ("_login_user", "csrf_token"):
        g.pop(cached, None)
    client = clean_db.test_client()
    sign_in(client, person.email, "a-long-test-password")
    return client


def _save(people, fields, *, submit: bool, own=()) -> None:
    save_sef(
        "east",
        "2016-02",
        fields,
        submit=submit,
        actor=actor_for(people["east"]),
        now=datetime(2016, 2, 5, 10, 30, tzinfo=UTC),
        own_sections=own,
        own_answers=[f"Answer to {h}." for h, _ in own],
    )


def test_the_grid_gives_each_areas_status_for_the_month_in_the_documented_shape(
    clean_db, people
):
    _save(people, {"what_we_know": "A draft."}, submit=False)
    _save(people, SEF_ANSWERS, submit=True)
    response = _as(clean_db, people["viewer"]).get(GRID)
    assert response.status_code == 200
    body = response.get_json()
    grid_schema = DOC["paths"]["/sefs"]["get"]["responses"]["200"]["content"]
    check(body, grid_schema["application/json"]["schema"])
    cells = {(c["locality"], c["month"]): c for c in body["items"]}
    assert set(cells) == {(code, "2016-02") for code in ("north", "south", "east", "central")}
    east = cells[("east", "2016-02")]
    assert (east["status"], east["versions"], east["due_on"]) == ("submitted", 2, "2016-02-05")
    assert cells[("north", "2016-02")]["status"] == "not_started"
    one = _as(clean_db, people["viewer"]).get(GRID, query_string={"locality": "east"})
    assert [c["locality"] for c in one.get_json()["items"]] == ["east"]


def test_a_sef_gives_its_versions_with_drafts_only_for_its_head(clean_db, people):
    own = (("Voice of the child", "What children told us."),)
    _save(people, {"what_we_know": "A draft."}, submit=False, own=own)
    _save(people, SEF_ANSWERS, submit=True, own=own)
    chair = _as(clean_db, people["chair"]).get(EAST).get_json()
    check(chair, _ref("Sef"))
    assert chair["status"] == "submitted"
    [submitted] = chair["versions"]  # the draft is the head's own
    assert (submitted["version"], submitted["status"], submitted["late"]) == (2, "submitted", False)
    assert submitted["answers"]["practice_quality"] == SEF_ANSWERS["practice_quality"]
    assert submitted["self_grade"] == "requires_improvement"
    assert submitted["own_sections"] == [
        {"heading": "Voice of the child", "answer": "Answer to Voice of the child."}
    ]
    head = _as(clean_db, people["east"]).get(EAST).get_json()
    assert [(v["version"], v["status"]) for v in head["versions"]] == [
        (1, "draft"),
        (2, "submitted"),
    ]


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/localities/west/sefs/2016-02",  # no such area
        "/api/v1/localities/east/sefs/2016-13",  # no such month
        "/api/v1/localities/east/sefs/2016-03",  # not begun
        "/api/v1/localities/east/sefs/2015-12",  # before the first month asked
    ],
)
def test_a_sef_that_cannot_be_is_a_404_problem(clean_db, people, url):
    response = _as(clean_db, people["viewer"]).get(url)
    assert response.status_code == 404 and response.mimetype == "application/problem+json"
    assert "There is no SEF for" in response.get_json()["detail"]


@pytest.mark.parametrize(
    ("query", "parameter"), [({"locality": "west"}, "locality"), ({"month": "2016-02"}, "month")]
)
def test_a_grid_filter_it_cannot_use_is_a_400_problem_naming_it(
    clean_db, people, query, parameter
):
    response = _as(clean_db, people["viewer"]).get(GRID, query_string=query)
    assert response.status_code == 400 and response.mimetype == "application/problem+json"
    assert response.get_json()["invalid_params"][0]["name"] == parameter


def test_with_sefs_turned_off_both_answer_404_saying_so(clean_db, people):
    db.session.merge(
        Setting(
            key="self_evaluation",
            value={"enabled": False},
            updated_at=datetime(2016, 1, 1, tzinfo=UTC),
        )
    )
    db.session.commit()
    client = _as(clean_db, people["viewer"])
    for url in (GRID, EAST):
        response = client.get(url)
        assert response.status_code == 404
        assert "turned SEFs off" in response.get_json()["detail"]


def test_signed_out_is_a_401_problem(clean_db, people):
    response = clean_db.test_client().get(GRID)
    assert response.status_code == 401 and response.mimetype == "application/problem+json"


def test_both_run_the_same_statements_however_many_versions(clean_db, people, count_queries):
    client = _as(clean_db, people["chair"])

    def counts() -> list[int]:
        found = []
        for url in (GRID, EAST):
            client.get(url)  # warm up
            with count_queries(clean_db) as counter:
                assert client.get(url).status_code == 200
            found.append(counter.count)
        return found

    before = counts()
    for n in range(6):
        _save(people, SEF_ANSWERS | {"evidence": f"Audit {n}."}, submit=n % 2 == 0)
    assert counts() == before
