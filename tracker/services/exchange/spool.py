"""A file written to a temporary place, then streamed: exports that are built whole (the
workbook, the board pack's PDF) are never held in memory, and their length is known before the
first byte leaves (so a browser can show the download's progress)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from typing import IO

CHUNK = 64 * 1024


def spool(write: Callable[[str], None], *, suffix: str) -> tuple[int, Iterator[bytes]]:
    """Call `write(path)` to make the file, then hand back its size and its bytes to stream. The
    file is unlinked at once: the open handle stays readable and its space is freed when the
    stream is closed, however the download ends."""
    handle, path = tempfile.mkstemp(prefix="tracker-export-", suffix=suffix)
    os.close(handle)
    try:
        write(path)
        stream: IO[bytes] = open(path, "rb")  # noqa: SIM115 (closed when the response closes)
    finally:
        os.unlink(path)
    return os.fstat(stream.fileno()).st_size, _read_and_close(stream)


def _read_and_close(stream: IO[bytes]) -> Iterator[bytes]:
    with stream:
        while chunk := stream.read(CHUNK):
            yield chunk
