"""Every PDF is drawn in a child process forked from the worker, bounded in memory and time
(PDF_MEMORY_MB, PDF_SECONDS): the worker's own memory is not the one that grows, and a child that
runs out of memory or time, fails or dies is a TooLargeToDraw (a 503), never the worker's end."""

from __future__ import annotations

import os
import resource
import signal
import time
from pathlib import Path

import pytest
from flask import Flask

from tracker.http import packs

MEMORY_MB = 300


@pytest.fixture
def bounded():
    app = Flask(__name__)
    app.config.update(PDF_MEMORY_MB=MEMORY_MB, PDF_SECONDS=20)
    with app.app_context():
        yield app


def test_a_pdf_is_drawn_in_a_child_under_its_memory_bound(bounded, tmp_path):
    target = tmp_path / "pack.pdf"
    seen = tmp_path / "child.txt"
    packs._warm()  # the worker loads its fonts before it forks
    worker_space = packs._address_space()

    def write(path: str) -> None:
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        seen.write_text(f"{os.getpid()} {soft} {hard}")
        packs.write_pdf('<html lang="en-GB"><h1>Board pack</h1><p>In a child.</p></html>', path)

    children_before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    packs.draw_bounded(write, str(target))
    pid, soft, hard = map(int, seen.read_text().split())
    assert pid != os.getpid()  # drawn by another process: its memory is not the worker's
    assert soft == hard != resource.RLIM_INFINITY
    # The bound is the worker's address space at the fork plus PDF_MEMORY_MB (give or take
    # what the worker mapped since), and the worker itself stays unbounded.
    assert abs(soft - (worker_space + MEMORY_MB * 2**20)) < 64 * 2**20
    assert resource.getrlimit(resource.RLIMIT_AS)[0] == resource.RLIM_INFINITY
    assert target.read_bytes().startswith(b"%PDF-")
    assert resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss >= children_before > -1


def _grow(path: str) -> None:
    hoard = []
    while True:  # past the bound: MemoryError in the child (calloc'd, never touched: quick)
        hoard.append(bytes(50 * 2**20))


def _hang(path: str) -> None:
    time.sleep(60)


def _fail(path: str) -> None:
    raise ValueError("a fault in the drawing")


def _die(path: str) -> None:
    os.kill(os.getpid(), signal.SIGKILL)  # as the kernel's out-of-memory killer would


@pytest.mark.parametrize(
    ("write", "logged"),
    [
        (_grow, f"ran out of its {MEMORY_MB} MB"),
        (_hang, "took more than 1 s"),
        (_fail, "failed (ValueError: a fault in the drawing)"),
        (_die, "was stopped by signal 9"),
    ],
)
def test_a_child_that_runs_out_fails_or_dies_is_a_503_and_the_worker_carries_on(
    bounded, tmp_path, caplog, write, logged
):
    if write is _hang:
        bounded.config["PDF_SECONDS"] = 1
    hwm_before = _peak_rss()
    with pytest.raises(packs.TooLargeToDraw) as raised:
        packs.draw_bounded(write, str(tmp_path / "pack.pdf"))
    assert raised.value.code == 503
    assert "too large for the tracker to draw as a PDF" in raised.value.description
    assert any(logged in record.getMessage() for record in caplog.records)
    # The child's hoard never reached the worker, and the child was reaped (no zombie).
    assert _peak_rss() - hwm_before < 100 * 2**10
    assert _zombies() == []


def _zombies() -> list[int]:
    """This process's children that have ended and not been reaped (other children, such as a
    ClamAV daemon another test started, may be running)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] == "Z" and int(fields[1]) == os.getpid():
            found.append(int(stat.parent.name))
    return found


def _peak_rss() -> int:
    """This process's VmHWM in kB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise AssertionError("no VmHWM")


def test_html_far_past_what_the_bound_can_draw_is_refused_at_once(bounded, tmp_path, caplog):
    target = tmp_path / "pack.pdf"
    too_large = MEMORY_MB * packs.HTML_KB_PER_MB * 1024 + 1
    with pytest.raises(packs.TooLargeToDraw):
        packs.draw_bounded(
            lambda path: Path(path).write_bytes(b"%PDF-"), str(target), html_size=too_large
        )
    assert not target.exists()  # no child was started
    assert "is past 900 KB for a bound of 300 MB" in caplog.text


def test_no_child_to_draw_in_is_a_503_too(bounded, tmp_path, monkeypatch):
    def no_fork() -> int:
        raise BlockingIOError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(os, "fork", no_fork)
    open_before = len(os.listdir("/proc/self/fd"))
    with pytest.raises(packs.TooLargeToDraw):
        packs.draw_bounded(lambda path: None, str(tmp_path / "pack.pdf"))
    assert len(os.listdir("/proc/self/fd")) == open_before  # the pipe is closed
