"""Imports of organizations, students, activities, participants and headcounts (DESIGN §4.3).

The same importers as ``partnercrm import``, limited to the user's scope: admins everything,
coordinators their municipality, school staff their own school. A row outside the scope is an
error of that row, never skipped in silence. The file is imported whole or not at all.
"""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError

from partnercrm.access.base import require, roles_required
from partnercrm.accounts.rules import Role
from partnercrm.extensions import db
from partnercrm.imports import services
from partnercrm.imports.columns import KINDS
from partnercrm.imports.forms import KIND_LABELS, ImportForm
from partnercrm.imports.readers import FileProblem, read_table

bp = Blueprint("imports", __name__, url_prefix="/imports")

# The error report shows this many rows as a table; the full list follows as plain text.
ERROR_TABLE_ROWS = 500
# A web request must finish well within the server's timeout; bigger files go through the CLI.
# ``IMPORT_MAX_ROWS`` in the configuration overrides it.
MAX_ROWS = 20_000


@bp.route("/", methods=["GET", "POST"])
@roles_required(Role.ADMIN, Role.COORDINATOR, Role.SCHOOL)
def index():
    kinds = services.kinds_for(current_user)
    require(bool(kinds))
    form = ImportForm(kinds)
    if request.method == "GET" and request.args.get("kind") in kinds:
        form.kind.data = request.args["kind"]
    if not form.validate_on_submit():
        return _form_page(form, kinds, 400 if request.method == "POST" else 200)
    upload = form.file.data
    try:
        table = read_table(upload.read())
    except FileProblem as problem:
        form.file.errors = [str(problem)]
        return _form_page(form, kinds, 400)
    max_rows = current_app.config.get("IMPORT_MAX_ROWS", MAX_ROWS)
    if len(table.rows) > max_rows:
        form.file.errors = [
            _(
                "The file has %(rows)d rows; up to %(max)d rows can be imported here. Split the "
                "file, or ask an administrator to run “partnercrm import” on the server.",
                rows=len(table.rows),
                max=max_rows,
            )
        ]
        return _form_page(form, kinds, 400)
    try:
        result = services.run_import(
            form.kind.data,
            table,
            user=current_user._get_current_object(),
            dry_run=form.dry_run.data,
        )
        if result.errors or result.dry_run:
            db.session.rollback()
        else:
            db.session.commit()
    except SQLAlchemyError:
        # E.g. another user imported the same new keys at the same moment.
        db.session.rollback()
        form.file.errors = [
            _("The database refused the import, nothing was saved. Please try again.")
        ]
        return _form_page(form, kinds, 409)
    context = {
        "result": result,
        "kind_label": KIND_LABELS[result.kind],
        "filename": upload.filename or "",
    }
    if result.errors:
        return render_template(
            "imports/errors.html",
            shown_errors=result.errors[:ERROR_TABLE_ROWS],
            **context,
        ), 422
    return render_template("imports/result.html", **context)


def _form_page(form: ImportForm, kinds: list[str], status: int):
    return render_template(
        "imports/index.html",
        form=form,
        kinds=[(KINDS[kind], KIND_LABELS[kind]) for kind in kinds],
    ), status
