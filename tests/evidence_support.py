"""Sample files for the evidence tests, and ClamAV's daemon run for real.

There is no internet here to download ClamAV's virus database, so clamd is given a signature file
of our own (a .ndb body signature) that matches the EICAR anti-virus test string anywhere in a
file. The string is put together at run time, so this file is not itself a test virus."""

from __future__ import annotations

import io
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

CLAMD = "/usr/sbin/clamd"
EICAR = ("X5O!P%@AP[4\\PZX54(P^)7CC)7}$" + "EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*").encode()
SIGNATURE = "Tracker.Test.EICAR"

PDF = b"%PDF-1.4\n1 0 obj <</Type /Catalog>> endobj\ntrailer <</Root 1 0 R>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02" + b"\x00" * 40
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 40
GIF = b"GIF89a\x01\x00\x01\x00" + b"\x00" * 40
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
DOC = OLE + b"\x00" * (512 - len(OLE)) + b"\xec\xa5\xc1\x00" + b"\x00" * 100
WINDOWS_PROGRAM = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 120
LINUX_PROGRAM = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 120


def docx() -> bytes:
    from docx import Document

    out = io.BytesIO()
    document = Document()
    document.add_paragraph("Case file audit, January 2016 (illustrative).")
    document.save(out)
    return out.getvalue()


def xlsx() -> bytes:
    from openpyxl import Workbook

    out = io.BytesIO()
    book = Workbook()
    book.active["A1"] = "Audit"
    book.save(out)
    return out.getvalue()


def infected_pdf() -> bytes:
    """A PDF by its content, carrying the EICAR test string: only the virus scan refuses it."""
    return PDF.replace(b"trailer", b"% " + EICAR + b"\ntrailer")


@pytest.fixture(scope="session")
def clamd_socket() -> Iterator[str]:
    """A real clamd on a socket of its own, with our EICAR signature. Fails (never skips) when
    clamd is not installed: CI installs clamav-daemon."""
    assert Path(CLAMD).exists(), f"{CLAMD} is missing: install Debian's clamav-daemon"
    folder = Path(tempfile.mkdtemp(prefix="tracker-clamd-"))
    (folder / "db").mkdir()
    (folder / "db" / "tracker-test.ndb").write_text(f"{SIGNATURE}:0:*:{EICAR.hex()}\n")
    sock = folder / "clamd.sock"
    config = folder / "clamd.conf"
    config.write_text(
        "Foreground yes\n"
        f"LocalSocket {sock}\n"
        f"DatabaseDirectory {folder / 'db'}\n"
        f"LogFile {folder / 'clamd.log'}\n"
        f"TemporaryDirectory {folder}\n"
    )
    process = subprocess.Popen(
        [CLAMD, "-c", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        deadline = time.monotonic() + 60
        while not _answers(sock):
            if process.poll() is not None:
                raise AssertionError(f"clamd stopped: {process.stderr.read().decode()[-2000:]}")
            assert time.monotonic() < deadline, "clamd did not start within 60 seconds"
            time.sleep(0.2)
        yield str(sock)
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        process.stderr.close()
        shutil.rmtree(folder, ignore_errors=True)


def _answers(sock: Path) -> bool:
    if not sock.exists():
        return False
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
            conn.settimeout(2)
            conn.connect(str(sock))
            conn.sendall(b"zPING\0")
            return conn.recv(16).startswith(b"PONG")
    except OSError:
        return False
