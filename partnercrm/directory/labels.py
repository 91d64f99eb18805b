"""Interface labels of directory values (singular; the dashboard has its own plural ones)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from partnercrm.directory.rules import ApprovalState, OrganizationKind

KIND_LABELS = {
    OrganizationKind.SCHOOL: _l("School"),
    OrganizationKind.COLLEGE: _l("College (ПОО)"),
    OrganizationKind.UNIVERSITY: _l("University (ВО)"),
    OrganizationKind.EMPLOYER: _l("Employer"),
    OrganizationKind.EMPLOYMENT_CENTER: _l("Employment center"),
    OrganizationKind.AUTHORITY: _l("Education authority"),
    OrganizationKind.CAMP: _l("Children's camp"),
}

APPROVAL_LABELS = {
    ApprovalState.PENDING: _l("Awaiting approval"),
    ApprovalState.APPROVED: _l("Approved"),
    ApprovalState.DECLINED: _l("Declined"),
}
