"""Pure rules of the indicators (DESIGN §3.2), no Flask."""

from __future__ import annotations

from partnercrm.directory.rules import OrganizationKind

# Indicator 2: hosts that count as "enterprises and institutions" a student visited.
VISITED_HOST_KINDS = frozenset(
    {
        OrganizationKind.EMPLOYER,
        OrganizationKind.COLLEGE,
        OrganizationKind.UNIVERSITY,
        OrganizationKind.EMPLOYMENT_CENTER,
    }
)
# Indicator 6: events run (organized or hosted) by ПОО and ВО.
VOCATIONAL_KINDS = frozenset({OrganizationKind.COLLEGE, OrganizationKind.UNIVERSITY})

COMPUTED_FROM_ACTIVITIES = (2, 3, 4, 6)
MUNICIPAL_PLANS = 1
ENTERED_BY_MINISTRY = (5, 7)
# Indicators of the region or a municipality that have no value for one school.
REGION_ONLY = (MUNICIPAL_PLANS, *ENTERED_BY_MINISTRY)
ALL_NUMBERS = (1, 2, 3, 4, 5, 6, 7)
