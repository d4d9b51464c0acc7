"""The README is a front page (under 1,500 words), and no relative link in it or in docs/
points at a file that is not there."""

import importlib.util
import re
from pathlib import Path
from urllib.parse import unquote

import pytest

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
DOCS = ROOT / "docs"


def screenshots() -> set[Path]:
    """The PNGs the browser journeys take into docs/img/ (gitignored) before the site is built:
    docs/shots.py's list of their names."""
    spec = importlib.util.spec_from_file_location("docs_shots", DOCS / "shots.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return {DOCS / "img" / f"{name}.png" for name in module.NAMES}


# Files the docs build writes, linked from the pages but not in the checkout: the OpenAPI
# document (docs/hooks.py) and the screenshots.
GENERATED = {DOCS / "reference" / "openapi.json", *screenshots()}

LINK = re.compile(r"(?<!\!)\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
IMAGE = re.compile(r"\!\[[^\]]*\]\(([^)\s]+)\)")
FENCE = re.compile(r"^(```|~~~).*?^\1", re.DOTALL | re.MULTILINE)
CODE = re.compile(r"`[^`\n]*`")


def words(text: str) -> int:
    return len(text.split())


def relative_links(path: Path) -> list[str]:
    text = CODE.sub("", FENCE.sub("", path.read_text(encoding="utf-8")))
    targets = LINK.findall(text) + IMAGE.findall(text)
    return [
        target
        for target in targets
        if not re.match(r"^[a-z][a-z0-9+.-]*:", target) and not target.startswith("#")
    ]


def markdown_files() -> list[Path]:
    return [README, *sorted(DOCS.rglob("*.md"))]


def test_the_readme_is_under_1500_words():
    assert words(README.read_text(encoding="utf-8")) < 1500


@pytest.mark.parametrize("path", markdown_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_points_at_a_file_that_exists(path):
    missing = []
    for target in relative_links(path):
        file = (path.parent / unquote(target.split("#", 1)[0])).resolve()
        if not (file.exists() or file in GENERATED):
            missing.append(target)
    assert missing == []


def test_the_readme_links_to_each_guide():
    links = set(relative_links(README))
    for guide in sorted((DOCS / "guides").glob("*.md")):
        assert f"docs/guides/{guide.name}" in links


def test_every_screenshot_taken_is_shown_in_a_guide():
    shown = {
        (path.parent / target).resolve()
        for path in sorted((DOCS / "guides").glob("*.md"))
        for target in relative_links(path)
    }
    assert sorted(str(p.name) for p in screenshots() - shown) == []


def test_a_link_checker_that_finds_nothing_is_not_a_pass():
    assert len(relative_links(README)) >= 20
