"""Time the exports in-process at scale: how soon their first bytes leave and when they are done.

    .venv/bin/python bench/export_timing.py --database-url sqlite:///instance/bench-10x.db

Build the database first with bench/generate.py. It signs in as the bench reader through the test
client, asks for every action as CSV (plain and gzipped) and as XLSX (with and without the history
sheet), and for the overdue list and the overdue API call, and prints p50 and p95 of the time to
the first body chunk and to the last, in ms, the
process's CPU time for the whole response (the figure that other load on the machine disturbs
least: the database work of SQLite runs in-process, PostgreSQL's does not), and each URL's SQL
statements, and the process's peak RSS after each URL (VmHWM only ever rises: the URL that raised
it is the one to look at; bodies are counted, not kept). Production settings, today fixed at the
demo date. `--only TEXT` measures only the URLs whose name contains TEXT (a fresh process gives
that URL's own peak RSS).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.generate import BENCH_PASSWORD, BENCH_USER  # noqa: E402
from bench.run import counting_app, csrf_token  # noqa: E402

URLS = (
    ("CSV, every action", "/api/v1/exports/plan.csv", {}),
    ("CSV, every action, gzip", "/api/v1/exports/plan.csv", {"Accept-Encoding": "gzip"}),
    ("CSV, overdue only", "/api/v1/exports/plan.csv?overdue=true&sort=target_date", {}),
    ("XLSX, every action", "/api/v1/exports/plan.xlsx", {}),
    ("XLSX, every action + history", "/api/v1/exports/plan.xlsx?history=true", {}),
    ("overdue list, HTML, gzip", "/actions/overdue", {"Accept-Encoding": "gzip"}),
    ("overdue list, API", "/api/v1/actions/overdue", {}),
)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def peak_rss_mb() -> float:
    """This process's peak resident set size so far (VmHWM), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    from sqlalchemy import event

    from tracker.extensions import db

    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--only", default="", help="only the URLs whose name contains this")
    args = parser.parse_args()
    app = counting_app(args.database_url, None)
    client = app.test_client()
    token = csrf_token(client.get("/sign-in").get_data(as_text=True))
    signed = client.post(
        "/sign-in", data={"email": BENCH_USER, "password": BENCH_PASSWORD, "csrf_token": token}
    )
    assert signed.status_code == 302, signed.status_code
    with app.app_context():
        engine = db.engine
    counter = {"n": 0}

    def count(*_args) -> None:
        counter["n"] += 1

    for name, url, headers in URLS:
        if args.only not in name:
            continue
        firsts, lasts, cpu, size, rows = [], [], [], 0, None
        for i in range(args.repeat + 2):  # two to warm up
            counter["n"] = 0
            event.listen(engine, "before_cursor_execute", count)
            start, start_cpu = time.perf_counter(), time.process_time()
            response = client.get(url, headers=headers, buffered=False)
            chunks = iter(response.response)
            first = next(chunks)
            first_at = time.perf_counter()
            size = len(first) + sum(len(chunk) for chunk in chunks)
            done, done_cpu = time.perf_counter(), time.process_time()
            response.close()
            event.remove(engine, "before_cursor_execute", count)
            assert response.status_code == 200, (url, response.status_code)
            if i >= 2:
                firsts.append((first_at - start) * 1000)
                lasts.append((done - start) * 1000)
                cpu.append((done_cpu - start_cpu) * 1000)
            rows = response.headers.get("X-Total-Count")
        print(
            f"{name:28} first byte p50 {statistics.median(firsts):6.1f} p95 "
            f"{percentile(firsts, 0.95):6.1f} ms | complete p50 {statistics.median(lasts):6.1f} "
            f"p95 {percentile(lasts, 0.95):6.1f} ms (CPU p50 {statistics.median(cpu):6.1f}) | "
            f"{size / 1024:5.0f} KiB"
            + (f", {rows} rows" if rows else "")
            + f", {counter['n']} statements, peak RSS {peak_rss_mb():.0f} MB",
            flush=True,
        )
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


if __name__ == "__main__":
    main()
