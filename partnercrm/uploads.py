"""Uploaded documents (PDF): checked by content, limited in size, stored under a server-made
name, served only as an attachment (DESIGN §5). The content check parses the file
(:mod:`partnercrm.pdfs`): a file that does not parse, or that carries scripts, automatic
actions or embedded files, is refused.

The checks and names (``check_pdf``, ``new_stored_name``, ``is_stored_name``,
``download_filename``) are pure; saving and sending need the app for the upload folder. A stored
file follows the database transaction that refers to it: :func:`discard_on_rollback` removes a
new one if the transaction is rolled back, :func:`discard_on_commit` the one it replaced once the
transaction has committed.

Files live in ``<UPLOAD_FOLDER>/<area>/<32 hex digits>.pdf``; ``UPLOAD_FOLDER`` defaults to
``instance/uploads``. The client's file name never reaches the file system: the database keeps
the server-made name, and a download is named from the record it belongs to.
"""

from __future__ import annotations

import os
import re
import secrets
import tempfile
import unicodedata
from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa

from partnercrm.errors import N_, UserError
from partnercrm.extensions import db

MAX_PDF_BYTES = 10 * 1024 * 1024
PDF_HEADER = b"%PDF-"
PDF_EOF = b"%%EOF"
# Readers look for the end-of-file marker in the last kilobyte (ISO 32000, 7.5.5).
EOF_WINDOW = 1024

_STORED_NAME = re.compile(r"[0-9a-f]{32}\.pdf")
_AREA = re.compile(r"[a-z][a-z0-9_]{0,39}")

NOT_A_PDF = N_("The file is not a PDF document. Upload a PDF (a scan or an export to PDF).")
EMPTY_FILE = N_("The file is empty.")
TOO_LARGE = N_("The file is too large: the limit is 10 MB.")
NO_FILE = N_("Choose a file to upload.")
# By the value of a pdfs.Problem: pdfs, with pypdf (a tenth of a second), is imported by the
# check itself, not by every command and worker start.
PDF_PROBLEMS = {
    "damaged": N_("The PDF file is damaged and cannot be read. Save or scan the document again."),
    "too complex": N_(
        "The PDF file has too many parts to be checked (over %(objects)d objects). Save it "
        "again smaller, e.g. print it to PDF or split it."
    ),
    "protected": N_(
        "The PDF file is protected by a password. Save the document again without one."
    ),
    "active": N_(
        "The PDF file contains scripts or actions that run by themselves (JavaScript, actions "
        "on opening, launching programs). Save the document again without them, e.g. print it "
        "to PDF."
    ),
    "embedded": N_(
        "The PDF file contains embedded files. Upload the document without attachments."
    ),
}


class UploadError(UserError):
    """A refused upload; the message is an English msgid the view translates."""


class FileTooLarge(UploadError):
    """Above the size limit: the view may answer 413, as for a request above the limit."""


# --- pure checks ---


def check_pdf(data: bytes, max_bytes: int = MAX_PDF_BYTES, field: str | None = None) -> None:
    """Accept ``data`` only if it is a PDF by content and within ``max_bytes``; a refusal names
    the form ``field`` of the file.

    A PDF starts with ``%PDF-``, has ``%%EOF`` in its last kilobyte and parses, with nothing
    that acts by itself or hides another file (:func:`partnercrm.pdfs.problem_of`); the name
    and the Content-Type the browser sent prove nothing and are not looked at.
    """
    if not data:
        raise UploadError(EMPTY_FILE, field)
    if len(data) > max_bytes:
        raise FileTooLarge(TOO_LARGE, field)
    if not data.startswith(PDF_HEADER) or PDF_EOF not in data[-EOF_WINDOW:]:
        raise UploadError(NOT_A_PDF, field)
    from partnercrm import pdfs

    problem = pdfs.problem_of(data)
    if problem is not None:
        params = {"objects": pdfs.MAX_OBJECTS} if problem is pdfs.Problem.TOO_COMPLEX else {}
        raise UploadError(PDF_PROBLEMS[problem.value], field, **params)


def new_stored_name() -> str:
    """A random file name made by the server: 128 bits, hex, ``.pdf``."""
    return secrets.token_hex(16) + ".pdf"


def is_stored_name(name: str | None) -> bool:
    return bool(name and _STORED_NAME.fullmatch(name))


