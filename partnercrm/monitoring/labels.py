"""Interface labels of monitoring values (the exports have their own Russian ones)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from partnercrm.monitoring.rules import ReportState

STATE_LABELS = {
    ReportState.SUBMITTED: _l("submitted"),
    ReportState.REOPENED: _l("returned for correction"),
    ReportState.MISSING: _l("not submitted"),
    ReportState.OVERDUE: _l("overdue"),
}

STATE_CLASSES = {
    ReportState.SUBMITTED: "text-bg-success",
    ReportState.REOPENED: "text-bg-warning",
    ReportState.MISSING: "text-bg-secondary",
    ReportState.OVERDUE: "text-bg-danger",
}
