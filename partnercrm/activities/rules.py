"""Pure rules of activities (no Flask): kinds, their default plan items, statuses, grades,
where an activity may take place and when it has participants."""

from __future__ import annotations

from enum import StrEnum

from partnercrm.directory.rules import OrganizationKind

MIN_GRADE, MAX_GRADE = 1, 11
# Headcount rows without a grade store 0, so (activity, school, grade) stays unique everywhere.
NO_GRADE = 0


class ActivityKind(StrEnum):
    EXCURSION = "excursion"
    PARENT_MEETING = "parent_meeting"
    CAMP_SHIFT = "camp_shift"
    OPEN_DAY = "open_day"
    PROFPROBA = "profproba"
    CAREER_EVENT = "career_event"


class ActivityStatus(StrEnum):
    PLANNED = "planned"
    HELD = "held"
    CANCELLED = "cancelled"


class CampType(StrEnum):
    COUNTRY = "country"  # загородный лагерь
    SCHOOL = "school"  # пришкольный лагерь


# DESIGN §2: the plan items each kind is linked to unless the user changes them.
DEFAULT_PLAN_ITEMS: dict[ActivityKind, tuple[int, ...]] = {
    ActivityKind.EXCURSION: (5, 23),
    ActivityKind.PARENT_MEETING: (6, 17),
    ActivityKind.CAMP_SHIFT: (10,),
    ActivityKind.OPEN_DAY: (24,),
    ActivityKind.PROFPROBA: (9,),
    ActivityKind.CAREER_EVENT: (15,),
}

# Status moves a user may make; the reverse moves undo a mistaken mark.
TRANSITIONS: dict[ActivityStatus, frozenset[ActivityStatus]] = {
    ActivityStatus.PLANNED: frozenset({ActivityStatus.HELD, ActivityStatus.CANCELLED}),
    ActivityStatus.HELD: frozenset({ActivityStatus.PLANNED, ActivityStatus.CANCELLED}),
    ActivityStatus.CANCELLED: frozenset({ActivityStatus.PLANNED}),
}

GRADE_BANDS: tuple[tuple[int, int], ...] = ((1, 5), (6, 7), (8, 9), (10, 11))


def can_move(current: ActivityStatus, new: ActivityStatus) -> bool:
    return new == current or new in TRANSITIONS[current]


def participation_open(kind: ActivityKind, status: ActivityStatus) -> bool:
    """May students be recorded as taking part? Not at parent meetings (their participants are
    parents) nor at cancelled activities (nobody took part)."""
    return kind is not ActivityKind.PARENT_MEETING and status is not ActivityStatus.CANCELLED


def host_fits(kind: ActivityKind, host_kind: OrganizationKind) -> bool:
    """A parent meeting takes place at a school; other kinds anywhere."""
    return kind is not ActivityKind.PARENT_MEETING or host_kind is OrganizationKind.SCHOOL


def grade_band(grade: int) -> str:
    """'1–5', '6–7', '8–9' or '10–11' for a grade; '' when the grade is unknown."""
    for low, high in GRADE_BANDS:
        if low <= grade <= high:
            return f"{low}–{high}"
    return ""
