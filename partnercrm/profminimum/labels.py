"""What the pages call the профминимум levels, and the words an import file may use for them."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from partnercrm.profminimum.rules import Level

LEVEL_LABELS = {
    Level.BASIC: _l("basic"),
    Level.MAIN: _l("main"),
    Level.ADVANCED: _l("advanced"),
}

# The ``level`` column of the import: English or Russian (DESIGN §4.3), compared without case.
LEVEL_WORDS: dict[str, Level] = {
    **{level.value: level for level in Level},
    "базовый": Level.BASIC,
    "основной": Level.MAIN,
    "продвинутый": Level.ADVANCED,
}
