"""The packs' renderer, shared by the meeting pack and the group's board pack: one HTML document
(templates/packs/base.html) for the screen and the printer, and a PDF of that same document
drawn by WeasyPrint with real (searchable) text, tagged headings, tables and lists, and
"Page X of Y" in the footer. The PDF is written to a temporary file and streamed with its
length, so a large pack is not held in memory and a browser can show the download's progress.

Every PDF the app draws is drawn in a child process forked from the worker (`draw_bounded`),
from HTML the worker has already rendered: the child never touches the database, may grow by
at most PDF_MEMORY_MB beyond the worker and take at most PDF_SECONDS, and whatever happens to it
the worker carries on; a child that fails is a 503 saying the document is too large to draw."""

from __future__ import annotations

import contextlib
import faulthandler
import gc
import hashlib
import io
import os
import resource
import select
import shutil
import signal
import tempfile
import threading
import warnings
from collections import OrderedDict
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path
from typing import IO, Any

from flask import Response, current_app, render_template
from werkzeug.exceptions import ServiceUnavailable

from tracker.services.exchange.spool import spool
from tracker.services.governance.board_pack import MIMETYPE, BoardPack

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
    """Draw `html` as a PDF into `target` (a path or a file), in this process (the command line;
    pages and the API draw through `draw_bounded`). `step` is told when the layout is done and
    when the file is written: the command line's progress bar."""
    from weasyprint import HTML  # imported when first needed: it takes a moment to load
    from weasyprint.urls import URLFetcher

    # A pack carries its own styles and text: it loads nothing from anywhere.
    document = HTML(string=html, url_fetcher=URLFetcher(allowed_protocols=())).render(**PDF_OPTIONS)
    if step is not None:
        step("laid out")
    document.write_pdf(target, **PDF_OPTIONS)
    if step is not None:
        step("written")


class TooLargeToDraw(ServiceUnavailable):
    """A PDF that could not be drawn within its memory and time bounds: a 503 page, or a problem
    for the API (tracker/web/errors.py). Asking again will not help, so no Retry-After."""

    description = (
        "This document is too large for the tracker to draw as a PDF. Where the page has "
        "filters, choose fewer actions and try again, or download the actions as a spreadsheet "
        "(CSV or Excel) instead."
    )


# How the child ended, as its exit status says.
_DRAWN_OK, _OUT_OF_MEMORY, _FAILED = 0, 3, 4


def _address_space() -> int:
    """This process's virtual memory size (VmSize) in bytes."""
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmSize in /proc/self/status")


def _bound_child(memory_mb: int, seconds: int) -> None:
    """In the child: at most `memory_mb` more address space than it was forked with (what it
    shares with the worker is not counted twice), and a CPU-time backstop in case the worker
    that waits for it is gone."""
    if memory_mb > 0:
        limit = _address_space() + memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    if seconds > 0:
        resource.setrlimit(resource.RLIMIT_CPU, (seconds + 1, seconds + 5))


def _child(write: Callable[[str], None], path: str, report: int, memory_mb: int, seconds: int):
    """The forked child's whole life: bound itself, draw, say what went wrong, leave at once
    (os._exit: nothing of the worker's, no atexit, no flushing its buffers, no closing its
    database connections, runs here)."""
    status = _FAILED
    try:
        # A C library that does not check its allocations may crash the child past its bound:
        # the worker logs how it ended; the worker's own crash handler has nothing to add.
        faulthandler.disable()
        _bound_child(memory_mb, seconds)
        write(path)
        status = _DRAWN_OK
    except MemoryError:
        status = _OUT_OF_MEMORY
    except BaseException as exc:  # noqa: BLE001 - whatever it was, the worker is told
        with contextlib.suppress(BaseException):  # nothing more can be said
            os.write(report, f"{type(exc).__name__}: {exc}"[:500].encode("utf-8", "replace"))
    finally:
        os._exit(status)


def _wait(pid: int, seconds: int) -> int | None:
    """The child's wait status, or None when it ran out of time (then it is killed)."""
    pidfd = os.pidfd_open(pid)
    try:
        ready, _, _ = select.select([pidfd], [], [], seconds if seconds > 0 else None)
    finally:
        os.close(pidfd)
    if not ready:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        return None
    return os.waitpid(pid, 0)[1]


