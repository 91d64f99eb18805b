"""An indicator's rule in words (DESIGN §7), for the pages: one sentence — who or what is
counted, then each filter with the kinds' own labels («Школьники 8–11 классов, участвовавшие в
проведённых мероприятиях на площадках: работодатель (каждый один раз, плюс численность без
списка; родительские собрания не в счёт)»)."""

from __future__ import annotations

from collections.abc import Mapping

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from partnercrm.activities.labels import KIND_LABELS as ACTIVITY_KIND_LABELS
from partnercrm.directory.labels import KIND_LABELS as ORGANIZATION_KIND_LABELS
from partnercrm.indicators.rules import Count, ManualType, Rule

WHOLE_RULES = {
    Count.MUNICIPAL_PLANS: _l("Municipalities with an approved career-guidance plan for the year"),
    ManualType.NUMBER: _l("Entered by the ministry for the year: a number"),
    ManualType.YES_NO: _l("Entered by the ministry for the year: yes or no"),
}
# Each filter as a phrase of the sentence, with its kinds.
FILTER_PHRASES = {
    "activity_kinds": _l("of the kinds: %(kinds)s"),
    "host_kinds": _l("hosted by: %(kinds)s"),
    "organizer_kinds": _l("organized by: %(kinds)s"),
    "organizer_or_host_kinds": _l("organized or hosted by: %(kinds)s"),
}


def _kinds(labels: Mapping, kinds) -> str:
    names = (str(label) for kind, label in labels.items() if kind in kinds)
    return ", ".join(name[:1].lower() + name[1:] for name in names)


def rule_sentence(rule: Rule) -> str:
    """What ``rule`` counts, as one sentence."""
    if rule.count is Count.MANUAL:
        assert rule.type is not None, "a checked manual rule has its type"
        return str(WHOLE_RULES[rule.type])
    if rule.count is Count.MUNICIPAL_PLANS:
        return str(WHOLE_RULES[rule.count])
    phrases = []
    for key, phrase in FILTER_PHRASES.items():
        kinds = getattr(rule, key)
        if kinds is not None:
            labels = ACTIVITY_KIND_LABELS if key == "activity_kinds" else ORGANIZATION_KIND_LABELS
            phrases.append(str(phrase) % {"kinds": _kinds(labels, kinds)})
    filters = " " + "; ".join(phrases) if phrases else ""
    if rule.count is Count.ACTIVITIES:
        return _("Held activities") + filters
    if rule.grades is not None:
        who = _("Students of grades %(low)d–%(high)d", low=rule.grades[0], high=rule.grades[1])
    else:
        who = _("Students of schools")
    if rule.ovz_only:
        who = _("%(students)s with a disability or ОВЗ", students=who)
    sentence = _("%(students)s who took part in held activities", students=who) + filters
    how = _("each once, plus headcounts without a list")
    if rule.activity_kinds is None:
        how = _("%(how)s; parent meetings do not count", how=how)
    return f"{sentence} ({how})"
