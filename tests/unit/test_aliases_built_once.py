"""Issue 21.5: an SQLAlchemy `aliased(...)` is built once, at module level, never inside a
function on every call (it is the same alias each time, and building it costs a little on every
request)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2] / "tracker"


def aliases_built_in_functions(source: str) -> list[int]:
    """The lines of every `aliased(...)` call inside a function (or a method)."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            for inner in ast.walk(node):
                if isinstance(inner, ast.Call) and (
                    getattr(inner.func, "id", None) == "aliased"
                    or getattr(inner.func, "attr", None) == "aliased"
                ):
                    lines.append(inner.lineno)
    return sorted(set(lines))


def test_the_check_finds_an_alias_built_in_a_function():
    source = "A = aliased(User)\n\ndef f():\n    b = aliased(User)\n    return b\n"
    assert aliases_built_in_functions(source) == [4]


def test_no_function_in_the_tracker_builds_an_alias():
    found = {
        str(path.relative_to(ROOT)): lines
        for path in sorted(ROOT.rglob("*.py"))
        if (lines := aliases_built_in_functions(path.read_text(encoding="utf-8")))
    }
    assert found == {}, f"aliased(...) built inside a function (build it at module level): {found}"