_FORKING = threading.Lock()
_WARM: list[bool] = []


def _warm() -> None:
    """Once a worker: load WeasyPrint and draw a line, so its fonts (fontconfig's configuration,
    Pango's font map) are loaded here and shared by every child, which would otherwise load them
    each time (about half a second a PDF; they cost the worker about 5 MB)."""
    if _WARM:
        return
    with _FORKING:
        if not _WARM:
            write_pdf('<html lang="en-GB"><p>Ofsted action plan tracker</p></html>', io.BytesIO())
            _WARM.append(True)


# WeasyPrint needs about 400 times a document's HTML in memory to lay it out and write it (the
# board pack at 10x: 0.85 MB of HTML, 340 MB more than the worker; bench/RESULTS.md). HTML past
# 3 KB for every MB of the bound (3 MB at 1,024 MB: about 1.2 GB to draw) is refused at once
# rather than after minutes of drawing towards a bound it would pass.
HTML_KB_PER_MB = 3


def draw_bounded(write: Callable[[str], None], path: str, *, html_size: int = 0) -> None:
    """Call `write(path)` in a child process forked from this worker, bounded by PDF_MEMORY_MB and
    PDF_SECONDS; raise TooLargeToDraw if it fails, runs out of memory or time, or is killed, or
    at once if its HTML (`html_size` characters) is too large to draw within the bound.
    `write` must only draw (render the HTML first, here): the child never touches the database."""
    memory_mb = int(current_app.config.get("PDF_MEMORY_MB") or 0)
    seconds = int(current_app.config.get("PDF_SECONDS") or 0)
    if memory_mb and html_size > memory_mb * HTML_KB_PER_MB * 1024:
        current_app.logger.warning(
            "A PDF was not drawn: its HTML (%d KB) is past %d KB for a bound of %d MB",
            html_size // 1024,
            memory_mb * HTML_KB_PER_MB,
            memory_mb,
        )
        raise TooLargeToDraw()
    _warm()
    read_end, write_end = os.pipe()
    # Objects the worker has now are left alone by the child's garbage collector, so it does not
    # copy the worker's pages just to look at them; the worker collects them again at once.
    gc.freeze()
    try:
        with _FORKING, warnings.catch_warnings():
            # Python 3.12 warns about forking a process with threads. The child runs only
            # WeasyPrint, which the worker runs once (`_warm`, never while forking), so no lock
            # of WeasyPrint's is held by another thread at the fork.
            warnings.simplefilter("ignore", DeprecationWarning)
            try:
                pid = os.fork()
            except OSError as exc:  # no memory, or too many processes, for even a child
                os.close(read_end)
                os.close(write_end)
                current_app.logger.warning("A PDF could not be drawn: no child process (%s)", exc)
                raise TooLargeToDraw() from None
        if pid == 0:
            os.close(read_end)
            _child(write, path, write_end, memory_mb, seconds)
    finally:
        gc.unfreeze()
    os.close(write_end)
    try:
        status = None
        try:
            status = _wait(pid, seconds)
        except BaseException:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            raise
        os.set_blocking(read_end, False)
        try:
            said = os.read(read_end, 1000).decode("utf-8", "replace")
        except BlockingIOError:  # another worker thread's child holds the pipe open too
            said = ""
    finally:
        os.close(read_end)
    if status is not None and os.waitstatus_to_exitcode(status) == _DRAWN_OK:
        return
    if status is None:
        why = f"took more than {seconds} s"
    elif os.WIFSIGNALED(status):
        why = f"was stopped by signal {os.WTERMSIG(status)}"
    elif os.waitstatus_to_exitcode(status) == _OUT_OF_MEMORY:
        why = f"ran out of its {memory_mb} MB"
    else:
        why = f"failed ({said or 'exit status ' + str(os.waitstatus_to_exitcode(status))})"
    current_app.logger.warning("A PDF could not be drawn: the drawing process %s", why)
    raise TooLargeToDraw()


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


def _drawn_by_key(key: str) -> tuple[str, bytes | None]:
    with _DRAWN_LOCK:
        pdf = _DRAWN.get(key)
        if pdf is not None:
            _DRAWN.move_to_end(key)
    return key, pdf


