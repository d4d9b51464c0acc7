"""A wide table scrolls sideways in its own region on a phone; that region must be reachable by
keyboard and named (WCAG 2.1.1 and 4.1.2; axe's scrollable-region-focusable), which axe only
notices on a page whose table happens to overflow. So every region in every template is checked
here: focusable, a region, and named by its table's caption or heading."""

from __future__ import annotations

import re

from config import BASE_DIR

WRAP = re.compile(r'<div class="tracker-table-wrap"([^>]*)>')
ATTRIBUTE = re.compile(r'\s([a-z-]+)="([^"]*)"')


def _named_region(attributes: str) -> bool:
    found = dict(ATTRIBUTE.findall(attributes))
    named = found.get("aria-labelledby") or found.get("aria-label")
    return found.get("tabindex") == "0" and found.get("role") == "region" and bool(named)


def test_every_scrolling_table_region_is_focusable_and_named():
    found, wrong = 0, []
    for path in sorted((BASE_DIR / "templates").rglob("*.html")):
        for match in WRAP.finditer(path.read_text(encoding="utf-8")):
            found += 1
            if not _named_region(match.group(1)):
                wrong.append(f"{path.relative_to(BASE_DIR)}: {match.group(0)}")
    assert found > 30
    assert wrong == []
