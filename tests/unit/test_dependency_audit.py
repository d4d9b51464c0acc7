"""The dependency audit in `make test` never reads "could not check" as a pass."""

from __future__ import annotations

import importlib.util

from config import BASE_DIR

_spec = importlib.util.spec_from_file_location("audit", BASE_DIR / ".ci" / "audit_dependencies.py")
audit = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(audit)


def test_a_known_vulnerability_fails_the_build():
    code, lines = audit.judge(
        {"dependencies": [{"name": "flask", "version": "0.1", "vulns": [{"id": "GHSA-x"}]}]}
    )
    assert code == 1
    assert "VULNERABLE: flask 0.1: GHSA-x" in lines


def test_packages_it_could_not_judge_are_said_to_be_not_checked():
    report = {
        "dependencies": [
            {"name": "alembic", "skip_reason": "Dependency not found on PyPI"},
            {"name": "flask", "version": "3.1", "vulns": []},
        ]
    }
    code, lines = audit.judge(report)
    assert code == 0
    assert lines[0].startswith("NOT CHECKED: pip-audit could not judge 1 of 2 packages")
    assert "This is not a pass" in lines[0]
    assert lines[-1] == "pip-audit: 1 of 2 packages judged, 0 vulnerable."


def test_everything_judged_and_clean_is_a_pass_with_nothing_unchecked():
    code, lines = audit.judge({"dependencies": [{"name": "flask", "version": "3.1", "vulns": []}]})
    assert code == 0
    assert not any("NOT CHECKED" in line for line in lines)
