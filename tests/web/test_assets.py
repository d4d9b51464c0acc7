"""GOV.UK Frontend's files: the framework's JavaScript and images, and our own compiled CSS with
a system font stack. The GDS Transport typeface is licensed only for services on GOV.UK, which
this tracker is not, so its font files are never served and no stylesheet refers to them."""

from __future__ import annotations

import pytest

from config import BASE_DIR
from tracker.web.assets import GOVUK_DIST

BUILT_CSS = BASE_DIR / "static" / "build" / "govuk-frontend.min.css"


def test_the_package_still_ships_the_font_files_this_test_guards_against():
    # If a later GOV.UK Frontend stops shipping them, the checks below would pass for nothing.
    assert list((GOVUK_DIST / "assets" / "fonts").glob("*.woff2"))


def test_no_gds_transport_font_file_is_served(seeded_client):
    for font in (GOVUK_DIST / "assets" / "fonts").iterdir():
        assert seeded_client.get(f"/assets/fonts/{font.name}").status_code == 404
    image = seeded_client.get("/assets/images/favicon.svg")
    assert image.status_code == 200
    image.close()


def test_the_precompiled_css_that_loads_the_font_is_not_served_but_the_javascript_is(
    seeded_client,
):
    assert seeded_client.get("/govuk/govuk-frontend.min.css").status_code == 404
    script = seeded_client.get("/govuk/govuk-frontend.min.js")
    assert script.status_code == 200 and b"initAll" in script.data
    script.close()


def test_pages_use_the_compiled_css_with_a_system_font_stack(seeded_client):
    assert BUILT_CSS.exists(), "run `make install`: it compiles static/scss/govuk.scss"
    html = seeded_client.get("/accessibility").get_data(as_text=True)
    assert "/static/build/govuk-frontend.min.css" in html
    assert "govuk-frontend.min.css" not in html.replace("/static/build/govuk-frontend.min.css", "")
    css = BUILT_CSS.read_text(encoding="utf-8")
    for banned in ("GDS Transport", "@font-face", "/fonts/", ".woff"):
        assert banned not in css, banned
    assert "font-family:arial,helvetica,sans-serif" in css
    assert ".govuk-template__body{font-family:arial,helvetica,sans-serif}" in css


@pytest.mark.parametrize("path", ["/static/build/govuk-frontend.min.css"])
def test_the_compiled_css_is_served(seeded_client, path):
    response = seeded_client.get(path)
    assert response.status_code == 200 and response.mimetype == "text/css"
    response.close()
