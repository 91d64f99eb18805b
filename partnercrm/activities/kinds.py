"""Activity kinds as data (DESIGN §2): one frozen spec per kind, read by the access rules, the
forms, the services and the imports alike, so every way in obeys the same rules. No Flask.

What needs a spec lives here (``participation_open``, ``host_refusal``); ``rules.py`` below it
holds the enums and the rules that do not depend on the kind.
"""

from __future__ import annotations

from dataclasses import dataclass

from partnercrm.accounts.rules import Role
from partnercrm.activities.rules import ActivityKind, ActivityStatus, CampType
from partnercrm.directory.rules import OrganizationKind
from partnercrm.errors import N_

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
    # Organization kinds that may host it; None: any.
    host_kinds: frozenset[OrganizationKind] | None = None
    # The refusal of a host of another kind (a msgid).
    host_refusal: str | None = None
    # Roles whose own organization is the host, without a choice.
    own_premises_for: frozenset[Role] = frozenset()
    # The creator's own organization is offered as the host of a new one (not for an
    # excursion: one visits someone else; nor for a camp shift: its camp type decides).
    own_host_offered: bool = True
    # Day-based (first and last day, all day) instead of a start and an end time.
    day_based: bool = False
    # Its details row: "parent_meeting" (presenters, parents) or "camp_shift" (type, capacity).
    details: str | None = None
    # Students are recorded as its participants (parents take part in a parent meeting).
    students_take_part: bool = True

    def host_fits(self, host_kind: OrganizationKind) -> bool:
        return self.host_kinds is None or host_kind in self.host_kinds

    @property
    def host_kind_choices(self) -> tuple[OrganizationKind, ...] | None:
        """The host kinds in the directory's order (for the host picker); None: any."""
        if self.host_kinds is None:
            return None
        return tuple(kind for kind in OrganizationKind if kind in self.host_kinds)


# A camp shift's host follows its type: a school day camp is at a school, a country camp at a
# camp operator.
CAMP_HOST_KIND: dict[CampType, OrganizationKind] = {
    CampType.SCHOOL: OrganizationKind.SCHOOL,
    CampType.COUNTRY: OrganizationKind.CAMP,
}
CAMP_HOST_REFUSALS: dict[CampType, str] = {
    CampType.SCHOOL: N_("A school day camp takes place at a school."),
    CampType.COUNTRY: N_("Pick a camp (an organization of the kind camp)."),
}

# A parent meeting is a school's: for its parents. Held at the school or off site, its organizer
# or its host is a school (services.check_activity).
MEETING_WITHOUT_SCHOOL = N_(
    "A parent meeting is a school's: its organizer or its host is a school."
)

KINDS: dict[ActivityKind, KindSpec] = {
    spec.kind: spec
    for spec in (
        KindSpec(
            ActivityKind.EXCURSION,
            creators=EVERY_ROLE,
            own_premises_for=ORGANIZATION_ROLES,
            own_host_offered=False,
        ),
        KindSpec(
            ActivityKind.PARENT_MEETING,
            creators=STAFF_ROLES | {Role.SCHOOL},
            # At the school, or off site at an enterprise or college («выездное родительское
            # собрание»): any host, but a school holds it (MEETING_WITHOUT_SCHOOL).
            details="parent_meeting",
            students_take_part=False,
        ),
        KindSpec(
            ActivityKind.CAMP_SHIFT,
            creators=STAFF_ROLES | {Role.SCHOOL},
            host_kinds=frozenset(CAMP_HOST_KIND.values()),
            host_refusal=N_(
                "A camp shift takes place at a camp, or at a school for a school day camp."
            ),
            own_host_offered=False,
            day_based=True,
            details="camp_shift",
        ),
        KindSpec(
            ActivityKind.OPEN_DAY,
            creators=STAFF_ROLES | ORGANIZATION_ROLES,
            own_premises_for=ORGANIZATION_ROLES,
        ),
        KindSpec(
            ActivityKind.PROFPROBA,
            creators=STAFF_ROLES | ORGANIZATION_ROLES,
        ),
        KindSpec(
            ActivityKind.CAREER_EVENT,
            creators=EVERY_ROLE,
        ),
    )
}


def creatable_kinds(role: Role) -> list[ActivityKind]:
    """The kinds ``role`` may create, in the order of DESIGN §2."""
    return [kind for kind, spec in KINDS.items() if role in spec.creators]


def participation_open(kind: ActivityKind, status: ActivityStatus) -> bool:
    """May students be recorded as taking part? Only at kinds they take part in (not parent
    meetings: their participants are parents), and not at cancelled activities."""
    return KINDS[kind].students_take_part and status is not ActivityStatus.CANCELLED


def host_refusal(
    kind: ActivityKind, host_kind: OrganizationKind, camp_type: CampType | None = None
) -> str | None:
    """Why an organization of ``host_kind`` cannot host an activity of ``kind`` — of
    ``camp_type``, for a camp shift whose type is known — as a msgid; None when it can."""
    spec = KINDS[kind]
    if spec.details == "camp_shift" and camp_type is not None:
        if CAMP_HOST_KIND[camp_type] is not host_kind:
            return CAMP_HOST_REFUSALS[camp_type]
        return None
    return None if spec.host_fits(host_kind) else spec.host_refusal
