from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, SubmitField
from wtforms.validators import DataRequired

from partnercrm.web.forms import Form


class UploadForm(Form):
    """A programme file to preview (nothing is written until it is published)."""

    file = FileField(
        _l("Programme file"),
        description=_l("JSON or XLSX, as the template or a downloaded programme, up to 1 MB."),
        validators=[FileRequired(message=_l("Choose a file."))],
    )
    submit = SubmitField(_l("Preview the changes"))


class PublishForm(Form):
    """Publish the previewed file: the sealed token of the preview (programmes.services)."""

    token = HiddenField(validators=[DataRequired()])
    submit = SubmitField(_l("Publish"))
