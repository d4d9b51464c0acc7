"""The admin's import page: upload a plan file, read the dry run's report, then apply it.

The uploaded file is kept in the instance folder under its SHA-256 so that "Apply" re-checks
exactly the file the admin read the report for, and applies it all or not at all."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from pathlib import Path

from flask import (
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from govuk_frontend_wtf.wtforms_widgets import GovFileInput, GovSubmitInput
from werkzeug.exceptions import RequestEntityTooLarge
from wtforms import HiddenField, SubmitField

from tracker.clock import now_utc
from tracker.domain.permissions import Permission
from tracker.http.access import actor_for
from tracker.http.edge import takes_files
from tracker.services.exchange import imports
from tracker.web import listing
from tracker.web.access import requires
from tracker.web.admin.views import bp
from tracker.web.auth.recent import recent_sign_in
from tracker.web.form_helpers import form_errors
from tracker.web.search.views import _pagination as search_pagination

_DIGEST = re.compile(r"[0-9a-f]{64}")


class UploadForm(FlaskForm):
    file = FileField("Upload a file", widget=GovFileInput())
    submit = SubmitField("Check the file", widget=GovSubmitInput())


class ApplyForm(FlaskForm):
    digest = HiddenField()
    changes = HiddenField()  # how many: a long import runs in the background, with progress
    submit = SubmitField("Apply these changes", widget=GovSubmitInput())


def _store() -> Path:
    return Path(current_app.instance_path) / "imports"


PROBLEMS_PER_PAGE = 100


def _page(form: UploadForm, result=None, status: int = 200, errors=None, page: int = 1):
    apply = ApplyForm(formdata=None)
    problems, pagination = [], None
    if result is not None:
        apply.digest.data = result.digest
        apply.changes.data = str(result.plan.changes)
        pages = listing.Pages(page=1, total=len(result.problems), per_page=PROBLEMS_PER_PAGE)
        pages.page = min(max(page, 1), pages.count)
        start = (pages.page - 1) * PROBLEMS_PER_PAGE
        problems = result.problems[start : start + PROBLEMS_PER_PAGE]
        pagination = search_pagination(
            pages, lambda n: url_for("admin.import_problems", digest=result.digest, page=n)
        )
        if pagination:
            pagination["landmarkLabel"] = "Pages of the problems"
    return render_template(
        "admin/import.html",
        form=form,
        apply=apply,
        result=result,
        problems=problems,
        pagination=pagination,
        errors=errors if errors is not None else form_errors(form),
        max_mb=current_app.config["IMPORT_MAX_BYTES"] // (1024 * 1024),
    ), status


def _upload_limit() -> int:
    return current_app.config["IMPORT_MAX_BYTES"] + 64 * 1024  # the form's fields and boundaries


def _too_big(limit: int) -> list[str]:
    return [
        f"The file is bigger than {limit // (1024 * 1024)} MB: split it, or import the plans "
        "one at a time"
    ]


def _allow_plan_files():
    """Before anything reads the form (CSRF does, first): the import page takes files up to
    IMPORT_MAX_BYTES instead of MAX_CONTENT_LENGTH, and a bigger one is refused unread."""
    if request.endpoint not in UPLOADS:
        return None
    request.max_content_length = _upload_limit()
    if (request.content_length or 0) > _upload_limit():
        if request.endpoint != "admin.import_check":
            abort(413, description=_too_big(current_app.config["IMPORT_MAX_BYTES"])[0])
        form = UploadForm(formdata=None)
        form.file.errors = _too_big(current_app.config["IMPORT_MAX_BYTES"])
        return _page(form, status=413)
    return None


# The pages that take a plan-sized file (the mapped import's upload too).
UPLOADS = {"admin.import_check", "admin.mapped_import_upload"}


@bp.record_once
def _first_before_every_request(state) -> None:
    state.app.before_request_funcs.setdefault(None, []).insert(0, _allow_plan_files)


@bp.get("/import")
@requires(Permission.ADMIN)
def import_page():
    return _page(UploadForm(formdata=None))


@bp.post("/import")
@takes_files
@requires(Permission.ADMIN)
@recent_sign_in
def import_check():
    """The dry run: every problem by sheet, row and column, and what would change."""
    limit = current_app.config["IMPORT_MAX_BYTES"]
    form = UploadForm(formdata=None)
    try:
        form = UploadForm()
        upload = request.files.get("file")
    except RequestEntityTooLarge:
        form.file.errors = _too_big(limit)
        return _page(form, status=413)
    if not form.validate_on_submit():
        return _page(form, status=400)
    if upload is None or not upload.filename:
        form.file.errors = ["Choose a CSV or Excel (.xlsx) file to import"]
        return _page(form, status=400)
    try:
        data = upload.read(limit + 1)
    finally:
        upload.close()  # a big upload is spooled to a temporary file
    filename = Path(upload.filename).name[:200]
    result = imports.run_import(
        filename,
        data,
        dry_run=True,
        actor=actor_for(current_user),
        now=now_utc(),
        max_bytes=limit,
        remote_addr=request.remote_addr or "",
        limits=imports.limits_from(current_app.config),
    )
    if result.refused:
        form.file.errors = [result.refused]
        return _page(form, result=None, status=400)
    if result.ok and result.plan.changes:
        imports.keep(_store(), result.digest, filename, data)
    if result.problems:
        imports.keep_problems(_store(), result.digest, filename, result.problems)
    return _page(UploadForm(formdata=None), result=result, status=200 if result.ok else 400)


@bp.get("/import/problems/<digest>")
@requires(Permission.ADMIN)
def import_problems(digest: str):
    """A dry run's problems, a page at a time (a file may have thousands)."""
    result = imports.kept_problems(_store(), digest) if _DIGEST.fullmatch(digest) else None
    if result is None:
        abort(404)
    page = request.args.get("page", "1")
    page = int(page) if page.isdecimal() and len(page) < 7 else 1
    return _page(UploadForm(formdata=None), result=result, status=200, page=page)