def _cache_folder() -> Path | None:
    folder = current_app.config.get("PDF_CACHE_DIR")
    return Path(folder) if folder else None


def cached_pdf(key: str) -> Path | None:
    """The PDF already drawn for the document whose digest is `key`, if the cache holds it."""
    folder = _cache_folder()
    path = folder / f"{key}.pdf" if folder is not None else None
    return path if path is not None and path.is_file() else None


def _keep_on_disk(key: str, drawn: str) -> None:
    """Copy a drawn PDF into the cache (written aside, then renamed: a reader never sees half a
    file), and keep only the newest PDF_CACHE_FILES."""
    folder = _cache_folder()
    if folder is None:
        return
    try:
        folder.mkdir(parents=True, exist_ok=True)
        aside = folder / f".{key}.{os.getpid()}.{threading.get_ident()}.tmp"
        shutil.copyfile(drawn, aside)
        os.replace(aside, folder / f"{key}.pdf")
        kept = sorted(folder.glob("*.pdf"), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in kept[int(current_app.config.get("PDF_CACHE_FILES") or 40) :]:
            old.unlink(missing_ok=True)
    except OSError as exc:  # a full or read-only disk: the PDF is still sent, just not kept
        current_app.logger.warning("A drawn PDF was not kept in the cache: %s", exc)


def draw_into_cache(html: str, key: str | None = None) -> Path | None:
    """Draw `html` (bounded, as a page would) into the cache unless it is there already; the
    scheduler's way of having the board pack ready before anyone asks. Returns its path."""
    key = key or document_key(html)
    found = cached_pdf(key)
    if found is not None or _cache_folder() is None:
        return found
    handle, path = tempfile.mkstemp(prefix="tracker-pack-", suffix=".pdf")
    os.close(handle)
    try:
        _draw(html, key, path)
    finally:
        os.unlink(path)
    return cached_pdf(key)


def document_key(html: str, *, varying: str = "") -> str:
    """The digest a drawn PDF is kept by: of its HTML, less `varying` (the moment a pack was
    prepared, which alone would make every request's document new)."""
    text = html.replace(varying, "") if varying else html
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _draw(html: str, key: str, path: str) -> None:
    draw_bounded(lambda target: write_pdf(html, target), path, html_size=len(html))
    _keep_on_disk(key, path)


def _stream_file(path: Path) -> tuple[int, Iterator[bytes]] | None:
    try:
        stream = open(path, "rb")  # noqa: SIM115 (closed when the response closes)
    except OSError:  # pruned since it was found
        return None

    def chunks() -> Iterator[bytes]:
        with stream:
            while chunk := stream.read(64 * 1024):
                yield chunk

    return os.fstat(stream.fileno()).st_size, chunks()


def pdf_response(
    html: str, filename: str, headers: dict[str, str] | None = None, *, key: str | None = None
) -> Response:
    """A pack's PDF as a download (pages and the API send the same), streamed with its length,
    drawn again only when its document has changed: the last few small ones are kept in this
    worker's memory, and every one in the cache folder shared by the workers and the scheduler.
    `key` is the document's digest when part of the HTML does not count (see `document_key`)."""
    key = key or document_key(html)
    _, pdf = _drawn_by_key(key)
    found = cached_pdf(key) if pdf is None else None
    on_disk = _stream_file(found) if found is not None else None
    if pdf is not None:
        size, chunks = len(pdf), iter((pdf,))
    elif on_disk is not None:
        size, chunks = on_disk
    else:
        size, chunks = spool(lambda path: _draw(html, key, path), suffix=".pdf")
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
    from tracker.services.governance.pack_paper import decision_line, state_words

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


def board_pack_key(pack: BoardPack, html: str) -> str:
    """The pack's key in the PDF cache: its document, less the moment it was prepared (a pack
    drawn ahead by the scheduler is sent while nothing in it has changed)."""
    prepared = current_app.jinja_env.filters["london_time"](pack.prepared_at)
    return document_key(html, varying=prepared)


def board_pack_response(pack: BoardPack) -> Response:
    html = board_pack_html(pack, inline_css=True)
    return pdf_response(
        html,
        pack.filename,
        {"X-Total-Count": str(pack.count)},
        key=board_pack_key(pack, html),
    )
