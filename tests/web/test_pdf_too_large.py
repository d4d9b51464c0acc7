"""A PDF too large to draw within its bound (PDF_MEMORY_MB, here a tiny one) is a clear 503 on the
page and a 503 problem on the API, saying what to do instead: never a 500, never the worker's
end. Read-only on the shared seeded database (downloads add audit events)."""

from __future__ import annotations

from collections import OrderedDict

import pytest

from tracker.http import packs

SAYS = "too large for the tracker to draw as a PDF"


@pytest.fixture
def tiny_bound(seeded_app, monkeypatch):
    monkeypatch.setitem(seeded_app.config, "PDF_MEMORY_MB", 1)
    # Past the size refused at once too (tests/unit/test_pdf_bound.py): here the child draws,
    # runs out of its 1 MB and is answered for.
    monkeypatch.setattr(packs, "HTML_KB_PER_MB", 10**6)
    monkeypatch.setattr(packs, "_DRAWN", OrderedDict())  # nothing already drawn is sent instead
    # The bound counted from nothing, not from the test process's address space: a process that
    # has run many tests holds freed memory its child could draw in without asking for more.
    monkeypatch.setattr(packs, "_address_space", lambda: 0)
    return seeded_app


def test_a_pdf_past_its_bound_is_a_503_page_and_a_503_problem(tiny_bound, role_client):
    client = role_client("chair")
    meeting = client.get("/api/v1/meetings").get_json()["items"][0]["id"]

    page = client.get(f"/meetings/{meeting}/pack.pdf")
    assert page.status_code == 503 and page.mimetype == "text/html"
    text = page.get_data(as_text=True)
    assert SAYS in text and "spreadsheet (CSV or Excel)" in text

    for url in (
        "/api/v1/exports/board-pack.pdf?plan=main",
        "/api/v1/reports/quarterly/2015-Q3.pdf",
    ):
        problem = client.get(url)
        assert problem.status_code == 503, url
        assert problem.mimetype == "application/problem+json"
        assert SAYS in problem.get_json()["detail"]
        assert "Retry-After" not in problem.headers  # asking again would not help

    # The worker carries on: the next request is answered as ever.
    assert client.get("/api/v1/meetings").status_code == 200
