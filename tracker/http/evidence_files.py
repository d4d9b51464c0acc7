"""What the evidence pages and the API share: where files are kept, how big an upload may be,
and how a stored file is sent (always as an attachment, never from a guessable path)."""

from __future__ import annotations

from pathlib import Path

from flask import Response, current_app, request, send_file
from flask_login import current_user

from tracker.clock import now_utc
from tracker.domain.evidence import megabytes
from tracker.http.access import actor_for
from tracker.services.plan import evidence as evidence_service
from tracker.services.platform.audit import record_event

# Room for the form's other fields and the multipart boundaries around the file.
FORM_OVERHEAD = 64 * 1024


def store() -> Path:
    configured = current_app.config.get("EVIDENCE_DIR")
    return Path(configured) if configured else Path(current_app.instance_path) / "evidence"


def max_bytes() -> int:
    return current_app.config["EVIDENCE_MAX_BYTES"]


def evidence_store() -> evidence_service.EvidenceStore:
    """Where files go and what they must pass, for forms that take evidence beside an update."""
    return evidence_service.EvidenceStore(
        path=store(), max_bytes=max_bytes(), clamd_socket=current_app.config.get("CLAMD_SOCKET")
    )


def too_big_message() -> str:
    return f"The selected file must be smaller than {megabytes(max_bytes())}"


def allow_evidence_upload() -> bool:
    """Before anything reads the body: an evidence upload may be EVIDENCE_MAX_BYTES (not
    MAX_CONTENT_LENGTH). False when the body is bigger still: it is then refused unread."""
    limit = max_bytes() + FORM_OVERHEAD
    request.max_content_length = limit
    return (request.content_length or 0) <= limit


def record_too_big(target: str) -> None:
    """The audit event for a body refused unread (nothing else is written)."""
    record_event(
        "evidence_refused",
        now=now_utc(),
        user_id=current_user.id if current_user.is_authenticated else None,
        target=target,
        detail={"errors": {"file": too_big_message()}, "size_bytes": request.content_length},
        remote_addr=request.remote_addr or "",
    )


def read_upload(upload) -> bytes:
    """The file's bytes, up to one more than the limit (enough to know it is too big)."""
    try:
        return upload.read(max_bytes() + 1)
    finally:
        upload.close()  # a big upload is spooled to a temporary file


def send_evidence(evidence_id: int) -> Response:
    """The stored file, for someone who may see what it is about (else NotFound, recorded)."""
    download = evidence_service.open_file(
        evidence_id,
        actor=actor_for(current_user),
        now=now_utc(),
        store=store(),
        remote_addr=request.remote_addr or "",
    )
    response = send_file(
        download.path,
        mimetype=download.content_type,
        as_attachment=True,
        download_name=download.filename,
        etag=download.sha256,
        conditional=False,
        max_age=0,
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response
