#!/usr/bin/env python3
"""Run pip-audit and say plainly what it could and could not judge.

pip-audit prints "No known vulnerabilities found" and exits 0 even when it could not look a
single package up (a registry mirror without vulnerability data answers "not found" for every
one). This reads its JSON instead and reports three outcomes:

- a known vulnerability in any package: listed, exit 1 (`make test` fails);
- packages it could not judge: counted and named, with NOT CHECKED in capitals, exit 0 (the
  rest of the suite still runs, but nobody can read this as a pass);
- every package judged and none vulnerable: exit 0.

    python .ci/audit_dependencies.py [--from-json FILE]   # FILE: pip-audit's --format json
"""

from __future__ import annotations

import json
import subprocess
import sys


def judge(report: dict) -> tuple[int, list[str]]:
    deps = report.get("dependencies", [])
    vulnerable = [d for d in deps if d.get("vulns")]
    skipped = [d for d in deps if "skip_reason" in d]
    judged = len(deps) - len(skipped)
    lines = []
    for d in vulnerable:
        ids = ", ".join(v.get("id", "?") for v in d["vulns"])
        lines.append(f"VULNERABLE: {d['name']} {d.get('version', '')}: {ids}")
    if skipped:
        names = ", ".join(d["name"] for d in skipped[:8]) + (" ..." if len(skipped) > 8 else "")
        lines.append(
            f"NOT CHECKED: pip-audit could not judge {len(skipped)} of {len(deps)} packages "
            f"(no vulnerability data for them: {names}). This is not a pass: audit them "
            "where the vulnerability database is reachable."
        )
    lines.append(
        f"pip-audit: {judged} of {len(deps)} packages judged, {len(vulnerable)} vulnerable."
    )
    return (1 if vulnerable else 0), lines


def main(argv: list[str]) -> int:
    if argv[:1] == ["--from-json"]:
        with open(argv[1]) as f:
            report = json.load(f)
    else:
        run = subprocess.run(
            [sys.executable, "-m", "pip_audit", "--format", "json", "--progress-spinner", "off"],
            capture_output=True,
            text=True,
        )
        if not run.stdout.strip():
            print(run.stderr, file=sys.stderr)
            print("NOT CHECKED: pip-audit gave no report (see above). This is not a pass.")
            return 0
        report = json.loads(run.stdout)
    code, lines = judge(report)
    print("\n".join(lines))
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
