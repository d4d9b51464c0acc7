"""Every command in the README and the docs works as written: each shell block marked runnable
runs, as written, in a fresh copy of the checkout with the project's virtual environment first on
PATH, and exits 0.

The marker is an HTML comment on the line before the block's fence (invisible on GitHub and in
the built site; MkDocs passes it through):

    <!-- runnable -->            the block runs in a fresh clone: no database yet
    <!-- runnable: migrated -->  the block runs on a database migrated to the newest schema, as
                                 the text before it says ("on a new database, after db upgrade")

Blocks are marked only when they are safe to run in a test: none that starts a server, needs the
network, writes outside the copy, or holds a placeholder such as [--today YYYY-MM-DD]. Every
block runs with the demo's settings (TRACKER_CONFIG=demo) on a SQLite file of its own.
`make` commands are not run here (`make run` serves, `make test` is the suite); every `make`
target a block names must be one the Makefile has.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess  # nosec B404 - the docs' own commands, in a throwaway copy
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MARKER = re.compile(r"^\s*<!-- runnable(?:: (?P<state>[a-z]+))? -->\s*$")
FENCE = re.compile(r"^(?P<indent>\s*)```(?P<lang>\w*)")
STATES = {None, "migrated"}
# What a fresh clone holds that the commands use: copied when BASE_DIR is read from it, linked
# otherwise (the code, templates, seed and the installed environment).
COPIED = ("config.py", "wsgi.py", "Makefile", "pyproject.toml", "mkdocs.yml")
LINKED = ("tracker", "templates", "static", "seed", "docs", "node_modules")

# the docs' commands run on the demo's SQLite, once: the PostgreSQL run deselects them (Makefile)
pytestmark = pytest.mark.sqlite_only


@dataclass(frozen=True)
class Block:
    path: Path
    line: int  # of the fence
    state: str | None
    code: str

    @property
    def name(self) -> str:
        return f"{_shown(self.path)}:{self.line}"


def _shown(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def markdown_files() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]


def marked_blocks(path: Path) -> list[Block]:
    """The shell blocks marked runnable in a Markdown file. A marker not followed at once by a
    shell block is an error: it would otherwise be passed over silently."""
    lines = path.read_text(encoding="utf-8").splitlines()
    blocks = []
    for number, line in enumerate(lines):
        marker = MARKER.match(line)
        if not marker:
            continue
        where = f"{_shown(path)}:{number + 1}"
        assert marker["state"] in STATES, f"{where}: unknown runnable state {marker['state']!r}"
        fence = FENCE.match(lines[number + 1]) if number + 1 < len(lines) else None
        assert fence and fence["lang"] in ("sh", "bash"), f"{where}: no shell block follows"
        body = []
        for inner in lines[number + 2 :]:
            if inner.strip().startswith("```"):
                break
            body.append(inner)
        else:
            raise AssertionError(f"{where}: the block is never closed")
        blocks.append(Block(path, number + 2, marker["state"], textwrap.dedent("\n".join(body))))
    return blocks


def all_blocks() -> list[Block]:
    return [block for path in markdown_files() for block in marked_blocks(path)]


def shell_blocks(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8")
    return [
        textwrap.dedent(body)
        for body in re.findall(r"^\s*```(?:sh|bash)\n(.*?)^\s*```", text, re.M | re.S)
    ]


def makefile_targets() -> set[str]:
    text = (ROOT / "Makefile").read_text(encoding="utf-8")
    return set(re.findall(r"^([a-z][a-z0-9-]*):", text, re.M))


@pytest.fixture(scope="module")
def clone(tmp_path_factory) -> Path:
    """A fresh copy of the checkout (no instance folder, no database)."""
    folder = tmp_path_factory.mktemp("clone")
    for name in COPIED:
        shutil.copy2(ROOT / name, folder / name)
    for name in LINKED:
        (folder / name).symlink_to(ROOT / name, target_is_directory=True)
    return folder


def environment(database: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("TRACKER_")}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["TRACKER_CONFIG"] = "demo"
    env["TRACKER_DATABASE_URL"] = f"sqlite:///{database}"
    env.pop("PYTHONPATH", None)  # the copy's own code, from its working directory
    return env


def run(code: str, folder: Path, database: Path) -> subprocess.CompletedProcess:
    return subprocess.run(  # nosec B603 B607 - bash from PATH, the docs' block as its script
        ["bash", "-e", "-o", "pipefail", "-c", code],
        cwd=folder,
        env=environment(database),
        capture_output=True,
        text=True,
        timeout=180,
    )


@pytest.fixture(scope="module")
def migrated(clone, tmp_path_factory) -> Path:
    """A database migrated to the newest schema, copied for each block that starts from one."""
    database = tmp_path_factory.mktemp("migrated") / "tracker.db"
    done = run("flask --app wsgi db upgrade -d tracker/migrations", clone, database)
    assert done.returncode == 0, done.stderr
    return database


def test_the_marked_blocks_are_found():
    """The marker cannot vanish quietly: these blocks are marked, and found."""
    found = {block.name.split(":")[0] for block in all_blocks()}
    assert {
        "docs/operations/upgrading.md",
        "docs/operations/production.md",
        "docs/operations/running.md",
        "docs/guides/admin.md",
    } <= found
    assert len(all_blocks()) >= 4


def test_a_marker_with_no_block_after_it_fails(tmp_path):
    page = tmp_path / "page.md"
    page.write_text("Text.\n\n<!-- runnable -->\nNo block.\n", encoding="utf-8")
    with pytest.raises(AssertionError, match="no shell block follows"):
        marked_blocks(page)
    page.write_text("<!-- runnable: later -->\n```sh\ntrue\n```\n", encoding="utf-8")
    with pytest.raises(AssertionError, match="unknown runnable state"):
        marked_blocks(page)


def test_the_readme_gives_the_two_commands_and_make_has_them():
    blocks = shell_blocks(ROOT / "README.md")
    commands = [line.split("#")[0].split() for line in blocks[0].splitlines()]
    assert commands == [["make", "run"], ["make", "test"]]
    assert {"run", "test"} <= makefile_targets()


def test_every_make_target_the_docs_name_is_in_the_makefile():
    targets = makefile_targets()
    named = set()
    for path in markdown_files():
        for block in shell_blocks(path):
            named |= set(re.findall(r"^\s*make ([a-z][a-z0-9-]*)", block, re.M))
    assert len(named) >= 8
    assert sorted(named - targets) == []


@pytest.mark.parametrize("block", all_blocks(), ids=lambda block: block.name)
def test_each_runnable_block_runs_as_written(block, clone, migrated, tmp_path):
    database = tmp_path / "tracker.db"
    if block.state == "migrated":
        with sqlite3.connect(migrated) as source, sqlite3.connect(database) as copy:
            source.backup(copy)  # the write-ahead log's pages too
    done = run(block.code, clone, database)
    assert done.returncode == 0, (
        f"{block.name} exited {done.returncode}:\n{block.code}\n{done.stdout}\n{done.stderr}"
    )
