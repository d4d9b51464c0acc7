"""ClamAV's daemon (clamd), asked over its unix socket with the INSTREAM command.

The protocol (clamd(8)): send `zINSTREAM\\0`, then the file in chunks, each a 4-byte big-endian
length and the bytes, then a zero length; clamd answers `stream: OK`, `stream: <name> FOUND` or
an `... ERROR`. No client library is kept up to date, and the protocol is this short."""

from __future__ import annotations

import socket
import struct
from dataclasses import dataclass

CHUNK = 64 * 1024
TIMEOUT_SECONDS = 30.0


class ScannerUnavailable(Exception):
    """clamd is configured but could not be asked, or answered with an error."""


@dataclass(frozen=True)
class ScanResult:
    clean: bool
    signature: str = ""


def scan(socket_path: str, data: bytes, *, timeout: float = TIMEOUT_SECONDS) -> ScanResult:
    """Stream `data` to clamd and read its verdict."""
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
            conn.settimeout(timeout)
            conn.connect(socket_path)
            conn.sendall(b"zINSTREAM\0")
            for start in range(0, len(data), CHUNK):
                chunk = data[start : start + CHUNK]
                conn.sendall(struct.pack("!L", len(chunk)) + chunk)
            conn.sendall(struct.pack("!L", 0))
            reply = b""
            while not reply.endswith(b"\0"):
                part = conn.recv(4096)
                if not part:
                    break
                reply += part
    except OSError as exc:
        raise ScannerUnavailable(f"clamd at {socket_path}: {exc}") from exc
    return parse_reply(reply.rstrip(b"\0").decode("utf-8", "replace").strip())


def parse_reply(reply: str) -> ScanResult:
    if reply.endswith("OK") and "FOUND" not in reply:
        return ScanResult(clean=True)
    if reply.endswith("FOUND"):
        name = reply.removeprefix("stream:").removesuffix("FOUND").strip()
        return ScanResult(clean=False, signature=name)
    raise ScannerUnavailable(f"clamd answered: {reply or 'nothing'}")
