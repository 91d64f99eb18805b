"""Interface labels of agreement values (English msgids; Russian in the catalogue)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from partnercrm.agreements.rules import AgreementStatus, CooperationKind

STATUS_LABELS = {
    AgreementStatus.DRAFT: _l("Draft (not signed)"),
    AgreementStatus.ACTIVE: _l("In force"),
    AgreementStatus.EXPIRING: _l("Expiring"),
    AgreementStatus.EXPIRED: _l("Expired"),
    AgreementStatus.TERMINATED: _l("Terminated"),
}

STATUS_BADGES = {
    AgreementStatus.DRAFT: "text-bg-secondary",
    AgreementStatus.ACTIVE: "text-bg-success",
    AgreementStatus.EXPIRING: "text-bg-warning",
    AgreementStatus.EXPIRED: "text-bg-dark",
    AgreementStatus.TERMINATED: "text-bg-danger",
}

KIND_LABELS = {
    CooperationKind.EXCURSIONS: _l("Excursions"),
    CooperationKind.PARENT_MEETINGS: _l("Parent meetings"),
    CooperationKind.HOLIDAY_JOBS: _l("Holiday jobs for minors"),
    CooperationKind.CAMP_SHIFTS: _l("Camp shifts"),
    CooperationKind.PROFPROBES: _l("Profprobes"),
    CooperationKind.OTHER: _l("Other career guidance"),
}
