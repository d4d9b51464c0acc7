"""The configuration page's settings table, generated from config.py so that it cannot drift.

Every TRACKER_* variable config.py reads (through `_env`/`_bool` in a class, or in a function)
becomes a row: its name, the Config attribute it sets, its default as config.py writes it (and
the demo's, where DemoConfig reads it again), and its meaning. The meaning is the entry in
docs/settings.yml when there is one, else the comment above the line in config.py. A variable
with neither, or an entry in settings.yml for a variable config.py no longer reads, is an error.

    python docs/gen_config.py            # print the table (Markdown)
"""

from __future__ import annotations

import ast
import sys
from dataclasses import dataclass, field
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "config.py"
MEANINGS = ROOT / "docs" / "settings.yml"
READERS = {"_env", "_bool"}
MARKER = "<!-- settings-table -->"


@dataclass
class Setting:
    variable: str
    attributes: list[str] = field(default_factory=list)
    defaults: dict[str, str] = field(default_factory=dict)  # class name -> default as written
    comment: str = ""
    meaning: str = ""


def _reads(node: ast.AST) -> list[ast.Call]:
    """The _env/_bool calls under node whose first argument is a TRACKER_* string."""
    return [
        call
        for call in ast.walk(node)
        if isinstance(call, ast.Call)
        and isinstance(call.func, ast.Name)
        and call.func.id in READERS
        and call.args
        and isinstance(call.args[0], ast.Constant)
        and str(call.args[0].value).startswith("TRACKER_")
    ]


def _default(call: ast.Call, source: str) -> str:
    if len(call.args) < 2:
        return "unset"
    arg = call.args[1]
    if isinstance(arg, ast.Constant):
        return "unset" if arg.value is None else repr(arg.value).strip("'\"") or "empty"
    return ast.get_source_segment(source, arg) or "?"


def _comment_above(lines: list[str], lineno: int) -> str:
    """The # comment lines directly above a (1-based) line, and one at the end of the line."""
    text: list[str] = []
    i = lineno - 2
    while i >= 0 and lines[i].strip().startswith("#"):
        text.insert(0, lines[i].strip().lstrip("#").strip())
        i -= 1
    line = lines[lineno - 1]
    if "  # " in line:
        text.append(line.split("  # ", 1)[1].strip())
    return " ".join(text)


def read_settings(config_path: Path = CONFIG) -> dict[str, Setting]:
    """Every TRACKER_* variable config.py reads, in the order it first reads them."""
    source = config_path.read_text(encoding="utf-8")
    lines = source.splitlines()
    found: dict[str, Setting] = {}

    def note(call: ast.Call, owner: str, attribute: str | None, lineno: int) -> None:
        name = call.args[0].value
        setting = found.setdefault(name, Setting(name))
        if attribute and attribute not in setting.attributes:
            setting.attributes.append(attribute)
        setting.defaults.setdefault(owner, _default(call, source))
        if not setting.comment:
            setting.comment = _comment_above(lines, lineno)

    for node in ast.parse(source).body:
        if isinstance(node, ast.ClassDef):
            for stmt in node.body:
                if isinstance(stmt, ast.Assign | ast.AnnAssign):
                    target = stmt.targets[0] if isinstance(stmt, ast.Assign) else stmt.target
                    attribute = target.id if isinstance(target, ast.Name) else None
                    for call in _reads(stmt):
                        note(call, node.name, attribute, stmt.lineno)
        elif isinstance(node, ast.FunctionDef) and node.name not in READERS:
            for call in _reads(node):
                note(call, node.name, None, call.lineno)
    return found


def load_meanings(path: Path = MEANINGS) -> dict[str, str]:
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


def settings_table(config_path: Path = CONFIG, meanings_path: Path = MEANINGS) -> str:
    """The Markdown table of every setting; raises ValueError when the two sources disagree."""
    settings = read_settings(config_path)
    meanings = load_meanings(meanings_path)
    stale = sorted(set(meanings) - set(settings))
    if stale:
        raise ValueError(f"docs/settings.yml describes settings config.py does not read: {stale}")
    rows = ["| variable | setting | meaning | default |", "|---|---|---|---|"]
    missing = []
    for name, setting in settings.items():
        meaning = (meanings.get(name) or setting.comment).strip()
        if not meaning:
            missing.append(name)
        default = setting.defaults.get("Config") or next(iter(setting.defaults.values()))
        demo = setting.defaults.get("DemoConfig")
        shown = f"`{default}`" if default != "unset" else "unset"
        if demo and demo != default:
            shown += f" (demo: `{demo}`)"
        attrs = ", ".join(f"`{a}`" for a in setting.attributes) or "(read at start-up)"
        meaning = meaning.replace("|", "\\|").replace("\n", " ")
        rows.append(f"| `{name}` | {attrs} | {meaning} | {shown} |")
    if missing:
        raise ValueError(f"no meaning in docs/settings.yml or a comment in config.py: {missing}")
    return "\n".join(rows) + "\n"


if __name__ == "__main__":
    sys.stdout.write(settings_table())
