"""Interface labels of registration values (English msgids; Russian in the catalogue)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from partnercrm.portal.rules import SignUpPath

# What a registration asks for; the keys are also the queue's ``kind`` filter values.
KIND_LABELS = {
    SignUpPath.APPLY: _l("New organization"),
    SignUpPath.JOIN: _l("Request to join"),
}
