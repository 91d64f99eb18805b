"""Interface labels of the dashboard: organization kinds in the plural (the directory's are
singular)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from partnercrm.directory.rules import OrganizationKind

KIND_LABELS = {
    OrganizationKind.SCHOOL: _l("Schools"),
    OrganizationKind.COLLEGE: _l("Colleges (ПОО)"),
    OrganizationKind.UNIVERSITY: _l("Universities (ВО)"),
    OrganizationKind.EMPLOYER: _l("Employers"),
    OrganizationKind.EMPLOYMENT_CENTER: _l("Employment centers"),
    OrganizationKind.AUTHORITY: _l("Education authorities"),
    OrganizationKind.CAMP: _l("Camps"),
}
