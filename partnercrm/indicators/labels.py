"""An indicator's rule in words (DESIGN §7), for the pages: what it counts, then one line per
filter, with the kinds' own labels."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from partnercrm.activities.labels import KIND_LABELS as ACTIVITY_KIND_LABELS
from partnercrm.directory.labels import KIND_LABELS as ORGANIZATION_KIND_LABELS
from partnercrm.indicators.rules import Count, ManualType, Rule

COUNT_LABELS = {
    Count.STUDENTS: _l("Students of schools (distinct, plus headcounts) at held activities"),
    Count.ACTIVITIES: _l("Held activities"),
    Count.MUNICIPAL_PLANS: _l("Municipalities with an approved career-guidance plan for the year"),
}
MANUAL_LABELS = {
    ManualType.NUMBER: _l("Entered by the ministry for the year: a number"),
    ManualType.YES_NO: _l("Entered by the ministry for the year: yes or no"),
}
FILTER_LABELS = {
    "activity_kinds": _l("activity kinds"),
    "host_kinds": _l("hosts"),
    "organizer_kinds": _l("organizers"),
    "organizer_or_host_kinds": _l("organizers or hosts"),
}


def rule_lines(rule: Rule) -> list[str]:
    """What ``rule`` counts, then each of its filters, as lines of text."""
    if rule.count is Count.MANUAL:
        assert rule.type is not None, "a checked manual rule has its type"
        return [str(MANUAL_LABELS[rule.type])]
    lines = [str(COUNT_LABELS[rule.count])]
    if rule.count is Count.STUDENTS and rule.activity_kinds is None:
        lines.append(_("parent meetings never count"))
    for key, label in FILTER_LABELS.items():
        kinds = getattr(rule, key)
        if kinds is None:
            continue
        labels = ACTIVITY_KIND_LABELS if key == "activity_kinds" else ORGANIZATION_KIND_LABELS
        names = ", ".join(str(text) for kind, text in labels.items() if kind in kinds)
        lines.append(f"{label}: {names}")
    if rule.ovz_only:
        lines.append(_("only students with a disability or ОВЗ"))
    if rule.grades is not None:
        lines.append(_("grades %(low)d–%(high)d", low=rule.grades[0], high=rule.grades[1]))
    return lines
