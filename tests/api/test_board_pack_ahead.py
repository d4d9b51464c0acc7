"""Issue 19, part 8: the scheduler draws the whole plan's JSIG board pack into the PDF cache
ahead of time, once for each way it reads, and a download is then sent from the cache without
drawing while the person waits (and without an audit event for the drawing ahead)."""

from __future__ import annotations

import pytest

from tests.conftest import ROLE_ACCOUNTS, sign_in
from tests.exports import PDF_URL, export_count
from tracker.http import packs
from tracker.jobs import run_draw_ahead_job

URL = PDF_URL


def _packs(app) -> int:
    """Audit events about the board pack, of any kind."""
    return export_count(app, target="board-pack.pdf", kind=None)


@pytest.fixture
def cache(seeded_app, tmp_path, monkeypatch):
    monkeypatch.setitem(seeded_app.config, "PDF_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(packs, "_DRAWN", packs.OrderedDict())  # no worker memory between tests
    return tmp_path


def test_the_board_pack_drawn_ahead_is_sent_without_drawing(seeded_app, cache, monkeypatch):
    before = _packs(seeded_app)
    drawn: list[str] = []
    real = packs.draw_bounded

    def counting(write, path, **kwargs):
        drawn.append(path)
        return real(write, path, **kwargs)

    monkeypatch.setattr(packs, "draw_bounded", counting)
    run_draw_ahead_job(seeded_app)
    # The board (one pack) and the seed's performance officer (the challenge log's own rule).
    ahead = len(drawn)
    assert 1 <= ahead <= 2 and len(list(cache.glob("*.pdf"))) == ahead
    run_draw_ahead_job(seeded_app)
    assert len(drawn) == ahead  # nothing changed: nothing drawn again
    assert _packs(seeded_app) == before  # drawing ahead is not anyone's export

    def refuse(*args, **kwargs):
        raise AssertionError("drawn while the person waits")

    monkeypatch.setattr(packs, "draw_bounded", refuse)
    client = seeded_app.test_client()
    sign_in(client, ROLE_ACCOUNTS["viewer"])  # a JSIG member
    response = client.get(URL)
    body = response.get_data()
    assert response.status_code == 200, body[:300]
    assert body.startswith(b"%PDF-") and int(response.headers["Content-Length"]) == len(body)
    assert body in {p.read_bytes() for p in cache.glob("*.pdf")}
    assert _packs(seeded_app) == before + 1  # the download itself is audited
