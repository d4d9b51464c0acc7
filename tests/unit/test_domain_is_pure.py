"""tracker/domain is plain Python: no Flask, no SQLAlchemy, nothing else from tracker."""

import ast
from pathlib import Path

import pytest

DOMAIN = Path(__file__).resolve().parents[2] / "tracker" / "domain"
FORBIDDEN = (
    "flask",
    "sqlalchemy",
    "flask_sqlalchemy",
    "flask_login",
    "flask_wtf",
    "wtforms",
    "werkzeug",
    "apscheduler",
    "jinja2",
)


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("path", sorted(DOMAIN.glob("*.py")), ids=lambda p: p.name)
def test_domain_module_imports_no_framework(path):
    for name in imported_modules(path):
        top = name.split(".")[0]
        assert top not in FORBIDDEN, f"{path.name} imports {name}"
        if top == "tracker":
            assert name.startswith("tracker.domain"), f"{path.name} imports {name}"


def test_the_checker_would_catch_a_framework_import(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("from flask import current_app\nimport sqlalchemy.orm\n")
    assert {"flask", "sqlalchemy.orm"} <= imported_modules(bad)
