"""The guides' screenshots are taken by the browser journeys (tests/e2e, `shoot(page, name)`), and
docs/shots.py holds the one list of their names: a guide cannot show a screenshot no journey
takes, and no journey can take one that no guide shows."""

from __future__ import annotations

import ast
import importlib.util
import re
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
JOURNEYS = ROOT / "tests" / "e2e"
SHOT = re.compile(r"\bshoot\(\s*\w+\s*,\s*\"([^\"]+)\"\s*\)")

pytestmark = pytest.mark.sqlite_only  # reads files, no database


def shots_module():
    spec = importlib.util.spec_from_file_location("docs_shots", ROOT / "docs" / "shots.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


SHOTS = shots_module()


def shot_calls() -> dict[str, list[str]]:
    """Each name a journey passes to shoot, with the journey files that do."""
    calls: dict[str, list[str]] = {}
    for path in sorted(JOURNEYS.glob("test_*.py")):
        for name in SHOT.findall(path.read_text(encoding="utf-8")):
            calls.setdefault(name, []).append(path.name)
    return calls


def test_every_image_a_page_shows_is_in_the_list():
    shown = SHOTS.shown()
    assert len(shown) >= 16
    assert sorted(set(shown) - set(SHOTS.NAMES)) == []


def test_every_name_in_the_list_is_shown_by_a_guide_and_listed_once():
    assert sorted(set(SHOTS.NAMES) - set(SHOTS.shown())) == []
    assert len(SHOTS.NAMES) == len(set(SHOTS.NAMES))


def test_every_name_in_the_list_is_shot_by_a_journey_and_only_once():
    calls = shot_calls()
    assert sorted(set(SHOTS.NAMES) - set(calls)) == []
    assert sorted(set(calls) - set(SHOTS.NAMES)) == []
    assert {name: files for name, files in calls.items() if len(files) > 1} == {}


def journeys_marked_and_shooting() -> tuple[set[str], set[str]]:
    """The journeys (file::function) carrying the docs_screenshots mark (on the function, or on
    some of its parameters), and those whose body calls shoot."""
    marked, shooting = set(), set()
    for path in sorted(JOURNEYS.glob("test_*.py")):
        module = ast.parse(path.read_text(encoding="utf-8"))
        # Module-level names whose value carries the mark (parameters marked one by one).
        marking = {
            target.id
            for node in module.body
            if isinstance(node, ast.Assign) and "docs_screenshots" in ast.unparse(node.value)
            for target in node.targets
            if isinstance(target, ast.Name)
        }
        for node in module.body:
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test_"):
                name = f"{path.name}::{node.name}"
                decorators = [ast.unparse(d) for d in node.decorator_list]
                used = {
                    n.id
                    for d in node.decorator_list
                    for n in ast.walk(d)
                    if isinstance(n, ast.Name)
                }
                if any("docs_screenshots" in d for d in decorators) or used & marking:
                    marked.add(name)
                if any(
                    isinstance(call, ast.Call) and getattr(call.func, "id", "") == "shoot"
                    for call in ast.walk(node)
                ):
                    shooting.add(name)
    return marked, shooting


def test_every_journey_that_shoots_is_marked_for_make_docs_and_every_marked_one_shoots():
    marked, shooting = journeys_marked_and_shooting()
    assert len(shooting) >= 8
    assert sorted(shooting - marked) == []  # `make docs` would not run it
    assert sorted(marked - shooting) == []  # `make docs` would run it for nothing


def test_the_check_after_the_build_names_a_missing_or_stale_image(tmp_path):
    name = sorted(SHOTS.shown())[0]
    missing = SHOTS.not_written_since(time.time(), tmp_path)
    assert len(missing) == len(SHOTS.shown())
    assert any(line.startswith(f"{tmp_path / name}.png is missing") for line in missing)

    for each in SHOTS.shown():
        (tmp_path / f"{each}.png").write_bytes(b"png")
    assert SHOTS.not_written_since(time.time() - 60, tmp_path) == []
    stale = SHOTS.not_written_since(time.time() + 60, tmp_path)
    assert len(stale) == len(SHOTS.shown()) and "not taken by this run" in stale[0]


def test_shoot_refuses_a_name_the_guides_do_not_use_and_writes_nothing_without_a_folder():
    from tests.e2e.conftest import Shooter

    class NoPage:  # a page that fails if it is used at all
        def __getattr__(self, name):
            raise AssertionError(f"the page was used ({name}) with no folder named")

    shooter = Shooter(None, SHOTS.NAMES)
    shooter(NoPage(), SHOTS.NAMES[0])
    with pytest.raises(AssertionError, match="not a screenshot the guides use"):
        shooter(NoPage(), "no-such-screen")
