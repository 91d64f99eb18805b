"""Activity kinds as data (DESIGN §2): one frozen spec per kind, read by the access rules, the
forms, the services and the imports alike, so every way in obeys the same rules. No Flask.
"""

from __future__ import annotations

from dataclasses import dataclass

from partnercrm.accounts.rules import Role
from partnercrm.activities.rules import ActivityKind, CampType
from partnercrm.directory.rules import OrganizationKind

# Admins and coordinators may log every kind, for any organization in their scope.
STAFF_ROLES = frozenset({Role.ADMIN, Role.COORDINATOR})
# Employers, colleges and the employment center run events at their own place.
ORGANIZATION_ROLES = frozenset({Role.COLLEGE, Role.EMPLOYER, Role.EMPLOYMENT_CENTER})
EVERY_ROLE = STAFF_ROLES | ORGANIZATION_ROLES | {Role.SCHOOL}

# Who may present at a parent meeting: employers, colleges, universities, the employment center.
PRESENTER_KINDS = frozenset(
    {
        OrganizationKind.EMPLOYER,
        OrganizationKind.COLLEGE,
        OrganizationKind.UNIVERSITY,
        OrganizationKind.EMPLOYMENT_CENTER,
    }
)


@dataclass(frozen=True)
class KindSpec:
    """What one activity kind allows."""

    kind: ActivityKind
    # Roles that may create it.
    creators: frozenset[Role]
    # The plan items a new record links to unless the user changes them (DESIGN §2).
    default_plan_items: tuple[int, ...]
    # Organization kinds that may host it; None: any.
    host_kinds: frozenset[OrganizationKind] | None = None
    # Roles whose own organization is the host, without a choice.
    own_premises_for: frozenset[Role] = frozenset()
    # Day-based (first and last day, all day) instead of a start and an end time.
    day_based: bool = False
    # Its details row: "parent_meeting" (presenters, parents) or "camp_shift" (type, capacity).
    details: str | None = None
    # Students are recorded as its participants (parents take part in a parent meeting).
    students_take_part: bool = True

    def host_fits(self, host_kind: OrganizationKind) -> bool:
        return self.host_kinds is None or host_kind in self.host_kinds


# A camp shift's host follows its type: a school day camp is at a school, a country camp at a
# camp operator.
CAMP_HOST_KIND: dict[CampType, OrganizationKind] = {
    CampType.SCHOOL: OrganizationKind.SCHOOL,
    CampType.COUNTRY: OrganizationKind.CAMP,
}

KINDS: dict[ActivityKind, KindSpec] = {
    spec.kind: spec
    for spec in (
        KindSpec(
            ActivityKind.EXCURSION,
            creators=EVERY_ROLE,
            default_plan_items=(5, 23),
            own_premises_for=ORGANIZATION_ROLES,
        ),
        KindSpec(
            ActivityKind.PARENT_MEETING,
            creators=STAFF_ROLES | {Role.SCHOOL},
            default_plan_items=(6, 17),
            host_kinds=frozenset({OrganizationKind.SCHOOL}),
            own_premises_for=frozenset({Role.SCHOOL}),
            details="parent_meeting",
            students_take_part=False,
        ),
        KindSpec(
            ActivityKind.CAMP_SHIFT,
            creators=STAFF_ROLES | {Role.SCHOOL},
            default_plan_items=(10,),
            host_kinds=frozenset(CAMP_HOST_KIND.values()),
            day_based=True,
            details="camp_shift",
        ),
        KindSpec(
            ActivityKind.OPEN_DAY,
            creators=STAFF_ROLES | ORGANIZATION_ROLES,
            default_plan_items=(24,),
            own_premises_for=ORGANIZATION_ROLES,
        ),
        KindSpec(
            ActivityKind.PROFPROBA,
            creators=STAFF_ROLES | ORGANIZATION_ROLES,
            default_plan_items=(9,),
        ),
        KindSpec(
            ActivityKind.CAREER_EVENT,
            creators=EVERY_ROLE,
            default_plan_items=(15,),
        ),
    )
}


def creatable_kinds(role: Role) -> list[ActivityKind]:
    """The kinds ``role`` may create, in the order of DESIGN §2."""
    return [kind for kind, spec in KINDS.items() if role in spec.creators]
