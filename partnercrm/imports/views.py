"""The Import page (DESIGN §4.3): the same importers as ``partnercrm import``, limited to the
user's scope: admins everything, coordinators their municipality, school staff their own school.
A row outside the scope is an error of that row, never skipped in silence.

The file is imported whole or not at all: a file with errors raises
:class:`~partnercrm.imports.services.ImportRefused`, the request's unit of work rolls back, and
the error report is this blueprint's answer to it (422).
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, Response, abort, current_app, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from partnercrm.access.base import permission_required, require
from partnercrm.access.imports import can_use_imports
from partnercrm.imports import services
from partnercrm.imports.forms import ImportForm
from partnercrm.imports.readers import FileProblem, TooManyRows, read_table
from partnercrm.imports.registry import ImportKind, import_engine
from partnercrm.imports.templates import FORMATS, example_values, render_template_file
from partnercrm.spreadsheets import CSV_MIME_TYPE, XLSX_MIME_TYPE

bp = Blueprint("imports", __name__, url_prefix="/imports")

# The error report shows this many rows as a table; the full list follows as plain text.
ERROR_TABLE_ROWS = 500


def _kinds() -> list[ImportKind]:
    engine = import_engine()
    kinds = [engine.kind(name) for name in services.kinds_for(current_user)]
    require(bool(kinds))
    return kinds


@bp.route("/", methods=["GET", "POST"])
@permission_required(can_use_imports)
def index():
    kinds = _kinds()
    form = ImportForm(kinds)
    if request.method == "GET" and request.args.get("kind") in {kind.name for kind in kinds}:
        form.kind.data = request.args["kind"]
    if not form.validate_on_submit():
        return _form_page(form, kinds, 400 if request.method == "POST" else 200)
    upload = form.file.data
    try:
        # A web request must finish well within the server's timeout: the reader stops at the
        # first row above the limit (bigger files go through the command line).
        table = read_table(upload.read(), max_rows=current_app.config["IMPORT_MAX_ROWS"])
    except TooManyRows as refused:
        form.file.errors = [_too_many_rows(refused)]
        return _form_page(form, kinds, 400)
    except FileProblem as problem:
        form.file.errors = [str(problem)]
        return _form_page(form, kinds, 400)
    result = services.import_table(
        form.kind.data,
        table,
        user=current_user._get_current_object(),
        dry_run=form.dry_run.data,
    )
    return render_template("imports/result.html", **_context(result))


@bp.route("/templates/<kind>.<fmt>")
@permission_required(can_use_imports)
def template(kind: str, fmt: str):
    """The kind's template: the header row and one example row (imports/templates.py)."""
    kinds = {spec.name: spec for spec in _kinds()}
    if kind not in kinds or fmt not in FORMATS:
        abort(404)
    content = render_template_file(kinds[kind].spec, example_values(current_user), fmt)
    response = Response(content, content_type=CSV_MIME_TYPE if fmt == "csv" else XLSX_MIME_TYPE)
    response.headers["Content-Disposition"] = f'attachment; filename="{kind}-template.{fmt}"'
    return response


@bp.errorhandler(services.ImportRefused)
def refused_file(refused: services.ImportRefused):
    """The error report of a file with errors; the unit of work has kept nothing of it."""
    result = refused.result
    return render_template(
        "imports/errors.html",
        shown_errors=result.errors[:ERROR_TABLE_ROWS],
        **_context(result),
    ), 422


@bp.errorhandler(sa.exc.IntegrityError)
def database_refused(error: sa.exc.IntegrityError):
    """E.g. another user imported the same new keys at the same moment; the unit of work has
    rolled back, so nothing was saved."""
    kinds = _kinds()
    form = ImportForm(kinds)
    form.file.errors = [_("The database refused the import, nothing was saved. Please try again.")]
    return _form_page(form, kinds, 409)


def _too_many_rows(refused: TooManyRows) -> str:
    if refused.rows is None:
        return _(
            "The file has more rows than can be imported here (up to %(max)d). Split the file, "
            "or ask an administrator to run “partnercrm import” on the server.",
            max=refused.limit,
        )
    return _(
        "The file has %(rows)d rows; up to %(max)d rows can be imported here. Split the "
        "file, or ask an administrator to run “partnercrm import” on the server.",
        rows=refused.rows,
        max=refused.limit,
    )


def _context(result: services.ImportResult) -> dict:
    upload = request.files.get("file")
    return {
        "result": result,
        "kind_label": import_engine().kind(result.kind).label,
        "filename": (upload.filename if upload is not None else "") or "",
    }


def _form_page(form: ImportForm, kinds: list[ImportKind], status: int):
    return render_template(
        "imports/index.html",
        form=form,
        kinds=[(kind.spec, kind.label) for kind in kinds],
    ), status
