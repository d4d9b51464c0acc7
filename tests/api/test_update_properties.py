"""Issue 12.6: property-based tests (hypothesis) for the API's write, POST
/api/v1/actions/{ref}/updates. Each example starts from a valid update and replaces some fields
with any JSON value (any Unicode, lone surrogates and NUL included, huge text, numbers beyond any
integer column, nested objects, null), adds unknown fields, or sends a body that is not an
object at all. Whatever is sent, the answer is never a server error, and a refusal writes no
history row and moves no version. Bounded and derandomized; run on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from tracker.extensions import db
from tracker.models import Action, ActionUpdate

EXAMPLES = 60
PROPERTY = settings(
    max_examples=EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,  # one small world, shared by the examples
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
VALID = {
    "version": 1,
    "summary": "Daily exception list checked by every team manager.",
    "lifecycle": "in_progress",
    "rag": "green",
    "impact": "not_yet_evidenced",
}
FIELDS = [*VALID, "reason", "evidence", "confirm_unchanged", "unknown"]
ANY_TEXT = st.text(alphabet=st.characters(exclude_categories=()), max_size=60)  # surrogates too
HUGE = st.integers(min_value=1, max_value=3).map(lambda n: "\N{PILE OF POO}" * (6000 * n))
NUMBERS = st.one_of(
    st.integers(),
    st.sampled_from([0, -1, 2**31 - 1, 2**31, 2**63, 10**20, -(10**20)]),
    st.floats(allow_nan=False),
)
AWKWARD = st.sampled_from(
    ["", " ", "\x00", "a\x00b", "\ud800", "x\udfffy", "\udc00\ud800", "1", "true", "null"]
)
SCALARS = st.one_of(st.none(), st.booleans(), NUMBERS, AWKWARD, ANY_TEXT, HUGE)
JSON = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(ANY_TEXT, inner, max_size=3),
    max_leaves=6,
)
CHANGES = st.dictionaries(st.sampled_from(FIELDS), JSON, min_size=1, max_size=3)
# Text the update is otherwise valid with: what reaches the rules and the database.
TEXTS = st.dictionaries(
    st.sampled_from(["summary", "reason", "evidence"]),
    st.one_of(AWKWARD, ANY_TEXT, HUGE),
    min_size=1,
    max_size=2,
)
BODIES = st.one_of(TEXTS.map(lambda c: VALID | c), CHANGES.map(lambda c: VALID | c), JSON)


def _state(world) -> tuple[int, int]:
    with world.app.app_context():
        rows = db.session.execute(select(ActionUpdate.id)).scalars().all()
        version = db.session.execute(select(Action.version).where(Action.ref == "N-01")).scalar()
        db.session.remove()
    return len(rows), version


def test_no_update_body_gets_a_server_error_or_writes_part_of_a_refusal(world):
    client = world.client("north_head")

    @PROPERTY
    @given(body=BODIES)
    def property_(body) -> None:
        before = _state(world)
        if isinstance(body, dict) and body.get("version") == VALID["version"]:
            # The version read just now, so a valid body reaches the rules and the database
            # even after an earlier example was recorded.
            body = body | {"version": before[1]}
        # ensure_ascii writes a lone surrogate as its \\ud800 escape, as a client's JSON would.
        response = client.post(
            "/api/v1/actions/N-01/updates",
            data=json.dumps(body, ensure_ascii=True),
            content_type="application/json",
        )
        assert response.status_code < 500, body
        assert response.mimetype in {"application/json", "application/problem+json"}
        if response.status_code >= 400:
            assert _state(world) == before, f"refused {body!r:.200} but wrote"

    property_()
