"""Sign-in attempts from a process of its own (a second worker or host), for the rate-limit
tests: `python sign_in_attempts.py DATABASE_URL REDIS_URL PREFIX ADDRESS N` tries N unknown
emails from ADDRESS and prints the status codes."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from config import TestConfig  # noqa: E402
from tracker import create_app  # noqa: E402


def main(url: str, redis_url: str, prefix: str, address: str, n: int, start: int) -> None:
    app = create_app(
        TestConfig,
        SQLALCHEMY_DATABASE_URI=url,
        RATELIMIT_STORAGE_URI=redis_url,
        RATELIMIT_KEY_PREFIX=prefix,
        WTF_CSRF_ENABLED=False,
    )
    client = app.test_client()
    codes = [
        client.post(
            "/sign-in",
            data={"email": f"sprayed{start + i}@trust.example", "password": "guess-123456"},
            environ_base={"REMOTE_ADDR": address},
        ).status_code
        for i in range(n)
    ]
    print(" ".join(map(str, codes)))


if __name__ == "__main__":
    a = sys.argv[1:]
    main(a[0], a[1], a[2], a[3], int(a[4]), int(a[5]))
