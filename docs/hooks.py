"""MkDocs hooks: pages whose content is read from the code at build time, so they cannot drift.

- The configuration page's settings table comes from config.py (docs/gen_config.py).
- The API page's table of operations, and the OpenAPI document itself (reference/openapi.json),
  come from tracker/api/openapi.py.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from mkdocs.structure.files import File

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
API_MARKER = "<!-- api-operations -->"
METHODS = ("get", "post", "put", "patch", "delete")


def _on_path() -> None:
    """This checkout's tracker and docs/ first (MkDocs puts sys.path back after loading a hook,
    and an editable install elsewhere must not answer for this checkout's code)."""
    for path in (str(DOCS), str(ROOT)):
        if path in sys.path:
            sys.path.remove(path)
        sys.path.insert(0, path)


def _document() -> dict:
    _on_path()
    from tracker.api.openapi import openapi_document

    return openapi_document()


def operations_table(document: dict) -> str:
    rows = ["| method | path | what it does |", "|---|---|---|"]
    base = document.get("servers", [{}])[0].get("url", "")
    for path, item in document["paths"].items():
        for method in METHODS:
            operation = item.get(method)
            if operation:
                summary = (operation.get("summary") or "").replace("|", "\\|")
                rows.append(f"| `{method.upper()}` | `{base}{path}` | {summary} |")
    return "\n".join(rows) + "\n"


def on_files(files, config):
    document = json.dumps(_document(), indent=2, sort_keys=False)
    files.append(File.generated(config, "reference/openapi.json", content=document))
    return files


def on_page_markdown(markdown, page, config, files):
    _on_path()
    import gen_config

    if gen_config.MARKER in markdown:
        markdown = markdown.replace(gen_config.MARKER, gen_config.settings_table())
    if API_MARKER in markdown:
        markdown = markdown.replace(API_MARKER, operations_table(_document()))
    return markdown
