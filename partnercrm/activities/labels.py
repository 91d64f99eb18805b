"""What the interface calls each activity kind, status and camp type (enum → label maps).

Read by the activity pages and by the other packages that show activities (calendar feeds,
reports); services never need them.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from partnercrm.activities.rules import ActivityKind, ActivityStatus, CampType

KIND_LABELS = {
    ActivityKind.EXCURSION: _l("Excursion to an employer or organization"),
    ActivityKind.PARENT_MEETING: _l("Parent meeting"),
    ActivityKind.CAMP_SHIFT: _l("Camp shift"),
    ActivityKind.OPEN_DAY: _l("Open day"),
    ActivityKind.PROFPROBA: _l("Profproba"),
    ActivityKind.CAREER_EVENT: _l("Other career-guidance event"),
}
# Short names for titles made when the user leaves the title empty.
KIND_TITLES = {
    ActivityKind.EXCURSION: _l("Excursion"),
    ActivityKind.PARENT_MEETING: _l("Parent meeting"),
    ActivityKind.CAMP_SHIFT: _l("Camp shift"),
    ActivityKind.OPEN_DAY: _l("Open day"),
    ActivityKind.PROFPROBA: _l("Profproba"),
    ActivityKind.CAREER_EVENT: _l("Career-guidance event"),
}
# The host field of kinds whose host is not just "where" (the others keep the form's label).
HOST_LABELS = {
    ActivityKind.PARENT_MEETING: _l("Where (the school, or an enterprise or college off site)"),
    ActivityKind.CAMP_SHIFT: _l("Camp (for a school day camp: the school)"),
}
STATUS_LABELS = {
    ActivityStatus.PLANNED: _l("Planned"),
    ActivityStatus.HELD: _l("Held"),
    ActivityStatus.CANCELLED: _l("Cancelled"),
}
STATUS_BADGES = {
    ActivityStatus.PLANNED: "text-bg-info",
    ActivityStatus.HELD: "text-bg-success",
    ActivityStatus.CANCELLED: "text-bg-secondary",
}
CAMP_TYPE_LABELS = {
    CampType.COUNTRY: _l("Country camp"),
    CampType.SCHOOL: _l("School day camp"),
}
