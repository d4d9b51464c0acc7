"""GOV.UK Frontend's compiled files, served from the npm package installed at build time."""

from __future__ import annotations

from flask import Blueprint, send_from_directory

from config import BASE_DIR
from tracker.web.access import public

GOVUK_DIST = BASE_DIR / "node_modules" / "govuk-frontend" / "dist" / "govuk"
AXE = BASE_DIR / "node_modules" / "axe-core"

bp = Blueprint("assets", __name__)


@bp.get("/assets/<path:filename>")
@public
def govuk_assets(filename: str):
    return send_from_directory(GOVUK_DIST / "assets", filename, max_age=86400)


@bp.get("/govuk/<path:filename>")
@public
def govuk_dist(filename: str):
    return send_from_directory(GOVUK_DIST, filename, max_age=3600)
