"""Dependencies between actions: no cycles, date clashes flagged, blocked actions shown."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date


def find_cycle(edges: Iterable[tuple[str, str]], new_edge: tuple[str, str]) -> list[str] | None:
    """If adding `new_edge` (action depends on prerequisite) would make a cycle, return the
    actions in that cycle in order (starting and ending with the dependent action); else None."""
    graph: dict[str, set[str]] = {}
    for action, prerequisite in list(edges) + [new_edge]:
        graph.setdefault(action, set()).add(prerequisite)
    start, target = new_edge
    # A cycle exists if `start` is reachable from the prerequisite of the new edge.
    path: list[str] = []
    seen: set[str] = set()

    def walk(node: str) -> bool:
        path.append(node)
        if node == start:
            return True
        if node in seen:
            path.pop()
            return False
        seen.add(node)
        for nxt in sorted(graph.get(node, ())):
            if walk(nxt):
                return True
        path.pop()
        return False

    if walk(target):
        return [start, *path]
    return None


def date_clash(target_date: date | None, prerequisite_target: date | None) -> bool:
    """An action due before something it depends on is a clash (flagged, never moved)."""
    return (
        target_date is not None
        and prerequisite_target is not None
        and target_date < prerequisite_target
    )


def is_blocked(prerequisites: Iterable[Mapping[str, object]]) -> bool:
    """Blocked when any open prerequisite is red or overdue."""
    return any(not p["closed"] and (p["rag"] == "red" or bool(p["overdue"])) for p in prerequisites)
