"""A second programme beside the seeded roadmap, for the tests of programmes."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from partnercrm.activities.models import Participation
from partnercrm.activities.rules import ActivityKind
from partnercrm.directory.models import Municipality
from partnercrm.directory.rules import OrganizationKind
from partnercrm.extensions import db
from partnercrm.indicators.models import IndicatorValue, MunicipalPlan
from partnercrm.roadmap.models import Indicator, PlanItem, PlanSection, Programme
from tests.activity_factories import StudentFactory
from tests.factories import OrganizationFactory
from tests.test_indicators import held

NEXT = {
    "code": "kgd-2023-2025",
    "title": "Программа профориентации на 2023–2025 годы",
    "indicators": [
        (1, {"count": "students", "grades": [8, 11], "host_kinds": ["employer"]}),
        (2, {"count": "activities", "activity_kinds": ["open_day", "parent_meeting"]}),
        (3, {"count": "manual", "type": "yes_no"}),
        (4, {"count": "municipal_plans"}),
    ],
}


def add_next_programme():
    """Programme kgd-2023-2025 beside the seeded roadmap, with the same activities in 2021 and
    2024: a sixth- and a ninth-grader visit an employer (Советский), an open day at their
    school (Калининград), a parent meeting; plans approved for 2021 and 2024; entered values."""
    programme = Programme(
        code=NEXT["code"],
        title=NEXT["title"],
        valid_from=date(2023, 1, 1),
        valid_to=date(2025, 12, 31),
    )
    section = PlanSection(programme=programme, number=1, title="Раздел")
    PlanItem(
        programme=programme,
        section=section,
        number=1,
        title="Экскурсии",
        responsible="ОМСУ",
        deadline="ежегодно",
        expected_result="—",
        activity_kinds=["excursion"],
        continues=[5, 23],
    )
    programme.indicators = [
        Indicator(number=n, goal="g", name=f"Новый показатель {n}", unit="человек", rule=rule)
        for n, rule in NEXT["indicators"]
    ]
    db.session.add(programme)
    place = {m.name: m for m in db.session.scalars(sa.select(Municipality))}
    kgd, sov = place["Калининград"], place["Советский"]
    school = OrganizationFactory(kind=OrganizationKind.SCHOOL, municipality=kgd)
    employer = OrganizationFactory(kind=OrganizationKind.EMPLOYER, municipality=sov)
    young, old = StudentFactory(school=school, grade=6), StudentFactory(school=school, grade=9)
    for day in (date(2021, 3, 1), date(2024, 3, 1)):
        visit = held(ActivityKind.EXCURSION, employer, school, day)
        db.session.add_all(Participation(activity=visit, student=s) for s in (young, old))
        held(ActivityKind.OPEN_DAY, school, school, day)
        held(ActivityKind.PARENT_MEETING, employer, school, day)
    db.session.add(MunicipalPlan(municipality=kgd, year=2024, approved_on=date(2024, 2, 1)))
    db.session.add(MunicipalPlan(municipality=sov, year=2021, approved_on=date(2021, 2, 1)))
    db.session.flush()
    roadmap_7 = db.session.scalar(
        sa.select(Indicator)
        .join(Programme)
        .where(Programme.code == "kgd-2020-2022", Indicator.number == 7)
    )
    db.session.add(IndicatorValue(indicator=roadmap_7, year=2024, value=1))
    db.session.add(IndicatorValue(indicator=programme.indicators[2], year=2024, value=0))
    db.session.commit()
    return programme, kgd, sov


def add_programme(code: str, valid_from: date, valid_to: date, kinds: dict) -> Programme:
    """A programme of one section whose items (number → activity kinds or None) have no
    texts to speak of; committed."""
    programme = Programme(code=code, title=code, valid_from=valid_from, valid_to=valid_to)
    section = PlanSection(programme=programme, number=1, title="Раздел")
    for number, activity_kinds in kinds.items():
        PlanItem(
            programme=programme,
            section=section,
            number=number,
            title=f"Пункт {number}",
            responsible="—",
            deadline="—",
            expected_result="—",
            activity_kinds=activity_kinds,
        )
    db.session.add(programme)
    db.session.commit()
    return programme
