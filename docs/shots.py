"""The guides' screenshots: the one list of their names, and the check that a build wrote them.

The browser journeys take them (tests/e2e): each calls `shoot(page, "chair-dashboard")` at the
moment it has just checked that screen, as that person, on the demo's day. With
TRACKER_DOCS_SCREENSHOTS naming a folder (`make docs` and `make test` give docs/img, which is
gitignored), `shoot` writes a 1280x900 PNG there; without it, it only checks the name is in
NAMES. tests/unit/test_screenshots.py fails when a guide shows an image not in NAMES, or a name
in NAMES is shot by no journey.

    python docs/shots.py --written-since EPOCH   # every image the guides show was written since
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
IMG = DOCS / "img"

# docs/img/<name>.png, by guide.
NAMES = (
    "locality-head-home",
    "locality-head-return",
    "locality-head-sef",
    "action-lead-home",
    "action-lead-update",
    "chair-dashboard",
    "chair-date-requests",
    "chair-sign-off",
    "chair-record-meeting",
    "jsig-plan",
    "jsig-quarterly-report",
    "jsig-api-tokens",
    "admin-setup",
    "admin-people",
    "admin-import",
    "admin-outbox",
    "admin-audit",
)

IMAGE = re.compile(r"\]\(\.\./img/([^)\s]+)\.png\)")


def shown() -> dict[str, list[str]]:
    """Each image name the pages of docs/ show (`![...](../img/NAME.png)`), with those pages."""
    pages: dict[str, list[str]] = {}
    for path in sorted(DOCS.rglob("*.md")):
        for name in IMAGE.findall(path.read_text(encoding="utf-8")):
            pages.setdefault(name, []).append(str(path.relative_to(DOCS.parent)))
    return pages


def not_written_since(started: float, folder: Path = IMG) -> list[str]:
    """What is wrong with the images the guides show, given when this run started: one line
    for each image that is missing or older than the run."""
    problems = []
    for name, pages in sorted(shown().items()):
        png = folder / f"{name}.png"
        if not png.is_file():
            problems.append(f"{png} is missing (shown in {', '.join(pages)})")
        elif png.stat().st_mtime < started:
            problems.append(
                f"{png} was not taken by this run: it is a stale copy (shown in {', '.join(pages)})"
            )
    return problems


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] != "--written-since":
        print(__doc__.strip().splitlines()[-1].strip(), file=sys.stderr)
        return 2
    problems = not_written_since(float(argv[1]))
    if problems:
        print(
            "The guides show screenshots the browser journeys did not take in this run "
            "(each is taken by a journey marked docs_screenshots, calling shoot(page, name)):",
            *(f"  {line}" for line in problems),
            sep="\n",
            file=sys.stderr,
        )
        return 1
    print(f"{len(shown())} screenshots in {IMG.relative_to(DOCS.parent)}/, all taken by this run.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
