"""A pack's PDF is drawn once for the same document (a meeting's pack never changes), and again
whenever the document differs; a large one is never kept."""

from __future__ import annotations

import pytest

from tracker.http import packs


@pytest.fixture
def drawn(monkeypatch):
    monkeypatch.setattr(packs, "_DRAWN", packs.OrderedDict())
    calls: list[str] = []

    def fake_write(html, target, step=None):
        calls.append(html)
        with open(target, "wb") as fh:
            fh.write(b"%PDF-" + html.encode())

    monkeypatch.setattr(packs, "write_pdf", fake_write)
    # Drawn here rather than in a child (tests/unit/test_pdf_bound.py), so the calls are seen.
    monkeypatch.setattr(packs, "draw_bounded", lambda write, path, **_: write(path))
    return calls


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
