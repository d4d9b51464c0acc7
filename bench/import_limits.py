"""Time reading hostile workbooks the way the import reads them now, and the old way.

    .venv/bin/python bench/import_limits.py [--old-seconds 60]

Files (built in memory, no database): "far row" is a 5 KB workbook declaring A1:XFD1048576 with
three plan rows and one value in row 1,048,576; "formatted" holds 1,000,000 formatted but empty
cells (10 columns x 100,000 rows, 2 MB); "wide" declares A1:XFD1048576 over 3,000 real rows. For
each: seconds, then peak traced memory (tracemalloc, in a second read), through
`tracker.domain.imports.read_file`, then the old reader (openpyxl's read-only rows, which trust
the declared size) in a child process stopped after --old-seconds, with how many rows it got
through and its peak RSS.
"""

from __future__ import annotations

import argparse
import multiprocessing
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.import_files import appending, declaring, formatted_at, text_at, workbook  # noqa: E402
from tracker.domain.imports import HEADER, UnreadableFile, read_file  # noqa: E402

ROW = ["MAP-001", "Main plan", "R1", "A title", *[""] * (len(HEADER) - 4)]


def files() -> dict[str, bytes]:
    small = workbook([list(HEADER), ROW, ROW, ROW])
    formatted = "".join(
        f'<row r="{r}">' + "".join(f'<c r="{c}{r}" s="0"/>' for c in "ABCDEFGHIJ") + "</row>"
        for r in range(5, 100_005)
    )
    return {
        "far row": appending(declaring(small, "A1:XFD1048576"), text_at("A1048576")),
        "formatted": appending(small, formatted) + b"",
        "formatted, huge declared size": appending(
            declaring(small, "A1:XFD1048576"), formatted + formatted_at("A1048576")
        ),
        "wide": declaring(workbook([list(HEADER), *[ROW] * 3_000]), "A1:XFD1048576"),
    }


def new_reader(data: bytes) -> str:
    try:
        sheets, problems = read_file("plan.xlsx", data)
    except UnreadableFile as exc:
        return f"refused: {exc}"
    return f"read {sum(len(s.rows) for s in sheets)} rows, {len(problems)} problems"


def old_reader(data: bytes, progress) -> None:
    """What the import did before: openpyxl's read-only rows, padded to the declared size."""
    import io

    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    width = len(HEADER)
    for ws in book.worksheets:
        for count, cells in enumerate(ws.iter_rows(), start=1):
            [c.value for c in cells[:width]]
            [c for c in cells[width:] if c.value not in (None, "")]
            if count % 1000 == 0:
                progress.value = count
    progress.value = -progress.value - 1  # finished


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--old-seconds", type=float, default=60)
    args = parser.parse_args()
    print("| file | size | now: seconds | now: peak MB | now: outcome | before: outcome |")
    print("|---|---|---|---|---|---|")
    for name, data in files().items():
        started = time.perf_counter()
        outcome = new_reader(data)
        seconds = time.perf_counter() - started  # without tracemalloc, which slows it
        tracemalloc.start()
        new_reader(data)
        peak = tracemalloc.get_traced_memory()[1] / 1e6
        tracemalloc.stop()
        progress = multiprocessing.Value("q", 0)
        child = multiprocessing.Process(target=old_reader, args=(data, progress))
        started = time.perf_counter()
        child.start()
        peak_rss = 0.0
        while child.is_alive() and time.perf_counter() - started < args.old_seconds:
            time.sleep(0.2)
            try:
                peak_rss = max(peak_rss, rss_mb(child.pid))
            except OSError:
                break
        old_seconds = time.perf_counter() - started
        if child.is_alive():
            child.terminate()
            old = (
                f"stopped after {old_seconds:.0f} s at row {progress.value:,}, "
                f"peak RSS {peak_rss:.0f} MB"
            )
        else:
            child.join()
            rows = -progress.value - 1
            old = f"finished in {old_seconds:.1f} s ({rows:,} rows), peak RSS {peak_rss:.0f} MB"
        print(
            f"| {name} | {len(data) / 1024:,.0f} KB | {seconds:.2f} | {peak:.1f} | "
            f"{outcome[:90]} | {old} |"
        )


if __name__ == "__main__":
    main()
