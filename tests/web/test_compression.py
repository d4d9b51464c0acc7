"""Responses are gzipped when the client accepts it: pages, JSON and the CSV, which still streams;
CSP nonces and ETags keep working. Read-only on the shared seeded database."""

from __future__ import annotations

import gzip
import re
import zlib

import pytest

from tracker.services.exchange import exports

GZIP = {"Accept-Encoding": "gzip"}


def _comparable(html: str) -> str:
    """A page with its per-request values (CSP nonce, CSRF token, the minute it was printed, which
    the two requests may straddle) blanked."""
    html = re.sub(r'nonce="[^"]+"', 'nonce=""', html)
    html = re.sub(r"\bat \d\d:\d\d\b", "at HH:MM", html)
    return re.sub(r'name="csrf_token"( type="hidden")? value="[^"]+"', "csrf", html)


@pytest.mark.parametrize("url", ["/plans/north?rag=amber", "/actions/overdue", "/", "/overview"])
def test_a_page_asked_for_with_gzip_comes_gzipped_and_unzips_to_the_same_page(role_client, url):
    client = role_client("viewer")
    plain = client.get(url)
    zipped = client.get(url, headers=GZIP)
    assert plain.status_code == zipped.status_code == 200
    assert "Content-Encoding" not in plain.headers
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in zipped.headers["Vary"]
    body = zipped.get_data()
    assert len(body) < len(plain.get_data()) / 3
    html = gzip.decompress(body).decode()
    assert _comparable(html) == _comparable(plain.get_data(as_text=True))
    # The script's nonce is the one the Content-Security-Policy header allows.
    nonce = re.search(r"'nonce-([^']+)'", zipped.headers["Content-Security-Policy"]).group(1)
    assert f'nonce="{nonce}"' in html


def test_json_comes_gzipped_and_unzips_to_the_same_document(role_client):
    client = role_client("viewer")
    plain = client.get("/api/v1/actions?per_page=100").get_data()
    zipped = client.get("/api/v1/actions?per_page=100", headers=GZIP)
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(zipped.get_data()) == plain


def test_the_csv_comes_gzipped_and_still_streams_batch_by_batch(role_client, monkeypatch):
    monkeypatch.setattr(exports, "BATCH", 50)
    client = role_client("viewer")
    plain = client.get("/api/v1/exports/plan.csv").get_data()
    zipped = client.get("/api/v1/exports/plan.csv", headers=GZIP, buffered=False)
    assert zipped.is_streamed and zipped.headers["Content-Encoding"] == "gzip"
    assert "Content-Length" not in zipped.headers
    chunks = [chunk for chunk in zipped.response if chunk]
    zipped.close()
    assert len(chunks) > 2, "compressed as it goes, not gathered first"
    assert gzip.decompress(b"".join(chunks)) == plain
    # The first compressed chunk already holds the start of the file.
    start = zlib.decompressobj(wbits=zlib.MAX_WBITS | 16).decompress(chunks[0])
    assert start.startswith(b"\xef\xbb\xbfRef,Plan,")


def test_static_files_keep_their_etags_and_304s_for_a_client_that_accepts_gzip(seeded_client):
    first = seeded_client.get("/static/tracker.css", headers=GZIP)
    first.close()
    assert first.status_code == 200
    etag = first.headers["ETag"]
    again = seeded_client.get("/static/tracker.css", headers={**GZIP, "If-None-Match": etag})
    assert again.status_code == 304
    again.close()


def test_a_client_that_does_not_accept_gzip_gets_plain_responses(role_client):
    response = role_client("viewer").get("/actions", headers={"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in response.headers
    assert "<h1" in response.get_data(as_text=True)
