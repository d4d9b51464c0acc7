"""GOV.UK Frontend's compiled files, served from the npm package installed at build time."""

from __future__ import annotations

from flask import Blueprint, abort, send_from_directory

from config import BASE_DIR
from tracker.web.access import public

GOVUK_DIST = BASE_DIR / "node_modules" / "govuk-frontend" / "dist" / "govuk"
AXE = BASE_DIR / "node_modules" / "axe-core"

bp = Blueprint("assets", __name__)


@bp.get("/assets/<path:filename>")
@public
def govuk_assets(filename: str):
    """Images and the manifest. Never the GDS Transport font files: that typeface is licensed
    only for services on GOV.UK, and the tracker's own compiled CSS uses a system font stack."""
    if filename.split("/", 1)[0] == "fonts":
        abort(404)
    return send_from_directory(GOVUK_DIST / "assets", filename, max_age=86400)


@bp.get("/govuk/<path:filename>")
@public
def govuk_dist(filename: str):
    """The framework's JavaScript. Its precompiled CSS is not served: it loads GDS Transport."""
    if not filename.endswith((".js", ".js.map")):
        abort(404)
    return send_from_directory(GOVUK_DIST, filename, max_age=3600)
