"""Screenshots for the guides, taken from the app as it is when the docs are built.

`make docs` runs this first. It migrates and seeds a throwaway SQLite demo (the demo's day,
5 February 2016), serves it from a thread, signs in as each person with Python Playwright driving
Debian's Chromium (headless), and writes one PNG per entry of SHOTS into docs/img/ (gitignored).
A page that no longer answers, or whose main heading is not the one expected, fails the run, so
a guide never shows a screen that no longer exists.

    python docs/screenshots.py            # every screenshot
    python docs/screenshots.py --list     # the file names the guides may use
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
IMG = ROOT / "docs" / "img"
CHROMIUM = "/usr/bin/chromium"
PASSWORD = "illustrative-demo-2016"


@dataclass(frozen=True)
class Shot:
    name: str  # docs/img/<name>.png
    email: str  # who is signed in
    path: str  # the page
    heading: str  # the start of the page's h1, checked before the picture is taken


SHOTS = (
    Shot("locality-head-home", "north.hos@trust.example", "/", "Your work"),
    Shot(
        "locality-head-return",
        "north.hos@trust.example",
        "/returns/north/3",
        "Return for cycle 3",
    ),
    Shot(
        "locality-head-sef",
        "north.hos@trust.example",
        "/sefs/north/2016-02",
        "SEF for February 2016",
    ),
    Shot("action-lead-home", "hos.mash@trust.example", "/", "Your work"),
    Shot("action-lead-update", "hos.mash@trust.example", "/actions/MAP-003/update", "Update:"),
    Shot(
        "chair-dashboard",
        "chief.executive@trust.example",
        "/dashboard",
        "Getting to Good dashboard",
    ),
    Shot("chair-sign-off", "chief.executive@trust.example", "/sign-off", "Actions awaiting"),
    Shot(
        "chair-date-requests",
        "chief.executive@trust.example",
        "/date-requests",
        "Target date requests",
    ),
    Shot("chair-record-meeting", "chief.executive@trust.example", "/meetings/new", "Record a"),
    Shot("jsig-plan", "jsig.member@council.example", "/plans/main", "Main action plan"),
    Shot(
        "jsig-quarterly-report",
        "jsig.member@council.example",
        "/measures/reports/quarterly/2015-Q3",
        "Quarterly performance",
    ),
    Shot("jsig-api-tokens", "jsig.member@council.example", "/account/api-tokens", "Your API"),
    Shot("admin-people", "admin@trust.example", "/admin/users", "People"),
    Shot("admin-import", "admin@trust.example", "/admin/import", "Import the plan"),
    Shot("admin-outbox", "admin@trust.example", "/admin/outbox", "Outbox"),
    Shot("admin-audit", "admin@trust.example", "/admin/audit", "Audit log"),
)


def _demo_database(folder: Path) -> dict[str, str]:
    """Migrate and seed a demo database in folder; the environment that serves it."""
    env = {
        **os.environ,
        "TRACKER_CONFIG": "demo",
        "TRACKER_DATABASE_URL": f"sqlite:///{folder / 'demo.db'}",
        "TRACKER_EVIDENCE_DIR": str(folder / "evidence"),
        "TRACKER_PDF_CACHE_DIR": str(folder / "pdf-cache"),
        "TRACKER_LOG_FORMAT": "text",
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
    for args in (["db", "upgrade", "-d", "tracker/migrations"], ["tracker", "seed"]):
        subprocess.run(flask + args, cwd=ROOT, env=env, check=True, capture_output=True)
    return env


def _serve(env: dict[str, str]):
    """The app on a free port of 127.0.0.1, from a thread of this process."""
    for key in (
        "TRACKER_CONFIG",
        "TRACKER_DATABASE_URL",
        "TRACKER_EVIDENCE_DIR",
        "TRACKER_PDF_CACHE_DIR",
        "TRACKER_LOG_FORMAT",
    ):
        os.environ[key] = env[key]
    sys.path.insert(0, str(ROOT))
    import logging

    from werkzeug.serving import make_server

    from tracker import create_app

    app = create_app()
    for name in ("werkzeug", "tracker", "tracker.request"):  # after the app set its logging up
        logging.getLogger(name).setLevel(logging.ERROR)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def take(shots=SHOTS) -> None:
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        raise SystemExit(f"{CHROMIUM} is missing: apt-get install chromium")
    IMG.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        server = _serve(_demo_database(Path(folder)))
        base = f"http://127.0.0.1:{server.server_port}"
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(
                    executable_path=CHROMIUM,
                    headless=True,
                    args=["--no-sandbox", "--disable-gpu", "--no-first-run"],
                )
                by_person: dict[str, object] = {}
                for shot in shots:
                    page = by_person.get(shot.email)
                    if page is None:
                        context = browser.new_context(viewport={"width": 1280, "height": 900})
                        page = by_person[shot.email] = context.new_page()
                        page.goto(f"{base}/sign-in")
                        page.get_by_label("Email address").fill(shot.email)
                        page.get_by_label("Password", exact=True).fill(PASSWORD)
                        page.get_by_role("button", name="Sign in").click()
                        page.wait_for_load_state()
                    answer = page.goto(f"{base}{shot.path}")
                    if answer is None or answer.status != 200:
                        status = answer.status if answer else "no answer"
                        raise SystemExit(f"{shot.path} as {shot.email}: {status}")
                    heading = page.locator("h1").first.inner_text().strip()
                    if not heading.startswith(shot.heading):
                        raise SystemExit(
                            f"{shot.path} as {shot.email}: the heading is {heading!r}, "
                            f"expected it to start {shot.heading!r}"
                        )
                    if os.environ.get("SCREENSHOTS_VERBOSE"):
                        print(f"{shot.name}: {heading!r}")
                    page.screenshot(path=str(IMG / f"{shot.name}.png"))
                browser.close()
        finally:
            server.shutdown()


if __name__ == "__main__":
    if "--list" in sys.argv:
        print("\n".join(f"{shot.name}.png" for shot in SHOTS))
    else:
        started = time.monotonic()
        take()
        print(f"{len(SHOTS)} screenshots in docs/img/ in {time.monotonic() - started:.1f} s")
