"""Interface labels of the calendar feeds."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from partnercrm.feeds.queries import FeedKind

# Labels of the kinds of the public feed's filter; the activity kinds' are the activities'.
OTHER_KIND_LABELS = {
    FeedKind.OFFER: _l("Excursion offers of employers and colleges"),
    FeedKind.HOLIDAY_JOB: _l("Holiday jobs for minors"),
}
