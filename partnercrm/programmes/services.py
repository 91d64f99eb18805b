"""Publishing a programme from the browser (docs/programmes.md): the same reading and import as
``partnercrm programme import`` (``indicators.programme_import``), in two steps.

1. The upload: the file is read and checked, and :func:`~partnercrm.indicators.programme_import.
   preview` says what it would change; nothing is written. The file's bytes go back to the
   browser inside a **sealed token** (:func:`seal`): signed with the app's secret key, bound to
   the uploading administrator, valid for an hour, with a digest of the programme as it was
   when previewed. Nothing is kept on the server between the two steps, so there is nothing to
   clean up.
2. Publishing posts the token back: :func:`publish` imports exactly the sealed bytes, into the
   programme as previewed — the import is deterministic, so it changes exactly what the preview
   showed — and refuses if someone published or edited the programme in between.

Files are limited to 1 MB (the roadmap's JSON is about 60 KB), so that a token fits a form.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from partnercrm.audit.models import AuditAction
from partnercrm.audit.services import record
from partnercrm.database import savepoint
from partnercrm.errors import N_, UserError
from partnercrm.extensions import db
from partnercrm.indicators.programme_import import Changes, import_programme, read_file
from partnercrm.indicators.programmes import programme_document
from partnercrm.roadmap.models import Programme
from partnercrm.roadmap.queries import choose_programme, programme_by_code
from partnercrm.uploads import FileTooLarge, read_upload

MAX_FILE_BYTES = 1024 * 1024
TOKEN_MAX_AGE = 3600  # seconds from the preview to publishing
SALT = "partnercrm.programme-upload"

EMPTY_FILE = N_("The file is empty.")
TOO_LARGE = N_("The file is too large: a programme file may be at most 1 MB.")
EXPIRED = N_("The preview is more than an hour old. Upload the file again.")
BAD_TOKEN = N_("The preview cannot be read. Upload the file again.")
CHANGED = N_(
    "The programme has changed since the preview (someone published or edited it). Upload the "
    "file again to see what it would change now."
)


class UploadRefused(UserError):
    """A programme file or preview that cannot be used; nothing was written."""


def read_programme_upload(file) -> bytes:
    """The bytes of an uploaded programme file, at most :data:`MAX_FILE_BYTES`."""
    try:
        content = read_upload(file, MAX_FILE_BYTES, "file")
    except FileTooLarge as error:
        raise UploadRefused(TOO_LARGE, "file") from error
    if not content:
        raise UploadRefused(EMPTY_FILE, "file")
    return content


@dataclass(frozen=True)
class Sealed:
    """What a preview's token holds."""

    user_id: int
    content: bytes
    state: str  # programme_state() when previewed


def _serializer() -> URLSafeTimedSerializer:
    secret_key = current_app.secret_key
    assert secret_key, "create_app refuses to start without a secret key"
    return URLSafeTimedSerializer(secret_key, salt=SALT)


def programme_state(code: str) -> str:
    """A digest of the programme ``code`` as an import finds it (nothing: not yet added)."""
    programme = programme_by_code(db.session, code)
    document = programme_document(db.session, programme) if programme is not None else None
    return hashlib.sha256(json.dumps(document, sort_keys=True).encode()).hexdigest()


def seal(user_id: int, content: bytes, state: str) -> str:
    return _serializer().dumps(
        {"user": user_id, "file": base64.b64encode(content).decode("ascii"), "state": state}
    )


def unseal(token: str) -> Sealed:
    """The token's contents, or :class:`UploadRefused` if it is forged, damaged or too old."""
    try:
        data = _serializer().loads(token, max_age=TOKEN_MAX_AGE)
        return Sealed(data["user"], base64.b64decode(data["file"]), data["state"])
    except SignatureExpired as error:
        raise UploadRefused(EXPIRED) from error
    except (BadSignature, KeyError, TypeError, ValueError) as error:
        raise UploadRefused(BAD_TOKEN) from error


def publish(sealed: Sealed) -> Changes:
    """Import the sealed file, all or nothing, with an audit entry naming the file; refused
    (:class:`~partnercrm.indicators.programmes.ProgrammeError`, :class:`UploadRefused`) with
    nothing written if the programme is no longer as previewed."""
    document = read_file(sealed.content)
    if programme_state(document["code"]) != sealed.state:
        raise UploadRefused(CHANGED)
    # A savepoint: a refusal after the first rows were written takes them back.
    with savepoint(db.session):
        changes = import_programme(document)
        programme_id = db.session.scalar(
            sa.select(Programme.id).where(Programme.code == changes.code)
        )
        record(
            AuditAction.CREATE if changes.programme == "added" else AuditAction.UPDATE,
            "programme",
            programme_id,
            {
                "published": changes.summary(),
                "sha256": hashlib.sha256(sealed.content).hexdigest(),
            },
        )
    return changes


def counted_years(programmes: Sequence[Programme], today: date) -> dict[int, list[int]]:
    """The calendar years reports count by each programme (by its id): the programme
    :func:`~partnercrm.roadmap.queries.choose_programme` gives for a year's last day, from the
    first programme's first year to the last one's (or this year)."""
    years: dict[int, list[int]] = {programme.id: [] for programme in programmes}
    if not programmes:
        return years
    first = min(programme.valid_from.year for programme in programmes)
    last = max(today.year, *(programme.valid_to.year for programme in programmes))
    for year in range(first, last + 1):
        chosen = choose_programme(programmes, date(year, 12, 31))
        if chosen is not None:
            years[chosen.id].append(year)
    return years


def year_ranges(years: list[int]) -> str:
    """``[2020, 2021, 2022, 2024]`` → ``2020–2022, 2024``."""
    ranges: list[list[int]] = []
    for year in years:
        if ranges and ranges[-1][1] == year - 1:
            ranges[-1][1] = year
        else:
            ranges.append([year, year])
    return ", ".join(f"{a}–{b}" if a != b else str(a) for a, b in ranges)
