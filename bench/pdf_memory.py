"""The board pack's PDF at scale: how long it takes, and how much memory the drawing child and the
worker use (issue 19, part 8).

    .venv/bin/python bench/pdf_memory.py --database-url sqlite:///instance/bench-10x.db
    .venv/bin/python bench/pdf_memory.py --scale 10                 # builds a temporary 10x file
    .venv/bin/python bench/pdf_memory.py --database-url ... --in-process   # as before: no child
    .venv/bin/python bench/pdf_memory.py --database-url ... --ahead   # drawn ahead, then sent

Build the database first with bench/generate.py (or give --scale to build a temporary SQLite file
with the same builder, removed at the end). It signs in as the bench reader through the test
client with production settings (today fixed at the demo date) and asks for
GET /api/v1/exports/board-pack.pdf (every action, or the filters given with --query), once, and
prints: the status, the actions in the pack, seconds to the whole body, its size, the peak RSS of
the drawing child (getrusage(RUSAGE_CHILDREN).ru_maxrss: a forked child's RSS includes the pages
it shares with the worker) and this process's peak RSS (VmHWM) before and after. `--memory-mb`
and `--seconds` set PDF_MEMORY_MB and PDF_SECONDS (0: no bound); `--in-process` draws in this
process, as the app did before the child (the figure to compare against). Run one measurement a
process: peak RSS only ever rises.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.generate import BENCH_PASSWORD, BENCH_USER, bench_app, build  # noqa: E402
from bench.run import counting_app, csrf_token  # noqa: E402

URL = "/api/v1/exports/board-pack.pdf"


def peak_rss_mb() -> float:
    """This process's peak resident set size so far (VmHWM), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    parser = argparse.ArgumentParser()
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--database-url", help="a database built by bench/generate.py")
    where.add_argument("--scale", type=int, help="build a temporary SQLite file at this scale")
    parser.add_argument("--query", default="", help="filters, e.g. plan=main&rag=red")
    parser.add_argument("--memory-mb", type=int, default=None, help="PDF_MEMORY_MB (0: none)")
    parser.add_argument("--seconds", type=int, default=None, help="PDF_SECONDS (0: none)")
    parser.add_argument("--in-process", action="store_true", help="draw in this process (before)")
    parser.add_argument(
        "--ahead",
        action="store_true",
        help="first draw the pack ahead as the scheduler does (timed), then time the download",
    )
    args = parser.parse_args()

    temporary = None
    url = args.database_url
    if args.scale:
        temporary = tempfile.mkdtemp(prefix="bench-pdf-")
        url = f"sqlite:///{temporary}/bench-{args.scale}x.db"
        start = time.perf_counter()
        build(bench_app(url), args.scale)
        print(f"built {args.scale}x in {time.perf_counter() - start:.0f} s", flush=True)
    app = counting_app(url, None)
    if args.memory_mb is not None:
        app.config["PDF_MEMORY_MB"] = args.memory_mb
    if args.seconds is not None:
        app.config["PDF_SECONDS"] = args.seconds
    if args.in_process:
        from tracker.http import packs

        packs.draw_bounded = lambda write, path, **_: write(path)
    cache = tempfile.mkdtemp(prefix="bench-pdf-cache-")
    app.config["PDF_CACHE_DIR"] = cache if args.ahead else ""
    if args.ahead:
        from tracker.jobs import run_draw_ahead_job

        start = time.perf_counter()
        run_draw_ahead_job(app)
        print(
            f"drawn ahead (the scheduler's job): {time.perf_counter() - start:.1f} s, "
            f"{len(list(Path(cache).glob('*.pdf')))} PDF(s) | load {os.getloadavg()[0]:.1f}",
            flush=True,
        )
    client = app.test_client()
    token = csrf_token(client.get("/sign-in").get_data(as_text=True))
    signed = client.post(
        "/sign-in", data={"email": BENCH_USER, "password": BENCH_PASSWORD, "csrf_token": token}
    )
    assert signed.status_code == 302, signed.status_code

    before = peak_rss_mb()
    start = time.perf_counter()
    response = client.get(f"{URL}?{args.query}" if args.query else URL, buffered=False)
    size = sum(len(chunk) for chunk in response.response)
    seconds = time.perf_counter() - start
    response.close()
    child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(
        f"board pack {args.query or '(every action)'}: {response.status_code}, "
        f"{response.headers.get('X-Total-Count', '-')} actions, {seconds:.1f} s, "
        f"{size / 1024:.0f} KiB | child peak RSS "
        + (f"{child:.0f} MB" if child else "- (no child)")
        + f" | this process's peak RSS {before:.0f} MB before, {peak_rss_mb():.0f} MB after"
        f" | bound {app.config['PDF_MEMORY_MB']} MB, {app.config['PDF_SECONDS']} s"
        + (" (drawn in-process)" if args.in_process else "")
        + f" | load {os.getloadavg()[0]:.1f}",
        flush=True,
    )
    if response.status_code != 200:
        print(response.get_data(as_text=True)[:300])
    for path in Path(cache).iterdir():
        path.unlink()
    os.rmdir(cache)
    if temporary:
        for path in Path(temporary).iterdir():
            path.unlink()
        os.rmdir(temporary)


if __name__ == "__main__":
    main()
