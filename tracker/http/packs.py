"""The packs' renderer, shared by the meeting pack and the JSIG board pack: one HTML document
(templates/packs/base.html) for the screen and the printer, and a PDF of that same document
drawn by WeasyPrint with real (searchable) text, tagged headings, tables and lists, and
"Page X of Y" in the footer. The PDF is written to a temporary file and streamed with its
length, so a large pack is not held in memory and a browser can show the download's progress."""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from functools import cache
from typing import IO, Any

from flask import Response, current_app, render_template

from tracker.services.board_pack import MIMETYPE, BoardPack
from tracker.services.spool import spool

# Tagged (headings, tables and lists marked as such for screen readers), with real text.
PDF_OPTIONS: dict[str, Any] = {"pdf_tags": True}


@cache
def _stylesheet(static_folder: str) -> str:
    with open(f"{static_folder}/meeting-pack.css", encoding="utf-8") as fh:
        return fh.read()


def stylesheet(inline_css: bool) -> str | None:
    """The packs' styles to carry inside a PDF's HTML (WeasyPrint fetches nothing), or None for
    the browser, which links static/meeting-pack.css as the content security policy allows."""
    return _stylesheet(current_app.static_folder) if inline_css else None


def write_pdf(
    html: str, target: str | IO[bytes], step: Callable[[str], None] | None = None
) -> None:
    """Draw `html` as a PDF into `target` (a path or a file). `step` is told when the layout is
    done and when the file is written: the command line's progress bar."""
    from weasyprint import HTML  # imported when first needed: it takes a moment to load
    from weasyprint.urls import URLFetcher

    # A pack carries its own styles and text: it loads nothing from anywhere.
    document = HTML(string=html, url_fetcher=URLFetcher(allowed_protocols=())).render(**PDF_OPTIONS)
    if step is not None:
        step("laid out")
    document.write_pdf(target, **PDF_OPTIONS)
    if step is not None:
        step("written")


# The same document draws the same PDF: a meeting's pack never changes (it is drawn from its
# frozen snapshot), so the last few PDFs drawn are kept by their document's digest and a pack
# asked for by every member before a meeting is drawn once a worker. Small ones only: a pack is
# a few hundred KB; anything larger is streamed from its file every time.
_DRAWN: OrderedDict[str, bytes] = OrderedDict()
_DRAWN_MOST = 8
_DRAWN_LARGEST = 4 * 1024 * 1024
_DRAWN_LOCK = threading.Lock()


def _keeping(key: str, chunks: Iterator[bytes]) -> Iterator[bytes]:
    """Stream `chunks`, and keep the whole once every one has been sent."""
    sent = []
    for chunk in chunks:
        sent.append(chunk)
        yield chunk
    with _DRAWN_LOCK:
        _DRAWN[key] = b"".join(sent)
        while len(_DRAWN) > _DRAWN_MOST:
            _DRAWN.popitem(last=False)


def _drawn(html: str) -> tuple[str, bytes | None]:
    key = hashlib.sha256(html.encode("utf-8")).hexdigest()
    with _DRAWN_LOCK:
        pdf = _DRAWN.get(key)
        if pdf is not None:
            _DRAWN.move_to_end(key)
    return key, pdf


def pdf_response(html: str, filename: str, headers: dict[str, str] | None = None) -> Response:
    """A pack's PDF as a download (pages and the API send the same), streamed with its length
    (drawn again only when its document has changed)."""
    key, pdf = _drawn(html)
    if pdf is not None:
        size, chunks = len(pdf), iter((pdf,))
    else:
        size, chunks = spool(lambda path: write_pdf(html, path), suffix=".pdf")
        if size <= _DRAWN_LARGEST:
            chunks = _keeping(key, chunks)
    return Response(
        chunks,
        mimetype=MIMETYPE,
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Content-Length": str(size),
            "Cache-Control": "private, no-store",
            **(headers or {}),
        },
    )


def paper_helpers() -> dict[str, Any]:
    """The words the paper's sections (templates/packs/_paper.html) write figures in."""
    from tracker.domain.measures import describe_target, format_value
    from tracker.services.pack_paper import decision_line, state_words

    return {
        "fmt": format_value,
        "target_words": describe_target,
        "state_words": state_words,
        "decision_line": decision_line,
    }


def board_pack_html(
    pack: BoardPack,
    *,
    pdf_url: str | None = None,
    back_url: str | None = None,
    inline_css: bool = False,
) -> str:
    """The board pack as one HTML document (templates/packs/board.html)."""
    return render_template(
        "packs/board.html",
        pack=pack,
        s=pack.snapshot,
        paper=pack.paper,
        **paper_helpers(),
        exceptions=pack.exceptions,
        pdf_url=pdf_url,
        back_url=back_url,
        css=stylesheet(inline_css),
    )


def board_pack_response(pack: BoardPack) -> Response:
    return pdf_response(
        board_pack_html(pack, inline_css=True),
        pack.filename,
        {"X-Total-Count": str(pack.count)},
    )
