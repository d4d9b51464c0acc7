"""A pack's PDF is drawn once for the same document (a meeting's pack never changes), and again
whenever the document differs; a large one is not kept in memory. The cache folder, shared by
the workers and the scheduler, keeps every one, so a new worker sends a pack drawn elsewhere."""

from __future__ import annotations

import pytest
from flask import Flask

from tracker.http import packs


@pytest.fixture
def cache_dir():
    return {"folder": ""}


@pytest.fixture
def drawn(monkeypatch, cache_dir):
    app = Flask(__name__)
    app.config.update(PDF_CACHE_DIR=cache_dir["folder"], PDF_CACHE_FILES=3)
    context = app.app_context()
    context.push()
    monkeypatch.setattr(packs, "_DRAWN", packs.OrderedDict())
    calls: list[str] = []

    def fake_write(html, target, step=None):
        calls.append(html)
        with open(target, "wb") as fh:
            fh.write(b"%PDF-" + html.encode())

    monkeypatch.setattr(packs, "write_pdf", fake_write)
    # Drawn here rather than in a child (tests/unit/test_pdf_bound.py), so the calls are seen.
    monkeypatch.setattr(packs, "draw_bounded", lambda write, path, **_: write(path))
    yield calls
    context.pop()


def _body(html: str) -> bytes:
    response = packs.pdf_response(html, "pack.pdf")
    body = b"".join(response.response)
    assert int(response.headers["Content-Length"]) == len(body)
    return body


def test_the_same_document_is_drawn_once_and_sent_alike(drawn):
    first = _body("<p>Meeting pack</p>")
    again = _body("<p>Meeting pack</p>")
    assert first == again == b"%PDF-<p>Meeting pack</p>"
    assert drawn == ["<p>Meeting pack</p>"]


def test_another_document_is_drawn_afresh(drawn):
    _body("<p>Pack as at Monday</p>")
    assert _body("<p>Pack as at Tuesday</p>") == b"%PDF-<p>Pack as at Tuesday</p>"
    assert len(drawn) == 2


def test_a_large_pack_is_drawn_every_time_and_only_the_last_few_are_kept(drawn, monkeypatch):
    monkeypatch.setattr(packs, "_DRAWN_LARGEST", 10)
    _body("<p>a long pack</p>")
    _body("<p>a long pack</p>")
    assert len(drawn) == 2
    monkeypatch.setattr(packs, "_DRAWN_LARGEST", 1_000)
    for n in range(packs._DRAWN_MOST + 3):
        _body(f"<p>{n}</p>")
    assert len(packs._DRAWN) == packs._DRAWN_MOST
    _body("<p>0</p>")  # the oldest went first: drawn again
    assert drawn[-1] == "<p>0</p>"


@pytest.fixture
def on_disk(tmp_path, cache_dir):
    cache_dir["folder"] = str(tmp_path / "pdf-cache")
    return tmp_path / "pdf-cache"


def test_a_pack_drawn_by_one_worker_is_sent_by_another_from_the_cache_folder(on_disk, drawn):
    first = _body("<p>Board pack</p>")
    packs._DRAWN.clear()  # another worker: nothing in its memory
    assert _body("<p>Board pack</p>") == first
    assert drawn == ["<p>Board pack</p>"]
    assert [p.suffix for p in on_disk.iterdir()] == [".pdf"]  # no half-written file left


def test_the_moment_a_pack_was_prepared_does_not_make_it_a_new_document(on_disk, drawn):
    def sent(at: str) -> bytes:
        html = f"<p>Prepared {at}</p><p>The plan</p>"
        response = packs.pdf_response(html, "pack.pdf", key=packs.document_key(html, varying=at))
        return b"".join(response.response)

    assert sent("09:00") == sent("09:05") == b"%PDF-<p>Prepared 09:00</p><p>The plan</p>"
    assert len(drawn) == 1


def test_the_scheduler_draws_ahead_and_the_download_draws_nothing(on_disk, drawn):
    path = packs.draw_into_cache("<p>Ready before the meeting</p>")
    assert path is not None and path.read_bytes() == b"%PDF-<p>Ready before the meeting</p>"
    assert packs.draw_into_cache("<p>Ready before the meeting</p>") == path  # not drawn again
    assert _body("<p>Ready before the meeting</p>") == path.read_bytes()
    assert drawn == ["<p>Ready before the meeting</p>"]


def test_the_cache_folder_keeps_only_the_newest(on_disk, drawn):
    for n in range(5):
        _body(f"<p>{n}</p>")
    assert len(list(on_disk.glob("*.pdf"))) == 3  # PDF_CACHE_FILES