def download_filename(text: str, default: str = "document") -> str:
    """A file name for Content-Disposition made from ``text`` (e.g. a municipality and a year):
    letters and digits of any script, spaces, dots, hyphens and underscores only, at most 100
    characters, ending in ``.pdf``."""
    text = unicodedata.normalize("NFC", text or "")
    cleaned = re.sub(r"[^\w .\-]+", "_", text)
    cleaned = re.sub(r"_+", "_", re.sub(r" +", " ", cleaned))
    cleaned = cleaned.strip(" ._-")[:96].rstrip(" ._-")
    if cleaned.lower().endswith(".pdf"):
        cleaned = cleaned[:-4].rstrip(" ._-")
    return (cleaned or default) + ".pdf"


def _check_area(area: str) -> str:
    if not _AREA.fullmatch(area):
        raise ValueError(f"bad upload area {area!r}")
    return area


# --- storage (needs the app) ---


def upload_root() -> Path:
    from flask import current_app

    folder = current_app.config.get("UPLOAD_FOLDER")
    return Path(folder) if folder else Path(current_app.instance_path) / "uploads"


def stored_path(area: str, name: str) -> Path | None:
    """The file of a stored name, or None if the name is not one the server makes."""
    if not is_stored_name(name):
        return None
    return upload_root() / _check_area(area) / name


def size_limit() -> int:
    """The smaller of 10 MB and the request limit the app is configured with."""
    from flask import current_app

    configured = current_app.config.get("MAX_CONTENT_LENGTH")
    return min(MAX_PDF_BYTES, configured) if configured else MAX_PDF_BYTES


def read_upload(file, max_bytes: int, field: str | None = None) -> bytes:
    """The bytes of an uploaded ``FileStorage``, reading at most one byte past the limit."""
    if file is None or not getattr(file, "filename", None):
        raise UploadError(NO_FILE, field)
    data = file.stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise FileTooLarge(TOO_LARGE, field)
    return data


def save_pdf(file, area: str, field: str | None = None) -> str:
    """Check an uploaded file and store it; returns the stored name (to keep in the database).

    Raises :class:`UploadError` (on the form ``field`` of the file) and stores nothing when the
    file is refused. The caller removes the file with :func:`discard` if its transaction fails,
    or has :func:`discard_on_rollback` do it.
    """
    limit = size_limit()
    data = read_upload(file, limit, field)
    check_pdf(data, limit, field)
    return store_bytes(data, area)


def store_bytes(data: bytes, area: str) -> str:
    folder = upload_root() / _check_area(area)
    folder.mkdir(parents=True, exist_ok=True)
    name = new_stored_name()
    # Write to a temporary file and rename, so a reader never sees half a document.
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=".upload-")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.chmod(temporary, 0o640)
        os.replace(temporary, folder / name)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return name


def discard(area: str, name: str | None) -> None:
    """Remove a stored file; a name that is not a stored one, or is gone, is ignored."""
    path = stored_path(area, name) if name else None
    if path is not None:
        path.unlink(missing_ok=True)


def send_pdf(area: str, name: str | None, download_name: str):
    """Serve a stored PDF as an attachment; 404 if there is no such file."""
    from flask import abort, send_file

    path = stored_path(area, name) if name else None
    if path is None or not path.is_file():
        abort(404)
    response = send_file(
        path,
        mimetype="application/pdf",
        as_attachment=True,
        download_name=download_filename(download_name),
        conditional=False,
        etag=False,
        max_age=0,
    )
    # Documents behind a login stay out of shared caches.
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def discard_on_rollback(area: str, name: str | None) -> None:
    """Remove the stored file ``name`` if the database transaction now running is rolled back
    (a refusal, an error, a failed commit); keep it once the transaction has committed."""
    if name is not None:
        _on_outcome(committed=lambda: None, rolled_back=lambda: discard(area, name))


def discard_on_commit(area: str, name: str | None) -> None:
    """Remove the stored file ``name``, no longer referred to, once the database transaction
    now running has committed; keep it if the transaction is rolled back."""
    if name is not None:
        _on_outcome(committed=lambda: discard(area, name), rolled_back=lambda: None)


def _on_outcome(committed: Callable[[], None], rolled_back: Callable[[], None]) -> None:
    """Call one of the two when the session's transaction ends, whichever way it ends. (The
    listeners stay on the session, which ends with its request, and do nothing after that.)"""
    session = db.session()
    pending = [True]

    def on_commit(session) -> None:
        if pending:
            pending.clear()
            committed()

    def on_rollback(session, previous_transaction) -> None:
        if pending and not previous_transaction.nested:  # a savepoint: the transaction goes on
            pending.clear()
            rolled_back()

    sa.event.listen(session, "after_commit", on_commit)
    sa.event.listen(session, "after_soft_rollback", on_rollback)
