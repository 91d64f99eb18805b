from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, SelectField, SubmitField
from wtforms.validators import DataRequired

from partnercrm.imports.registry import ImportKind
from partnercrm.web.forms import Form


class ImportForm(Form):
    """Upload one file of one kind; the view limits the kinds to the user's role."""

    kind = SelectField(_l("What the file holds"), validators=[DataRequired()])
    file = FileField(
        _l("File"),
        description=_l("CSV (UTF-8 or Windows-1251, “,” or “;”) or XLSX, up to 10 MB."),
        validators=[FileRequired(message=_l("Choose a file."))],
    )
    dry_run = BooleanField(
        _l("Check only"),
        description=_l("Check the file and show what would change, without saving anything."),
    )
    submit = SubmitField(_l("Run the import"))

    def __init__(self, kinds: list[ImportKind], *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.kind.choices = [(kind.name, kind.label) for kind in kinds]
