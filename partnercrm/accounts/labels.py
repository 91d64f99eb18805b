"""Interface labels of account values."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from partnercrm.accounts.rules import Role

ROLE_LABELS = {
    Role.ADMIN: _l("Ministry administrator"),
    Role.COORDINATOR: _l("Municipal coordinator"),
    Role.SCHOOL: _l("School staff"),
    Role.COLLEGE: _l("College or university staff"),
    Role.EMPLOYER: _l("Employer"),
    Role.EMPLOYMENT_CENTER: _l("Employment center"),
}