@bp.post("/import/apply")
@requires(Permission.ADMIN)
@recent_sign_in
def import_apply():
    """Check the kept file again and apply it: all of it, or nothing."""
    form = ApplyForm()
    digest = form.digest.data or ""
    valid = form.validate_on_submit() and _DIGEST.fullmatch(digest) is not None
    status = imports.status_now(_store(), digest) if valid else None
    if status is not None and status["state"] == "running":
        return redirect(url_for("admin.import_progress", digest=digest))  # not a second time
    kept = imports.kept(_store(), digest) if valid else None
    if valid and kept is None:
        applied = imports.applied_import(digest)
        if applied is not None:  # a second "Apply" of a file already applied
            flash(
                f"{applied.get('file', 'The file')} was already applied: nothing was written "
                "again. Each change is in the action's history.",
                "success",
            )
            return redirect(url_for("admin.import_page"))
    if not valid or kept is None:
        upload = UploadForm(formdata=None)
        upload.file.errors = ["Upload the file again: it is no longer held for applying"]
        return _page(upload, status=400)
    filename, data = kept
    changes = form.changes.data or "0"
    if changes.isdigit() and int(changes) >= current_app.config["IMPORT_BACKGROUND_CHANGES"]:
        _start_in_background(digest, filename, data)
        return redirect(url_for("admin.import_progress", digest=digest))
    result = imports.run_import(
        filename,
        data,
        dry_run=False,
        actor=actor_for(current_user),
        now=now_utc(),
        max_bytes=current_app.config["IMPORT_MAX_BYTES"],
        remote_addr=request.remote_addr or "",
        limits=imports.limits_from(current_app.config),
    )
    if not result.ok:
        return _page(UploadForm(formdata=None), result=result, status=409)
    imports.forget(_store(), digest)
    _flash_done(filename, result.plan.summary())
    return redirect(url_for("admin.import_page"))


def _flash_done(filename: str, counts: dict) -> None:
    recs = ""
    if counts.get("new_recommendations") or counts.get("edited_recommendations"):
        recs = (
            f"{counts.get('new_recommendations', 0)} recommendations added, "
            f"{counts.get('edited_recommendations', 0)} changed; "
        )
    flash(
        f"Imported {filename}: {recs}{counts['new_actions']} actions added, "
        f"{counts['edited_actions']} edited, {counts['dependency_changes']} with changed "
        "dependencies. Each change is in the action's history.",
        "success",
    )


# Imports running in this process, by file digest (tests wait for them).
RUNNING: dict[str, threading.Thread] = {}


def _start_in_background(
    digest: str,
    filename: str,
    data: bytes,
    run: Callable[[Callable[[str, int, int], None]], imports.ImportResult] | None = None,
) -> None:
    """Apply a long import in a thread of its own (its own session and transaction), writing
    its progress beside the kept file for the progress page to read. `run` applies it, told
    the progress (a mapped sheet's own apply); by default the file is applied as it is."""
    app = current_app._get_current_object()
    store = _store()
    actor = actor_for(current_user)
    remote_addr = request.remote_addr or ""
    limit = app.config["IMPORT_MAX_BYTES"]
    imports.write_status(
        store, digest, {**imports.running_status("Starting", 0, 1), "filename": filename}
    )

    def progress(stage: str, done: int, total: int) -> None:
        imports.write_status(
            store, digest, {**imports.running_status(stage, done, total), "filename": filename}
        )

    def work() -> None:
        with app.app_context():
            try:
                if run is not None:
                    result = run(progress)
                else:
                    result = imports.run_import(
                        filename,
                        data,
                        dry_run=False,
                        actor=actor,
                        now=now_utc(),
                        max_bytes=limit,
                        remote_addr=remote_addr,
                        progress=progress,
                        limits=imports.limits_from(app.config),
                    )
                if result.applied:
                    imports.forget(store, digest)
                imports.write_status(store, digest, imports.finished_status(result))
            except Exception:
                app.logger.exception("The import of %s stopped", filename)
                imports.end_session(failed=True)
                imports.write_status(
                    store,
                    digest,
                    {
                        "state": "failed",
                        "filename": filename,
                        "problems": [["", 0, "", "The import stopped: nothing was written."]],
                    },
                )
            finally:
                imports.end_session(failed=False)

    thread = threading.Thread(target=work, name=f"import-{digest[:8]}", daemon=True)
    RUNNING[digest] = thread
    thread.start()


def _status_or_404(digest: str) -> dict:
    status = imports.status_now(_store(), digest) if _DIGEST.fullmatch(digest) else None
    if status is None:
        abort(404)
    return status


@bp.get("/import/progress/<digest>")
@requires(Permission.ADMIN)
def import_progress(digest: str):
    """A long import: a progress bar while it runs, then what it did (or why it did nothing)."""
    status = _status_or_404(digest)
    if status["state"] == "done":
        _flash_done(status["filename"], status["counts"])
        return redirect(url_for("admin.import_page"))
    return render_template("admin/import_progress.html", status=status, digest=digest)


@bp.get("/import/progress/<digest>.json")
@requires(Permission.ADMIN)
def import_progress_json(digest: str):
    return jsonify(_status_or_404(digest))


@bp.get("/import/template.csv")
@requires(Permission.ADMIN)
def import_template():
    return Response(
        imports.template_csv(),
        mimetype="text/csv",
        headers={
            "Content-Disposition": 'attachment; filename="action-plan-import-template.csv"',
            "Cache-Control": "no-store",
        },
    )
