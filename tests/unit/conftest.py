"""tests/unit reads no database (the domain's rules, files, the PDF bound): it runs once, in the
SQLite run; the PostgreSQL run deselects it with `-m "not sqlite_only"` (Makefile)."""

from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items):
    for item in items:
        if HERE in Path(str(item.fspath)).resolve().parents:
            item.add_marker(pytest.mark.sqlite_only)
