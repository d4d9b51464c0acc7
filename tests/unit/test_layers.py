"""The layers' rule beyond the domain's (issue 21.4): views reach the database only through
services (no module in tracker/api or tracker/web imports tracker.models), and the services
import one another without a circle, so each can be read from the ones below it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2] / "tracker"
SERVICES = ROOT / "services"


def imports_of(path: Path) -> set[str]:
    """Every module a file imports, at any depth (a function's late import counts too), with
    `from package import module` read as the module."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


VIEWS = sorted([*(ROOT / "api").rglob("*.py"), *(ROOT / "web").rglob("*.py")])


@pytest.mark.parametrize("path", VIEWS, ids=lambda p: str(p.relative_to(ROOT)))
def test_views_import_no_model(path):
    models = {
        n for n in imports_of(path) if n == "tracker.models" or n.startswith("tracker.models.")
    }
    assert not models, f"{path.relative_to(ROOT)} imports {sorted(models)}: go through a service"


def service_graph(root: Path = SERVICES) -> dict[str, set[str]]:
    modules = {module_name(p): p for p in root.rglob("*.py")}
    return {
        name: {n for n in imports_of(path) if n in modules and n != name}
        for name, path in modules.items()
    }


def find_circle(graph: dict[str, set[str]]) -> list[str]:
    """One import circle as the modules in it, or [] when there is none."""
    done: set[str] = set()
    for start in sorted(graph):
        stack, on_path = [(start, iter(sorted(graph[start])))], [start]
        if start in done:
            continue
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                done.add(node)
                stack.pop()
                on_path.pop()
            elif child in on_path:
                return [*on_path[on_path.index(child) :], child]
            elif child not in done:
                stack.append((child, iter(sorted(graph.get(child, ())))))
                on_path.append(child)
    return []


def test_services_import_each_other_without_a_circle():
    assert find_circle(service_graph()) == []


def test_the_circle_finder_finds_one():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}
    assert find_circle(graph) == ["a", "b", "c", "a"]
    assert find_circle({"a": {"b"}, "b": set()}) == []
