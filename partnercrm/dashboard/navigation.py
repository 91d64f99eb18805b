"""The main menu, grouped by task: each link shown to the users its domain's access rule lets in.

An employer awaiting approval (:func:`~partnercrm.access.base.employer_may_act` false) sees its
dashboard and its organization's details only: every other page is closed to it
(:func:`~partnercrm.access.portal.can_open_page`), so its menu does not lead there.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from partnercrm.access.accounts import can_manage_users
from partnercrm.access.base import employer_may_act, is_admin
from partnercrm.access.imports import can_use_imports
from partnercrm.access.jobs import can_see_jobs
from partnercrm.access.monitoring import can_use_monitoring
from partnercrm.access.portal import can_edit_sign_up_data, can_see_approvals
from partnercrm.access.profminimum import can_see_hours
from partnercrm.access.programmes import can_manage_programmes
from partnercrm.access.reports import can_see_reports
from partnercrm.access.series import can_keep_series
from partnercrm.access.students import can_manage_roster
from partnercrm.web.templating import NavGroup, NavLink

# A few dropdowns by task, so the menu fits a 1024 px window for every role; a group with one
# link for the user shows as that link.
MENU: tuple[NavLink | NavGroup, ...] = (
    NavLink("dashboard.index", _l("Dashboard")),
    NavGroup(
        _l("Work"),
        (
            NavLink("activities.index", _l("Activities"), employer_may_act),
            NavLink("feeds.calendar", _l("Calendar"), employer_may_act),
            NavLink("offers.index", _l("Offers"), employer_may_act),
            NavLink("jobs.index", _l("Holiday jobs"), can_see_jobs),
            NavLink("students.roster", _l("Students"), can_manage_roster),
            NavLink("series.index", _l("Weekly series"), can_keep_series),
        ),
    ),
    NavGroup(
        _l("Partners"),
        (
            NavLink(
                "portal.organization_details",
                _l("Details of the organization"),
                can_edit_sign_up_data,
            ),
            NavLink("agreements.index", _l("Agreements"), employer_may_act),
            NavLink("directory.organizations", _l("Organizations"), employer_may_act),
            NavLink("directory.municipalities", _l("Municipalities"), employer_may_act),
        ),
    ),
    NavGroup(
        _l("Reports"),
        (
            NavLink("indicators.report", _l("Indicators"), can_see_reports),
            NavLink("profminimum.hours", _l("Profminimum"), can_see_hours),
            NavLink("monitoring.index", _l("Monitoring"), can_use_monitoring),
            NavLink("profminimum.level", _l("Career guidance minimum levels"), can_see_hours),
            NavLink("roadmap.index", _l("Roadmap"), employer_may_act),
        ),
    ),
    NavGroup(
        _l("Management"),
        (
            NavLink("accounts.users", _l("Users"), can_manage_users),
            NavLink("portal.approvals", _l("Approvals"), can_see_approvals),
            NavLink("imports.index", _l("Import"), can_use_imports),
            NavLink("programmes.index", _l("Programmes"), can_manage_programmes),
            NavLink("admin.index", _l("Administration"), is_admin),
        ),
    ),
)
