"""Browser tests: Python Playwright driving Debian's Chromium against the app served from a
thread, with axe-core (from the npm registry) run on every page a journey sees."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from config import BASE_DIR

CHROMIUM = "/usr/bin/chromium"
AXE_JS = BASE_DIR / "node_modules" / "axe-core" / "axe.min.js"
BUILT_CSS = BASE_DIR / "static" / "build" / "govuk-frontend.min.css"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]


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


class RequestLog:
    """Every path the browser asked the live server for (WSGI middleware)."""

    def __init__(self, app) -> None:
        self.app = app
        self.paths: list[str] = []

    def __call__(self, environ, start_response):
        self.paths.append(environ.get("PATH_INFO", ""))
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
