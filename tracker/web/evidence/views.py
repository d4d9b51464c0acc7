"""Evidence pages: add a file or a link to an action or a locality SEF, withdraw an item, and
download a file (only for people who may see what it is about)."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from tracker.clock import now_utc, today_london
from tracker.domain import evidence as rules
from tracker.domain import sef as sef_rules
from tracker.domain.evidence import ALLOWED_EXTENSIONS, megabytes
from tracker.domain.permissions import Permission
from tracker.http import evidence_files
from tracker.http.edge import takes_files
from tracker.services.access import settings as setup_settings
from tracker.services.errors import NotFound
from tracker.services.plan import evidence as evidence_service
from tracker.web.access import actor_for, refuse, requires
from tracker.web.evidence.forms import EvidenceForm, WithdrawForm
from tracker.web.form_helpers import form_errors

bp = Blueprint("evidence", __name__)

UPLOADS = frozenset({"evidence.add_to_action", "evidence.add_to_sef"})


@bp.record_once
def _first_before_every_request(state) -> None:
    # Before CSRF reads the form: evidence may be bigger than MAX_CONTENT_LENGTH.
    state.app.before_request_funcs.setdefault(None, []).insert(0, _allow_evidence_files)


def _allow_evidence_files():
    if request.endpoint not in UPLOADS or request.method != "POST":
        return None
    if evidence_files.allow_evidence_upload():
        return None
    if not current_user.is_authenticated:
        abort(413)
    subject = _subject_from(request.endpoint, request.view_args or {})
    _check_may_add(subject)
    evidence_files.record_too_big(subject.label)
    form = EvidenceForm(formdata=None)
    form.file.errors = [evidence_files.too_big_message()]
    return _page(form, subject, status=413)


def _subject_from(endpoint: str, args: dict) -> evidence_service.Subject:
    try:
        if endpoint == "evidence.add_to_action":
            return evidence_service.action_subject(args["ref"])
        month = args["month"]
        first = setup_settings.current().self_evaluation.first_month
        if not sef_rules.is_sef_month(month, first, today_london()):
            abort(404)
        return evidence_service.sef_subject(args["locality"], month)
    except NotFound:
        abort(404)


def _check_may_add(subject: evidence_service.Subject) -> None:
    if not evidence_service.may_add(actor_for(current_user), subject):
        refuse(Permission.UPDATE_ACTION, subject.label)


def _back(subject: evidence_service.Subject) -> str:
    if subject.action_ref:
        return url_for("plans.action", ref=subject.action_ref, _anchor="evidence")
    return url_for("sefs.edit", locality=subject.locality, month=subject.month, _anchor="evidence")


def _page(form: EvidenceForm, subject: evidence_service.Subject, status: int = 200):
    return render_template(
        "evidence/add.html",
        form=form,
        subject=subject,
        back=_back(subject),
        errors=form_errors(form),
        accept=",".join(f".{ext}" for ext in ALLOWED_EXTENSIONS),
        max_size=megabytes(evidence_files.max_bytes()),
    ), status


@bp.route("/actions/<ref>/evidence/new", methods=["GET", "POST"])
@takes_files
@requires(Permission.READ_PLAN)
def add_to_action(ref: str):
    return _add(_subject_from("evidence.add_to_action", {"ref": ref}))


@bp.route("/sefs/<locality>/<month>/evidence/new", methods=["GET", "POST"])
@takes_files
@requires(Permission.READ_PLAN)
def add_to_sef(locality: str, month: str):
    return _add(_subject_from("evidence.add_to_sef", {"locality": locality, "month": month}))


_FIELDS = {"title", "evidence_type", "evidence_date", "file", "url"}


def _add(subject: evidence_service.Subject):
    _check_may_add(subject)
    if request.method == "GET":
        return _page(EvidenceForm(formdata=None), subject)
    if set(request.files) - {"file"}:
        # Only the file field takes a file; the edge lets files through to this view.
        abort(400, description="Send the form's fields as text: only the file field takes a file.")
    form = EvidenceForm()
    status = 400
    valid = form.validate_on_submit()
    # Every problem at once: the fields' own, then a file or a link, then the details' rules.
    upload = form.file.data
    has_file = upload is not None and bool(getattr(upload, "filename", ""))
    url = form.url.data.strip() if isinstance(form.url.data, str) else ""
    if has_file and url:
        form.url.errors = ["Upload a file or give a link, not both"]
    elif not has_file and not url and not form.url.errors:
        form.file.errors = ["Choose a file to upload, or give a link"]
    details = rules.check_details(
        form.title.data if isinstance(form.title.data, str) else "",
        form.evidence_type.data or "",
        form.evidence_date.day,
        today_london(),
    )
    for name, message in details.items():
        field = getattr(form, name)
        if not field.errors:
            field.errors = [message]
    if valid and not details and not form.file.errors and not form.url.errors:
        common = {
            "title": form.title.data or "",
            "evidence_type": form.evidence_type.data or "",
            "evidence_date": form.evidence_date.day,
            "actor": actor_for(current_user),
            "now": now_utc(),
            "today": today_london(),
            "remote_addr": request.remote_addr or "",
        }
        try:
            if has_file:
                evidence_service.add_file(
                    subject,
                    filename=upload.filename,
                    data=evidence_files.read_upload(upload),
                    store=evidence_files.store(),
                    max_bytes=evidence_files.max_bytes(),
                    clamd_socket=current_app.config.get("CLAMD_SOCKET"),
                    **common,
                )
            else:
                evidence_service.add_link(subject, url=url, **common)
        except evidence_service.EvidenceRejected as exc:
            for name, message in exc.errors.items():
                getattr(form, name if name in _FIELDS else "file").errors = [message]
            status = 413 if exc.status == 413 else 400
        except evidence_service.Forbidden:
            refuse(Permission.UPDATE_ACTION, subject.label)
        else:
            flash(f"Evidence added: {common['title'].strip()}", "success")
            return redirect(_back(subject))
    return _page(form, subject, status=status)


def _item_and_subject(evidence_id: int):
    try:
        item = evidence_service.get_item(evidence_id)
        subject = evidence_service.subject_for(evidence_id)
    except NotFound:
        abort(404)
    if not evidence_service.may_see(actor_for(current_user), subject):
        abort(404)
    return item, subject


@bp.route("/evidence/<int:evidence_id>/withdraw", methods=["GET", "POST"])
@requires(Permission.READ_PLAN)
def withdraw(evidence_id: int):
    """Withdraw an item with a reason: it stays listed, marked withdrawn, with who and when."""
    item, subject = _item_and_subject(evidence_id)
    _check_may_add(subject)
    form = WithdrawForm() if request.method == "POST" else WithdrawForm(formdata=None)
    status = 200
    if item.withdrawn:
        abort(404)
    if request.method == "POST":
        status = 400
        if form.validate_on_submit():
            try:
                evidence_service.withdraw(
                    evidence_id,
                    form.reason.data or "",
                    actor=actor_for(current_user),
                    now=now_utc(),
                    remote_addr=request.remote_addr or "",
                )
            except evidence_service.EvidenceRejected as exc:
                form.reason.errors = list(exc.errors.values())
            except evidence_service.Forbidden:
                refuse(Permission.UPDATE_ACTION, subject.label)
            else:
                flash(f"Evidence withdrawn: {item.title}", "success")
                return redirect(_back(subject))
    return render_template(
        "evidence/withdraw.html",
        form=form,
        item=item,
        subject=subject,
        back=_back(subject),
        errors=form_errors(form),
    ), status


@bp.get("/evidence/<int:evidence_id>/file")
@requires(Permission.READ_PLAN)
def download(evidence_id: int):
    """The file, as an attachment, for someone who may see the action or SEF: anyone else gets
    404 (and an audit event), as if it did not exist."""
    try:
        return evidence_files.send_evidence(evidence_id)
    except NotFound:
        abort(404)
