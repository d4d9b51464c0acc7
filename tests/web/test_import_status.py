"""An import's status is true: one whose process was killed shows as stopped with nothing
written (imports are all or nothing), not "running" for ever; a second "Apply" of a file
already applied says so, and never starts the import again. Run on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.builders import make_user
from tests.conftest import csrf_token, load_seed_rows, sign_in
from tracker.domain.imports import HEADER
from tracker.extensions import db
from tracker.models import ActionEdit, AuditEvent
from tracker.services.exchange import imports

COL = {c: i for i, c in enumerate(HEADER)}


@pytest.fixture
def admin_client(client):
    load_seed_rows(client.application)
    admin = make_user(role="admin", email="import.admin@trust.example")
    db.session.commit()
    sign_in(client, admin.email, "a-long-test-password")
    shutil.rmtree(_store(client), ignore_errors=True)  # no status left by another test
    yield client
    shutil.rmtree(_store(client), ignore_errors=True)


def _store(client) -> Path:
    return Path(client.application.instance_path) / "imports"


def _csv(rows) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode()


def _checked(client) -> str:
    """A file with two title edits, checked: its digest."""
    data = client.get("/api/v1/exports/plan.csv").get_data().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(data, newline="")))
    for r in rows[1:3]:
        r[COL["Title"]] += " (imported)"
    token = csrf_token(client, "/admin/import")
    page = client.post(
        "/admin/import",
        data={"csrf_token": token, "file": (io.BytesIO(_csv(rows)), "plan.csv")},
        content_type="multipart/form-data",
    ).get_data(as_text=True)
    return page.split('name="digest" type="hidden" value="')[1][:64]


def _apply(client, digest: str, changes: str = "2"):
    token = csrf_token(client, "/admin/import")
    return client.post(
        "/admin/import/apply", data={"csrf_token": token, "digest": digest, "changes": changes}
    )


def _edits() -> int:
    return db.session.execute(select(func.count()).select_from(ActionEdit)).scalar_one()


def test_an_import_whose_process_was_killed_shows_as_stopped_with_nothing_written(admin_client):
    digest = _checked(admin_client)
    # A worker that started the import, then was killed: its status says "running".
    worker = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        status = {**imports.running_status("Writing", 50, 2), "filename": "plan.csv"}
        status["pid"] = worker.pid
        imports.write_status(_store(admin_client), digest, status)
        assert admin_client.get(f"/admin/import/progress/{digest}.json").get_json()["state"] == (
            "running"
        )
    finally:
        worker.kill()
        worker.wait()
    before = _edits()
    answer = admin_client.get(f"/admin/import/progress/{digest}.json").get_json()
    assert answer["state"] == "stopped"
    page = admin_client.get(f"/admin/import/progress/{digest}").get_data(as_text=True)
    assert "The import stopped: nothing was written" in page
    assert "Importing the plan" not in page
    assert _edits() == before
    # The file is still held: applying it again works.
    assert _apply(admin_client, digest, changes="0").status_code == 302
    assert _edits() == before + 2


def test_a_silent_import_on_another_host_is_stopped_after_the_heartbeat_timeout(admin_client):
    digest = _checked(admin_client)
    status = {**imports.running_status("Checking", 1, 2), "host": "another-host"}
    imports.write_status(_store(admin_client), digest, status)
    assert imports.status_now(_store(admin_client), digest)["state"] == "running"
    later = time.time() + imports.STALE_SECONDS + 1
    assert imports.status_now(_store(admin_client), digest, now=later)["state"] == "stopped"


def test_a_killed_import_that_had_committed_shows_as_done(admin_client):
    digest = _checked(admin_client)
    assert (
        _apply(admin_client, digest, changes="0").status_code == 302
    )  # applied, in the foreground
    status = {**imports.running_status("Writing", 2, 2), "host": "another-host"}
    imports.write_status(_store(admin_client), digest, status)  # as if killed before "done"
    later = time.time() + imports.STALE_SECONDS + 1
    answer = imports.status_now(_store(admin_client), digest, now=later)
    assert answer["state"] == "done" and answer["counts"]["edited_actions"] == 2


def test_a_second_apply_says_already_applied_and_writes_nothing_more(admin_client):
    digest = _checked(admin_client)
    before = _edits()
    assert _apply(admin_client, digest, changes="0").status_code == 302
    assert _edits() == before + 2
    response = _apply(admin_client, digest, changes="0")
    assert response.status_code == 302
    page = admin_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "plan.csv was already applied: nothing was written again" in page
    assert "failed" not in page.lower() and "Upload the file again" not in page
    assert _edits() == before + 2


def test_a_second_apply_while_the_first_runs_in_the_background_does_not_start_another(
    admin_client,
):
    from tracker.web.admin import imports as page

    app = admin_client.application
    app.config["IMPORT_BACKGROUND_CHANGES"] = 1
    try:
        digest = _checked(admin_client)
        before = _edits()
        first = _apply(admin_client, digest)
        thread = page.RUNNING[digest]
        second = _apply(admin_client, digest)
        assert second.status_code == 302
        assert second.headers["Location"].endswith(f"/admin/import/progress/{digest}")
        thread.join(timeout=60)
        assert page.RUNNING[digest] is thread  # no second import was started
        assert first.status_code == 302
        status = admin_client.get(f"/admin/import/progress/{digest}.json").get_json()
        assert status["state"] == "done" and status["counts"]["edited_actions"] == 2
        third = _apply(admin_client, digest)
        landing = admin_client.get(third.headers["Location"]).get_data(as_text=True)
        assert "was already applied" in landing
        db.session.expire_all()
        assert _edits() == before + 2
        kinds = db.session.execute(
            select(AuditEvent.detail).where(AuditEvent.kind == "import")
        ).scalars()
        assert sum(1 for d in kinds if d.get("applied")) == 1
    finally:
        app.config["IMPORT_BACKGROUND_CHANGES"] = 300
