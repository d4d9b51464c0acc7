"""A sender in a process of its own, for the outbox tests: `python outbox_sender.py URL PORT NOW
[--die-after-accept] [--wait-for FILE]`, or `run_to_file` in a process forked from a server
that imported this module once (the tests start many senders). With --die-after-accept it is
killed (os._exit) the moment the SMTP server has accepted its first message: the worst moment
for a sender to die."""

from __future__ import annotations

import os
import smtplib
import sys
import time
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from config import TestConfig  # noqa: E402
from tracker import create_app  # noqa: E402
from tracker.services.mail import outbox  # noqa: E402


def main(argv: list[str]) -> None:
    url, port, now = argv[0], int(argv[1]), datetime.fromisoformat(argv[2])
    if "--die-after-accept" in argv:
        real = smtplib.SMTP.send_message

        def send_then_die(self, *args, **kwargs):
            real(self, *args, **kwargs)
            os._exit(9)  # killed: nothing after the server's "250 OK" runs

        smtplib.SMTP.send_message = send_then_die  # type: ignore[method-assign]
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url)
    if "--wait-for" in argv:  # start together with the other sender
        go = Path(argv[argv.index("--wait-for") + 1])
        while not go.exists():
            time.sleep(0.005)
    with app.app_context():
        smtp = outbox.SmtpSettings("127.0.0.1", port, False, None, None, "tracker@trust.example")
        result = outbox.send_pending(now=now, smtp=smtp)
    print(result.sent, result.failed)


# Every module the app's views need, imported now: in the fork server that preloads this module,
# so each sender forked from it only builds its app (a tenth of a second) instead of importing
# the views again (a second or two of CPU each, twenty times a test).
create_app(TestConfig, SQLALCHEMY_DATABASE_URI="sqlite://")


def run_to_file(argv: list[str], out: str) -> None:
    """`main(argv)` with what it prints written to the file `out` (a forked sender's output)."""
    with open(out, "w", encoding="utf-8") as sys.stdout:
        main(argv)


if __name__ == "__main__":
    main(sys.argv[1:])
