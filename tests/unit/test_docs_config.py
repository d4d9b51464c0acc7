"""The configuration page's table is generated from config.py (docs/gen_config.py): every
variable config.py reads is a row of it, with a meaning, so the page cannot drift."""

import importlib.util
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "config.py"


def load_generator():
    """docs/gen_config.py, the generator the docs build runs (docs/ is not a package)."""
    if "gen_config" not in sys.modules:
        spec = importlib.util.spec_from_file_location("gen_config", ROOT / "docs" / "gen_config.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules["gen_config"] = module  # its dataclass looks its module up by name
        spec.loader.exec_module(module)
    return sys.modules["gen_config"]


def variables_config_reads() -> set[str]:
    """Read apart from the generator: every TRACKER_* name config.py mentions in a string."""
    return set(re.findall(r"[\"'](TRACKER_[A-Z0-9_]+)[\"']", CONFIG.read_text(encoding="utf-8")))


def table_rows(table: str) -> dict[str, str]:
    rows = {}
    for line in table.splitlines():
        found = re.match(r"\| `(TRACKER_[A-Z0-9_]+)` \|", line)
        if found:
            rows[found.group(1)] = line
    return rows


def test_every_setting_config_py_reads_is_in_the_generated_table():
    rows = table_rows(load_generator().settings_table())
    wanted = variables_config_reads()
    assert len(wanted) > 40
    assert sorted(wanted - set(rows)) == []


def test_each_row_has_a_meaning_and_a_default():
    for name, row in table_rows(load_generator().settings_table()).items():
        cells = [cell.strip() for cell in row.strip("|").split("|")]
        assert len(cells) == 4, name
        assert cells[2], f"{name} has no meaning"
        assert cells[3], f"{name} has no default"


def test_a_default_in_the_table_is_the_one_config_py_writes():
    rows = table_rows(load_generator().settings_table())
    assert "`5 per minute`" in rows["TRACKER_SIGN_IN_RATE_LIMIT"]
    assert "`json` (demo: `text`)" in rows["TRACKER_LOG_FORMAT"]
    assert (
        'unset (demo: `seed_demo_today(Config.SEED_DIR) or "2016-02-05"`)' in rows["TRACKER_TODAY"]
    )


def test_a_setting_with_no_meaning_fails_the_build(tmp_path):
    config = tmp_path / "config.py"
    config.write_text(
        CONFIG.read_text(encoding="utf-8")
        + '\n\nclass Extra(Config):\n    NEW_THING = _env("TRACKER_NEW_THING", "1")\n',
        encoding="utf-8",
    )
    with pytest.raises(ValueError, match="TRACKER_NEW_THING"):
        load_generator().settings_table(config_path=config)


def test_a_meaning_for_a_setting_that_is_gone_fails_the_build(tmp_path):
    meanings = tmp_path / "settings.yml"
    meanings.write_text(
        (ROOT / "docs" / "settings.yml").read_text(encoding="utf-8")
        + "TRACKER_GONE: no longer read\n",
        encoding="utf-8",
    )
    with pytest.raises(ValueError, match="TRACKER_GONE"):
        load_generator().settings_table(meanings_path=meanings)


def test_the_configuration_page_asks_for_the_table():
    page = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    assert load_generator().MARKER in page
