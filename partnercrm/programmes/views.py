"""The programmes, for the ministry's administrators (docs/programmes.md): the list with
downloads, the XLSX template, the upload with its preview, publishing. A published programme
is read on the roadmap pages (``/roadmap/?programme=CODE``).

The preview is a dry run of the command line's import (``programme_import.preview``); its
problems, found by the pure readers as msgids with their places, are translated here."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, Response, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from partnercrm.access.base import permission_required, require
from partnercrm.access.programmes import can_manage_programmes, can_publish_upload
from partnercrm.activities.labels import KIND_LABELS
from partnercrm.extensions import db
from partnercrm.indicators.labels import rule_sentence
from partnercrm.indicators.programme_import import PARTS, Changes, preview, read_file
from partnercrm.indicators.programme_sheets import template as sheets_template
from partnercrm.indicators.programme_sheets import to_workbook
from partnercrm.indicators.programmes import (
    ProgrammeError,
    programme_document,
    programme_sizes,
    to_json,
)
from partnercrm.indicators.rules import parse_rule
from partnercrm.localtime import local_today
from partnercrm.programmes import services
from partnercrm.programmes.forms import PublishForm, UploadForm
from partnercrm.roadmap.models import Programme
from partnercrm.roadmap.queries import choose_programme
from partnercrm.spreadsheets import XLSX_MIME_TYPE
from partnercrm.web.hooks import add_template_hook
from partnercrm.web.unit_of_work import refusal_text

bp = Blueprint("programmes", __name__, url_prefix="/programmes")

PART_LABELS = {
    "sections": _l("Sections"),
    "items": _l("Plan items"),
    "indicators": _l("Indicators"),
}
CHANGE_LABELS = {
    "added": _l("new"),
    "updated": _l("changed"),
    "unchanged": _l("unchanged"),
    "removed": _l("removed"),
}
DOWNLOADS = {"json": "application/json", "xlsx": XLSX_MIME_TYPE}


@bp.route("/")
@permission_required(can_manage_programmes)
def index():
    return _index_page(UploadForm())


def _index_page(form: UploadForm, status: int = 200):
    programmes = db.session.scalars(
        sa.select(Programme).order_by(Programme.valid_from, Programme.id)
    ).all()
    today = local_today()
    years = services.counted_years(programmes, today)
    return render_template(
        "programmes/index.html",
        programmes=programmes,
        current=choose_programme(programmes, today),
        today=today,
        years={key: services.year_ranges(value) for key, value in years.items()},
        sizes=programme_sizes(db.session),
        form=form,
    ), status


@bp.route("/template.xlsx")
@permission_required(can_manage_programmes)
def template():
    """The empty workbook: every sheet with its header and one example row."""
    return _attachment(sheets_template(), "xlsx", "programme-template")


@bp.route("/<programme>/export.<any(json, xlsx):fmt>")
@permission_required(can_manage_programmes)
def export(programme: str, fmt: str):
    """The programme as ``partnercrm programme export`` writes it (an import reads it back)."""
    row = db.first_or_404(sa.select(Programme).where(Programme.code == programme))
    document = programme_document(db.session, row)
    return _attachment(to_json(document) if fmt == "json" else to_workbook(document), fmt, row.code)


def _attachment(content: bytes, fmt: str, name: str) -> Response:
    response = Response(content, content_type=DOWNLOADS[fmt])
    # Codes are latin letters, digits, "-", "." and "_": safe in the header as they are.
    response.headers["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response


@bp.route("/upload", methods=["POST"])
@permission_required(can_manage_programmes)
def upload():
    """Read and check the file, and show what publishing it would change; nothing is written
    (the import runs in a savepoint that is rolled back)."""
    form = UploadForm()
    if not form.validate_on_submit():
        return _index_page(form, 400)
    try:
        content = services.read_programme_upload(form.file.data)
    except services.UploadRefused as refused:
        form.file.errors = [refusal_text(refused)]
        return _index_page(form, 400)
    try:
        document = read_file(content)
        state = services.programme_state(document["code"])
        changes = preview(document)
    except ProgrammeError as refused:
        return _refused_page(refused)
    token = services.seal(current_user.id, content, state)
    return render_template(
        "programmes/preview.html",
        document=document,
        changes=changes,
        rules={
            indicator["number"]: rule_sentence(parse_rule(indicator["rule"]))
            for indicator in document["indicators"]
        },
        kinds={kind.value: label for kind, label in KIND_LABELS.items()},
        form=PublishForm(token=token),
        parts=PART_LABELS,
        change_labels=CHANGE_LABELS,
    )


def _refused_page(refused: ProgrammeError):
    """Every problem of the file, in the user's language, each with its place."""
    problems = [problem.text(_) for problem in refused.found]
    return render_template("programmes/refused.html", problems=problems, form=UploadForm()), 422


@bp.route("/publish", methods=["POST"])
@permission_required(can_manage_programmes)
def publish():
    """Publish exactly the previewed file, or nothing (see programmes.services)."""
    form = PublishForm()
    try:
        if not form.validate_on_submit():
            raise services.UploadRefused(services.BAD_TOKEN)
        sealed = services.unseal(form.token.data)
        require(can_publish_upload(current_user, sealed.user_id))
        changes = services.publish(sealed)
    except services.UploadRefused as refused:
        flash(refusal_text(refused), "danger")
        return redirect(url_for(".index"))
    except ProgrammeError as refused:
        return _refused_page(refused)
    flash(_published(changes), "success")
    return redirect(url_for("roadmap.index", programme=changes.code))


def _published(changes: Changes) -> str:
    counts = "; ".join(
        _(
            "%(part)s: %(added)d new, %(updated)d changed, %(removed)d removed",
            part=PART_LABELS[part],
            added=changes.counts[part]["added"],
            updated=changes.counts[part]["updated"],
            removed=changes.counts[part]["removed"],
        )
        for part in PARTS
    )
    return _("Programme %(code)s is published. %(counts)s.", code=changes.code, counts=counts)


def item_kinds(item) -> str:
    """The activity kinds whose new records default to a plan item, in words (the roadmap's
    pages show them through the ``plan-item-kinds`` hook)."""
    if not item.activity_kinds:
        return ""
    return render_template(
        "programmes/_item_kinds.html",
        labels=[str(label) for kind, label in KIND_LABELS.items() if kind in item.activity_kinds],
    )


@bp.record_once
def _register_hooks(state) -> None:
    add_template_hook(state.app, "plan-item-kinds", item_kinds)
