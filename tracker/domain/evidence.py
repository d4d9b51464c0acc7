"""Rules for evidence: which files are taken (judged by their content, not their name), which
links, and what an item must say."""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from urllib.parse import urlsplit

import filetype

TITLE_LIMIT = 200
REASON_LIMIT = 1000
URL_LIMIT = 2000


class EvidenceType(StrEnum):
    AUDIT = "audit"
    MINUTES = "minutes"
    POLICY = "policy"
    DATA = "data"
    TRAINING_RECORD = "training_record"
    OTHER = "other"

    @property
    def label(self) -> str:
        return EVIDENCE_TYPE_LABELS[self]


EVIDENCE_TYPE_LABELS = {
    EvidenceType.AUDIT: "Audit",
    EvidenceType.MINUTES: "Minutes",
    EvidenceType.POLICY: "Policy",
    EvidenceType.DATA: "Data",
    EvidenceType.TRAINING_RECORD: "Training record",
    EvidenceType.OTHER: "Other",
}


@dataclass(frozen=True)
class FileKind:
    name: str  # what a person calls it: "PDF", "Word document"
    extensions: tuple[str, ...]
    content_type: str


# What each allowed file is, keyed by what its content says it is.
ALLOWED: dict[str, FileKind] = {
    "pdf": FileKind("PDF", ("pdf",), "application/pdf"),
    "doc": FileKind("Word document", ("doc",), "application/msword"),
    "docx": FileKind(
        "Word document",
        ("docx",),
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    "xls": FileKind("Excel workbook", ("xls",), "application/vnd.ms-excel"),
    "xlsx": FileKind(
        "Excel workbook",
        ("xlsx",),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
    "png": FileKind("PNG image", ("png",), "image/png"),
    "jpg": FileKind("JPEG image", ("jpg", "jpeg"), "image/jpeg"),
    "gif": FileKind("GIF image", ("gif",), "image/gif"),
}
ALLOWED_EXTENSIONS = tuple(ext for kind in ALLOWED.values() for ext in kind.extensions)
ALLOWED_IN_WORDS = "PDF, Word (.doc, .docx), Excel (.xls, .xlsx) or an image (.png, .jpg, .gif)"

# Programs and scripts, refused whatever they are called: Windows (MZ), Linux (ELF), macOS
# (Mach-O and universal binaries), and scripts that start with "#!".
_PROGRAM_MAGIC = (
    b"MZ",
    b"\x7fELF",
    b"\xfe\xed\xfa\xce",
    b"\xfe\xed\xfa\xcf",
    b"\xce\xfa\xed\xfe",
    b"\xcf\xfa\xed\xfe",
    b"\xca\xfe\xba\xbe",
    b"#!",
)
# Enough of a file for every signature the checks read.
SNIFF_BYTES = 8192


class FileRefused(ValueError):
    """The file is not taken; the message says why, in words for the person who sent it."""


def extension_of(filename: str) -> str:
    name = filename.rsplit("/", 1)[-1].rsplit("\\", 1)[-1]
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def is_program(data: bytes) -> bool:
    return data.startswith(_PROGRAM_MAGIC)


def _zipped_office_kind(data: bytes) -> str | None:
    """A Word or Excel file of 2007 or later is a zip with a fixed structure: read it."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, ValueError, OSError):
        return None
    if "[Content_Types].xml" not in names:
        return None
    if "word/document.xml" in names:
        return "docx"
    if "xl/workbook.xml" in names:
        return "xlsx"
    return None


def content_kind(data: bytes) -> str | None:
    """What the bytes are (a key of ALLOWED), or None when they are none of the allowed kinds."""
    if data.startswith(b"PK\x03\x04"):
        return _zipped_office_kind(data)
    guessed = filetype.guess(data[:SNIFF_BYTES])
    if guessed is None:
        return None
    return guessed.extension if guessed.extension in ALLOWED else None


def check_file(filename: str, data: bytes, *, max_bytes: int) -> FileKind:
    """A file is taken when it is not empty, not too big, not a program, is one of the allowed
    kinds by its content, and its name's extension agrees with that content."""
    if not data:
        raise FileRefused("The selected file is empty")
    if len(data) > max_bytes:
        raise FileRefused(f"The selected file must be smaller than {megabytes(max_bytes)}")
    if is_program(data):
        raise FileRefused(
            "The selected file is a program, not a document: it cannot be added as evidence"
        )
    extension = extension_of(filename)
    if extension not in ALLOWED_EXTENSIONS:
        raise FileRefused(f"The selected file must be a {ALLOWED_IN_WORDS}")
    kind_key = content_kind(data)
    if kind_key is None:
        raise FileRefused(
            f"The selected file is not a {ALLOWED_IN_WORDS}: its content is none of these"
        )
    kind = ALLOWED[kind_key]
    if extension not in kind.extensions:
        raise FileRefused(
            f"The selected file is called .{extension} but its content is a {kind.name} "
            f"(.{kind.extensions[0]}): rename it or choose the right file"
        )
    return kind


def megabytes(size: int) -> str:
    mb = size / (1024 * 1024)
    return f"{mb:g} MB" if mb >= 1 else f"{size // 1024 or 1} KB"


def check_link(url: str) -> str:
    """A link must be an https address with a host: the message, or empty when it is fine."""
    url = url.strip()
    if not url:
        return "Enter the link to the evidence"
    if len(url) > URL_LIMIT:
        return f"The link must be {URL_LIMIT} characters or fewer"
    if any(c.isspace() for c in url):
        return "The link must not contain spaces"
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        return "Enter a link in the right format, like https://intranet.example/audit.pdf"
    if parts.scheme.lower() != "https":
        return "The link must start with https://"
    if not host:
        return "Enter a link in the right format, like https://intranet.example/audit.pdf"
    return ""


def check_details(title: str, evidence_type: str, evidence_date: date | None, today: date):
    """What every item must say: field -> message (empty when it says it all)."""
    errors: dict[str, str] = {}
    title = title.strip()
    if not title:
        errors["title"] = "Enter a title for the evidence"
    elif len(title) > TITLE_LIMIT:
        errors["title"] = f"The title must be {TITLE_LIMIT} characters or fewer"
    if evidence_type not in {t.value for t in EvidenceType}:
        errors["evidence_type"] = "Choose the type of evidence"
    if evidence_date is None:
        errors["evidence_date"] = "Enter the date of the evidence"
    elif evidence_date > today:
        errors["evidence_date"] = "The date of the evidence must be today or in the past"
    return errors


def check_withdrawal(reason: str) -> dict[str, str]:
    reason = reason.strip()
    if not reason:
        return {"reason": "Give a reason for withdrawing the evidence"}
    if len(reason) > REASON_LIMIT:
        return {"reason": f"The reason must be {REASON_LIMIT} characters or fewer"}
    return {}
