"""Browser tests: Python Playwright driving Debian's Chromium against the app served from a
thread, with axe-core (from the npm registry) run on every page a journey sees, and the guides'
screenshots taken by the journeys themselves (`shoot`)."""

from __future__ import annotations

import importlib.util
import json
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from werkzeug.serving import make_server

from config import BASE_DIR

CHROMIUM = "/usr/bin/chromium"
AXE_JS = BASE_DIR / "node_modules" / "axe-core" / "axe.min.js"
BUILT_CSS = BASE_DIR / "static" / "build" / "govuk-frontend.min.css"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
SHOT_SIZE = {"width": 1280, "height": 900}


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser_type_launch_args():
    if not Path(CHROMIUM).exists():
        raise RuntimeError(
            f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium)"
        )
    return {
        "executable_path": CHROMIUM,
        "headless": True,
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args():
    # axe-core is injected as an inline script, which the tracker's CSP rightly forbids.
    return {"bypass_csp": True, "viewport": {"width": 1280, "height": 900}}


# axe-core, served beside the app by the test server only (never by the tracker): the browser
# fetches it once and keeps it, where sending its 550 KB through the driver for every page
# checked took a third of each check.
AXE_PATH = "/__tests__/axe.min.js"


class RequestLog:
    """Every path the browser asked the live server for (WSGI middleware); it also serves
    axe-core at AXE_PATH, cacheable, for AxeChecker."""

    def __init__(self, app) -> None:
        self.app = app
        self.paths: list[str] = []
        self.axe = AXE_JS.read_bytes() if AXE_JS.exists() else b""

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path == AXE_PATH and self.axe:
            start_response(
                "200 OK",
                [
                    ("Content-Type", "text/javascript; charset=utf-8"),
                    ("Content-Length", str(len(self.axe))),
                    ("Cache-Control", "public, max-age=86400, immutable"),
                ],
            )
            return [self.axe]
        self.paths.append(path)
        return self.app(environ, start_response)


@pytest.fixture(scope="module")
def live_server(browser_app) -> Iterator[str]:
    if not BUILT_CSS.exists():
        raise RuntimeError(f"{BUILT_CSS} is missing: run `make install` (it compiles the CSS)")
    log = RequestLog(browser_app)
    server = make_server("127.0.0.1", 0, log, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)
    # GDS Transport is licensed only for services on GOV.UK: no journey may load it.
    assert log.paths, "the journeys made no request"
    fonts = [p for p in log.paths if "/fonts/" in p or p.endswith((".woff", ".woff2"))]
    assert fonts == [], f"font files were requested: {fonts[:5]}"


class AxeChecker:
    """Runs axe-core on the current page and remembers every page it checked."""

    def __init__(self) -> None:
        if not AXE_JS.exists():
            raise RuntimeError(f"{AXE_JS} is missing: run `npm install`")
        self.source = AXE_JS.read_text(encoding="utf-8")
        self.checked: list[str] = []

    def check(self, page) -> None:
        address = urlsplit(page.url)
        if address.scheme in ("http", "https") and address.hostname == "127.0.0.1":
            page.add_script_tag(url=f"{address.scheme}://{address.netloc}{AXE_PATH}")
        else:
            page.add_script_tag(content=self.source)
        violations = page.evaluate(
            "async (tags) => (await axe.run(document, {runOnly: {type: 'tag', values: tags}}))"
            ".violations.map(v => ({id: v.id, impact: v.impact, help: v.help,"
            " nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))",
            AXE_TAGS,
        )
        self.checked.append(page.url)
        assert violations == [], (
            f"axe violations on {page.url}:\n{json.dumps(violations, indent=2)}"
        )


@pytest.fixture(scope="session")
def axe() -> AxeChecker:
    return AxeChecker()


def screenshot_names() -> tuple[str, ...]:
    """The names of the guides' screenshots: docs/shots.py's NAMES (docs/ is not a package)."""
    spec = importlib.util.spec_from_file_location("docs_shots", BASE_DIR / "docs" / "shots.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.NAMES


class Shooter:
    """`shoot(page, name)`: a guide's screenshot of the page as it is, taken by the journey that
    has just checked it. With TRACKER_DOCS_SCREENSHOTS naming a folder (docs/img for `make docs`
    and `make test`), a 1280x900 PNG of the top of the page is written there as NAME.png (the
    viewport and the scroll are put back as they were); without it, nothing is written. Either
    way the name must be one the guides use, so a call cannot outlive its picture."""

    def __init__(self, folder: Path | None, names: tuple[str, ...]) -> None:
        self.folder = folder
        self.names = names

    def __call__(self, page, name: str) -> None:
        assert name in self.names, f"{name!r} is not a screenshot the guides use (docs/shots.py)"
        if self.folder is None:
            return
        size = page.viewport_size
        if size != SHOT_SIZE:
            page.set_viewport_size(SHOT_SIZE)
        scrolled = page.evaluate("() => [window.scrollX, window.scrollY]")
        page.evaluate("() => window.scrollTo(0, 0)")
        self.folder.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(self.folder / f"{name}.png"), animations="disabled", caret="hide")
        page.evaluate("([x, y]) => window.scrollTo(x, y)", scrolled)
        if size is not None and size != SHOT_SIZE:
            page.set_viewport_size(size)


@pytest.fixture(scope="session")
def shoot() -> Shooter:
    folder = os.environ.get("TRACKER_DOCS_SCREENSHOTS")
    return Shooter(BASE_DIR / folder if folder else None, screenshot_names())
