"""What the Import page calls the built-in import kinds (a kind kept in another package brings
its own label when it registers)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

KIND_LABELS = {
    "organizations": _l("Organizations"),
    "students": _l("Students (roster)"),
    "activities": _l("Activities"),
    "participants": _l("Participants by name"),
    "headcounts": _l("Participants by count (headcounts)"),
}
