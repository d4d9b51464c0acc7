"""The pages (tracker/web) and the API (tracker/api) borrow nothing from each other: what both
need lives in tracker/http (or lower, in services and domain)."""

import ast
from pathlib import Path

import pytest

TRACKER = Path(__file__).resolve().parents[2] / "tracker"


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            if node.module == "tracker":
                names.update(f"tracker.{alias.name}" for alias in node.names)
    return names


def modules(*packages: str) -> list[Path]:
    return sorted(p for package in packages for p in (TRACKER / package).rglob("*.py"))


@pytest.mark.parametrize("path", modules("api", "http"), ids=lambda p: str(p.relative_to(TRACKER)))
def test_the_api_and_the_shared_http_module_import_nothing_from_the_pages(path):
    for name in imported_modules(path):
        assert not (name == "tracker.web" or name.startswith("tracker.web.")), (
            f"{path.relative_to(TRACKER)} imports {name}"
        )


@pytest.mark.parametrize("path", modules("web", "http"), ids=lambda p: str(p.relative_to(TRACKER)))
def test_the_pages_and_the_shared_http_module_import_nothing_from_the_api(path):
    for name in imported_modules(path):
        assert not (name == "tracker.api" or name.startswith("tracker.api.")), (
            f"{path.relative_to(TRACKER)} imports {name}"
        )
