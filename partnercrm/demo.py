"""A small, believable demo data set (``partnercrm demo``); idempotent.

Organizations are fictional but shaped like the region's: schools, colleges, a university,
employers, the employment center, an education authority and a camp, in several municipalities.
The schools get rosters, and the school year 2025/26 its activities and participation: names
come from a fixed random seed, so every run builds the same people, and stable keys (a school's
roster id, ``Activity.ref``) make a second run add nothing. The domains add their own parts
(``<domain>/demo.py``): an employer's sign-up, holiday jobs, offers with a series of bookings,
agreements in force, expiring and expired with their PDFs and activities, and a monitoring
campaign with a returned report — so every page has something to show.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask import Flask, render_template

from partnercrm.accounts import services as accounts
from partnercrm.accounts.labels import ROLE_LABELS
from partnercrm.accounts.models import User
from partnercrm.accounts.rules import Role
from partnercrm.activities.models import Activity
from partnercrm.activities.rules import ActivityKind, ActivityStatus, CampType
from partnercrm.activities.services import (
    ActivityData,
    create_activity,
    set_camp_shift_details,
    set_headcount,
    set_named_participants,
    set_parent_meeting_details,
)
from partnercrm.agreements.demo import load_demo_agreements
from partnercrm.directory.models import Municipality, Organization
from partnercrm.directory.rules import ApprovalState, OrganizationKind
from partnercrm.extensions import db
from partnercrm.jobs.demo import load_demo_jobs
from partnercrm.localtime import local_today, to_utc
from partnercrm.monitoring.demo import load_demo_monitoring
from partnercrm.offers.demo import load_demo_offers
from partnercrm.portal.demo import load_demo_registration
from partnercrm.profminimum.demo import load_demo_levels
from partnercrm.roadmap.models import PlanItem
from partnercrm.series.demo import load_demo_series
from partnercrm.students.models import Student
from partnercrm.students.services import StudentData, create_student, set_archived
from partnercrm.web.hooks import add_template_hook

# Shown on the login page in development only.
DEMO_PASSWORD = "demo-partnercrm"  # noqa: S105

K = OrganizationKind
ORGANIZATIONS = [
    # code, kind, municipality, name, short name, INN, address, industry
    (
        "school-kgd-49",
        K.SCHOOL,
        "Калининград",
        "МАОУ «Средняя общеобразовательная школа № 49»",
        "СОШ № 49",
        None,
        "г. Калининград, ул. Ломоносова, 10",
        None,
    ),
    (
        "school-kgd-lyceum-18",
        K.SCHOOL,
        "Калининград",
        "МАОУ «Лицей № 18»",
        "Лицей № 18",
        None,
        "г. Калининград, ул. Чайковского, 5",
        None,
    ),
    (
        "school-sov-4",
        K.SCHOOL,
        "Советский",
        "МАОУ «Средняя общеобразовательная школа № 4»",
        "СОШ № 4 (Советск)",
        None,
        "г. Советск, ул. Победы, 3",
        None,
    ),
    (
        "school-gus-1",
        K.SCHOOL,
        "Гусевский",
        "МАОУ «Гимназия № 1 г. Гусева»",
        "Гимназия № 1 (Гусев)",
        None,
        "г. Гусев, ул. Московская, 7",
        None,
    ),
    (
        "college-kppk",
        K.COLLEGE,
        "Калининград",
        "ГБУ КО ПОО «Колледж сервиса и туризма»",
        "Колледж сервиса и туризма",
        None,
        "г. Калининград, ул. Горького, 96",
        None,
    ),
    (
        "college-sov-tech",
        K.COLLEGE,
        "Советский",
        "ГБУ КО ПОО «Советский политехнический колледж»",
        "Советский политехнический колледж",
        None,
        "г. Советск, ул. Искры, 17",
        None,
    ),
    (
        "university-bfu",
        K.UNIVERSITY,
        "Калининград",
        "ФГАОУ ВО «Балтийский федеральный университет имени Иммануила Канта»",
        "БФУ им. И. Канта",
        None,
        "г. Калининград, ул. А. Невского, 14",
        None,
    ),
    (
        "3906001129",
        K.EMPLOYER,
        "Калининград",
        "АО «Балтийский судостроительный завод»",
        "Балтийский судозавод",
        "3906001129",
        "г. Калининград, ул. Транспортная, 1",
        "Судостроение",
    ),
    (
        "3905002345",
        K.EMPLOYER,
        "Калининград",
        "ООО «Янтарь-Софт»",
        "Янтарь-Софт",
        "3905002345",
        "г. Калининград, Ленинский пр-т, 30",
        "Информационные технологии",
    ),
    (
        "3912003452",
        K.EMPLOYER,
        "Советский",
        "ООО «Советский молочный комбинат»",
        "Молкомбинат",
        "3912003452",
        "г. Советск, ул. Гагарина, 44",
        "Пищевая промышленность",
    ),
    (
        "3914004564",
        K.EMPLOYER,
        "Гусевский",
        "ООО «Гусевская агрофирма»",
        "Гусевская агрофирма",
        "3914004564",
        "Гусевский район, пос. Михайлово",
        "Сельское хозяйство",
    ),
    (
        "czn-kaliningrad",
        K.EMPLOYMENT_CENTER,
        "Калининград",
        "ГКУ КО «Центр занятости населения Калининградской области»",
        "ЦЗН",
        None,
        "г. Калининград, ул. Чапаева, 1",
        None,
    ),
    (
        "authority-minobr",
        K.AUTHORITY,
        "Калининград",
        "Министерство образования Калининградской области",
        "Минобразования",
        None,
        "г. Калининград, ул. Томская, 19",
        None,
    ),
    (
        "camp-yantarny",
        K.CAMP,
        "Зеленоградский",
        "ГАУ КО «Детский оздоровительный лагерь «Янтарный берег»",
        "Лагерь «Янтарный берег»",
        None,
        "Зеленоградский район, пос. Лесной",
        None,
    ),
]

# email, full name, role, organization code or None, municipality name or None
DEMO_ACCOUNTS = [
    ("admin@demo.partnercrm.ru", "Иванова Елена Сергеевна", Role.ADMIN, None, None),
    (
        "coordinator@demo.partnercrm.ru",
        "Петров Андрей Викторович",
        Role.COORDINATOR,
        None,
        "Калининград",
    ),
    ("school@demo.partnercrm.ru", "Смирнова Ольга Николаевна", Role.SCHOOL, "school-kgd-49", None),
    ("college@demo.partnercrm.ru", "Кузнецов Игорь Павлович", Role.COLLEGE, "college-kppk", None),
    (
        "employer@demo.partnercrm.ru",
        "Соколова Марина Алексеевна",
        Role.EMPLOYER,
        "3906001129",
        None,
    ),
    (
        "czn@demo.partnercrm.ru",
        "Волков Денис Андреевич",
        Role.EMPLOYMENT_CENTER,
        "czn-kaliningrad",
        None,
    ),
]


def register(app: Flask) -> None:
    """Outside production (``SHOW_DEMO_ACCOUNTS``) the login page lists the demo accounts."""
    add_template_hook(app, "login-page", demo_accounts_card)


def demo_accounts_card(**context: object) -> str:
    return render_template(
        "demo/accounts.html", accounts=DEMO_ACCOUNTS, password=DEMO_PASSWORD, labels=ROLE_LABELS
    )


def load_demo() -> dict[str, int]:
    """Create what is missing; the caller commits. Needs ``partnercrm seed`` first."""
    municipalities = {m.name: m for m in db.session.scalars(sa.select(Municipality))}
    if not municipalities:
        raise RuntimeError("no municipalities: run `partnercrm seed` first")
    if db.session.scalar(sa.select(sa.func.count()).select_from(PlanItem)) == 0:
        raise RuntimeError("no roadmap plan items: run `partnercrm seed` first")
    organizations = {o.code: o for o in db.session.scalars(sa.select(Organization))}
    added = {"organizations": 0, "users": 0}
    for code, kind, municipality, name, short_name, inn, address, industry in ORGANIZATIONS:
        if code in organizations:
            continue
        organizations[code] = Organization(
            code=code,
            kind=kind,
            municipality=municipalities[municipality],
            name=name,
            short_name=short_name,
            inn=inn,
            address=address,
            industry=industry,
            approval_state=ApprovalState.APPROVED if kind is K.EMPLOYER else None,
        )
        db.session.add(organizations[code])
        added["organizations"] += 1
    db.session.flush()
    existing = set(db.session.scalars(sa.select(User.email)))
    for email, full_name, role, org_code, municipality_name in DEMO_ACCOUNTS:
        if email in existing:
            continue
        accounts.create_user(
            email=email,
            full_name=full_name,
            role=role,
            organization=organizations[org_code] if org_code else None,
            municipality=municipalities[municipality_name] if municipality_name else None,
            password=DEMO_PASSWORD,
        )
        added["users"] += 1
    added["students"] = _load_students(organizations)
    added.update(_load_activities(organizations))
    added.update(load_demo_registration(DEMO_PASSWORD))
    added.update(load_demo_jobs())
    added.update(load_demo_offers())
    added.update(load_demo_agreements())
    added.update(load_demo_monitoring(SCHOOL_YEAR))
    added.update(load_demo_levels(SCHOOL_YEAR))
    added.update(load_demo_series(SCHOOL_YEAR))
    return added


# --- the school year 2025/26: rosters ---

SCHOOL_YEAR = 2025  # 2025/26: September 2025 – May 2026, camp shifts in June 2026
# Every run draws the same people from the same seed.
DEMO_SEED = "partnercrm-demo-2025/26"

# The classes of each demo school in the school year 2025/26, and how many students they have
# (a range; the seed picks). Demo classes are smaller than real ones, to keep the demo light.
ROSTERS: dict[str, tuple[tuple[str, ...], tuple[int, int]]] = {
    "school-kgd-49": (("5А", "5Б", "6А", "7А", "8А", "8Б", "9А", "9Б", "10А", "11А"), (9, 13)),
    "school-kgd-lyceum-18": (("7А", "8А", "9А", "9Б", "10А", "11А"), (12, 16)),
    "school-sov-4": (("5А", "6А", "7А", "8А", "9А", "10А", "11А"), (9, 13)),
    "school-gus-1": (("5А", "6А", "7А", "8А", "9А", "9Б", "10А", "11А"), (9, 13)),
}

# Surnames in the masculine form; _surname() gives the feminine one.
SURNAMES = (
    "Иванов",
    "Смирнов",
    "Кузнецов",
    "Попов",
    "Васильев",
    "Петров",
    "Соколов",
    "Михайлов",
    "Новиков",
    "Фёдоров",
    "Морозов",
    "Волков",
    "Алексеев",
    "Лебедев",
    "Семёнов",
    "Егоров",
    "Павлов",
    "Козлов",
    "Степанов",
    "Николаев",
    "Орлов",
    "Андреев",
    "Макаров",
    "Никитин",
    "Захаров",
    "Зайцев",
    "Соловьёв",
    "Борисов",
    "Яковлев",
    "Григорьев",
    "Романов",
    "Воробьёв",
    "Сергеев",
    "Кузьмин",
    "Фролов",
    "Александров",
    "Дмитриев",
    "Королёв",
    "Гусев",
    "Киселёв",
    "Ильин",
    "Максимов",
    "Поляков",
    "Сорокин",
    "Виноградов",
    "Ковалёв",
    "Белов",
    "Медведев",
    "Антонов",
    "Тарасов",
    "Жуков",
    "Баранов",
    "Филиппов",
    "Комаров",
    "Давыдов",
    "Беляев",
    "Герасимов",
    "Богданов",
    "Осипов",
    "Сидоров",
    "Матвеев",
    "Титов",
    "Марков",
    "Миронов",
    "Крылов",
    "Куликов",
    "Карпов",
    "Власов",
    "Мельников",
    "Денисов",
    "Гаврилов",
    "Тихонов",
    "Казаков",
    "Афанасьев",
    "Данилов",
    "Савельев",
    "Тимофеев",
    "Фомин",
    "Чернов",
    "Абрамов",
    "Мартынов",
    "Ефимов",
    "Федотов",
    "Щербаков",
    "Назаров",
    "Калинин",
    "Исаев",
    "Чернышёв",
    "Быков",
    "Маслов",
    "Родионов",
    "Коновалов",
    "Лазарев",
    "Воронин",
    "Климов",
    "Филатов",
    "Пономарёв",
    "Голубев",
    "Кудрявцев",
    "Прохоров",
    "Наумов",
    "Потапов",
    "Журавлёв",
    "Овчинников",
    "Островский",
    "Савицкий",
    "Высоцкий",
    "Жуковский",
    "Шевченко",
    "Бондаренко",
    "Коваленко",
    "Ткаченко",
    "Кравченко",
    "Кравчук",
    "Мельник",
    "Полищук",
    "Гайдук",
    "Ковальчук",
)
BOYS_NAMES = (
    "Александр",
    "Дмитрий",
    "Максим",
    "Артём",
    "Иван",
    "Михаил",
    "Кирилл",
    "Никита",
    "Матвей",
    "Егор",
    "Андрей",
    "Илья",
    "Алексей",
    "Роман",
    "Сергей",
    "Владислав",
    "Даниил",
    "Тимофей",
    "Ярослав",
    "Павел",
    "Глеб",
    "Денис",
    "Арсений",
    "Марк",
    "Лев",
    "Фёдор",
    "Степан",
    "Николай",
    "Георгий",
    "Константин",
    "Захар",
    "Богдан",
    "Тимур",
    "Семён",
    "Евгений",
)
GIRLS_NAMES = (
    "Анастасия",
    "Мария",
    "Дарья",
    "Анна",
    "Елизавета",
    "Полина",
    "Виктория",
    "Екатерина",
    "Софья",
    "Александра",
    "Варвара",
    "Ксения",
    "Алиса",
    "Вероника",
    "Арина",
    "Валерия",
    "Ульяна",
    "Милана",
    "Ева",
    "Кристина",
    "Алёна",
    "Таисия",
    "Василиса",
    "Вера",
    "Ольга",
    "Евгения",
    "Юлия",
    "Маргарита",
    "Татьяна",
    "Диана",
    "Злата",
    "Есения",
    "Мирослава",
)
# Patronymics from the fathers' names: (a son's, a daughter's).
PATRONYMICS = (
    ("Александрович", "Александровна"),
    ("Дмитриевич", "Дмитриевна"),
    ("Сергеевич", "Сергеевна"),
    ("Андреевич", "Андреевна"),
    ("Алексеевич", "Алексеевна"),
    ("Игоревич", "Игоревна"),
    ("Николаевич", "Николаевна"),
    ("Михайлович", "Михайловна"),
    ("Ильич", "Ильинична"),
    ("Никитич", "Никитична"),
    ("Павлович", "Павловна"),
    ("Владимирович", "Владимировна"),
    ("Евгеньевич", "Евгеньевна"),
    ("Олегович", "Олеговна"),
    ("Юрьевич", "Юрьевна"),
    ("Викторович", "Викторовна"),
    ("Романович", "Романовна"),
    ("Максимович", "Максимовна"),
    ("Антонович", "Антоновна"),
    ("Денисович", "Денисовна"),
    ("Вадимович", "Вадимовна"),
    ("Константинович", "Константиновна"),
    ("Артёмович", "Артёмовна"),
    ("Иванович", "Ивановна"),
    ("Петрович", "Петровна"),
    ("Васильевич", "Васильевна"),
    ("Анатольевич", "Анатольевна"),
    ("Георгиевич", "Георгиевна"),
    ("Вячеславович", "Вячеславовна"),
    ("Станиславович", "Станиславовна"),
    ("Валерьевич", "Валерьевна"),
    ("Геннадьевич", "Геннадьевна"),
    ("Эдуардович", "Эдуардовна"),
)


def _surname(masculine: str, girl: bool) -> str:
    """The feminine form where Russian has one (Иванов → Иванова, Островский → Островская);
    Ukrainian surnames in -ко, -ук, -ик are the same for both."""
    if not girl:
        return masculine
    if masculine.endswith(("ский", "цкий")):
        return masculine[:-2] + "ая"
    if masculine.endswith(("ов", "ев", "ёв", "ин", "ын")):
        return masculine + "а"
    return masculine


def _birth_date(rnd: random.Random, grade: int) -> date:
    """Born so as to be in ``grade`` in 2025/26: first graders of September 2025 were six and
    a half to seven and a half (born March 2018 – February 2019)."""
    first = date(SCHOOL_YEAR - 6 - grade, 3, 1)
    return first + timedelta(days=rnd.randrange(365))


def demo_roster(code: str) -> list[tuple[StudentData, bool]]:
    """The students of one demo school, each with whether they have left (archived): the same
    list on every run."""
    rnd = random.Random(f"{DEMO_SEED}/{code}")
    classes, (smallest, largest) = ROSTERS[code]
    students: list[StudentData] = []
    names: set[str] = set()
    for class_name in classes:
        grade, letter = int(class_name[:-1]), class_name[-1]
        for _ in range(rnd.randint(smallest, largest)):
            girl = rnd.random() < 0.5
            full_name = ""
            while not full_name or full_name in names:
                full_name = " ".join(
                    (
                        _surname(rnd.choice(SURNAMES), girl),
                        rnd.choice(GIRLS_NAMES if girl else BOYS_NAMES),
                        rnd.choice(PATRONYMICS)[1 if girl else 0],
                    )
                )
            names.add(full_name)
            birth_date = _birth_date(rnd, grade) if rnd.random() < 0.9 else None
            ovz = rnd.random() < 0.04
            students.append(
                StudentData(
                    local_id=f"{len(students) + 1:04d}",  # the school's own numbering
                    full_name=full_name,
                    grade=grade,
                    class_letter=letter,
                    birth_date=birth_date,
                    ovz=ovz,
                )
            )
    # One student of each school has left it: the roster's archive is not empty either.
    leaver = rnd.randrange(len(students))
    return [(student, index == leaver) for index, student in enumerate(students)]


def _load_students(organizations: dict[str, Organization]) -> int:
    added = 0
    for code in ROSTERS:
        school = organizations[code]
        existing = set(
            db.session.scalars(sa.select(Student.local_id).where(Student.school_id == school.id))
        )
        for data, archived in demo_roster(code):
            if data.local_id in existing:
                continue
            student = create_student(school, data)
            if archived:
                set_archived(student, True)
            added += 1
    return added


# --- the school year 2025/26: activities and participation ---

A = ActivityKind
ST = ActivityStatus
S49, L18, SOV, GUS = "school-kgd-49", "school-kgd-lyceum-18", "school-sov-4", "school-gus-1"
KST, SPK, BFU = "college-kppk", "college-sov-tech", "university-bfu"
BSZ, YSOFT, MILK, AGRO = "3906001129", "3905002345", "3912003452", "3914004564"
CZN, CAMP = "czn-kaliningrad", "camp-yantarny"


@dataclass(frozen=True)
class Named:
    """Named participants of ``school``: a whole class (minus the day's absentees), or
    ``size`` students of it."""

    school: str
    class_name: str
    size: int | None = None


@dataclass(frozen=True)
class Counted:
    """A headcount: ``count`` students of ``school`` (of ``grade``; None: grade not given)."""

    school: str
    grade: int | None
    count: int
    ovz: int = 0


@dataclass(frozen=True)
class DemoActivity:
    ref: str
    kind: ActivityKind
    title: str
    host: str
    organizer: str
    # A timed activity: local start and duration in minutes; a camp shift: first and last day.
    starts: datetime | None = None
    minutes: int | None = None
    days: tuple[date, date] | None = None
    status: ActivityStatus = ActivityStatus.HELD
    public: bool = False
    description: str | None = None
    schools: tuple[str, ...] = ()
    named: tuple[Named, ...] = ()
    counted: tuple[Counted, ...] = ()
    # Parent meetings: presenters, parents, professions. Camp shifts: type, theme, capacity.
    presenters: tuple[str, ...] = ()
    parents: int | None = None
    professions: str | None = None
    camp: tuple[CampType, str, int] | None = None


def _at(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    year = SCHOOL_YEAR if month >= 9 else SCHOOL_YEAR + 1
    return datetime(year, month, day, hour, minute)


ACTIVITIES: tuple[DemoActivity, ...] = (
    DemoActivity(
        "demo-2025-exc-bsz-49",
        A.EXCURSION,
        "Экскурсия на Балтийский судостроительный завод",
        BSZ,
        S49,
        _at(9, 24, 10),
        150,
        description="Корпусный цех и достроечная набережная; встреча с молодыми специалистами.",
        named=(Named(S49, "8А"),),
    ),
    DemoActivity(
        "demo-2025-exc-agro-gus",
        A.EXCURSION,
        "Экскурсия в Гусевскую агрофирму: современная молочная ферма",
        AGRO,
        GUS,
        _at(10, 1, 11),
        150,
        named=(Named(GUS, "9А"), Named(GUS, "9Б", 8)),
    ),
    DemoActivity(
        "demo-2025-exc-ysoft-l18",
        A.EXCURSION,
        "Экскурсия в IT-компанию «Янтарь-Софт»",
        YSOFT,
        L18,
        _at(10, 9, 15),
        90,
        description="Как устроена разработка: аналитики, программисты, тестировщики.",
        named=(Named(L18, "10А"),),
    ),
    DemoActivity(
        "demo-2025-exc-milk-sov",
        A.EXCURSION,
        "Экскурсия на Советский молочный комбинат",
        MILK,
        SOV,
        _at(10, 16, 10),
        120,
        named=(Named(SOV, "7А"), Named(SOV, "8А", 6)),
    ),
    DemoActivity(
        "demo-2025-pm-49-autumn",
        A.PARENT_MEETING,
        "Родительское собрание «Профессии морского кластера и IT» (8–9 классы)",
        S49,
        S49,
        _at(10, 23, 18, 30),
        90,
        presenters=(BSZ, YSOFT),
        parents=52,
        professions="судосборщик-достроечник; электросварщик; инженер-конструктор; "
        "программист; тестировщик программного обеспечения",
    ),
    DemoActivity(
        "demo-2025-open-kst-autumn",
        A.OPEN_DAY,
        "День открытых дверей Колледжа сервиса и туризма",
        KST,
        KST,
        _at(11, 15, 11),
        180,
        public=True,
        description="Мастер-классы по специальностям «Поварское и кондитерское дело», "
        "«Туризм и гостеприимство», «Парикмахерское искусство».",
        named=(Named(S49, "9Б", 10),),
        counted=(Counted(L18, 9, 14, 1),),
    ),
    DemoActivity(
        "demo-2025-pp-kst-cook",
        A.PROFPROBA,
        "Профпроба «Повар-кондитер» («Билет в будущее»)",
        KST,
        KST,
        _at(11, 27, 15),
        120,
        named=(Named(S49, "8Б", 8),),
    ),
    DemoActivity(
        "demo-2025-open-bfu",
        A.OPEN_DAY,
        "День открытых дверей БФУ им. И. Канта",
        BFU,
        BFU,
        _at(12, 6, 11),
        240,
        public=True,
        named=(Named(L18, "11А"),),
        counted=(Counted(S49, 11, 9), Counted(SOV, 11, 5)),
    ),
    DemoActivity(
        "demo-2025-exc-ysoft-49",
        A.EXCURSION,
        "Экскурсия в «Янтарь-Софт» (7 класс)",
        YSOFT,
        S49,
        _at(12, 10, 14),
        90,
        status=ST.CANCELLED,
        description="Отменена: карантин по гриппу в 7-х классах.",
        schools=(S49,),
    ),
    DemoActivity(
        "demo-2025-pm-sov-winter",
        A.PARENT_MEETING,
        "Родительское собрание «Рабочие профессии Советского городского округа»",
        SOV,
        SOV,
        _at(1, 22, 18),
        90,
        presenters=(MILK, SPK, CZN),
        parents=37,
        professions="оператор линии производства молочной продукции; технолог; сварщик; "
        "электромонтёр; автомеханик",
    ),
    DemoActivity(
        "demo-2025-exc-spk-sov",
        A.EXCURSION,
        "Экскурсия в мастерские Советского политехнического колледжа",
        SPK,
        SOV,
        _at(1, 28, 10),
        120,
        named=(Named(SOV, "9А"),),
    ),
    DemoActivity(
        "demo-2025-pp-ysoft-web",
        A.PROFPROBA,
        "Профпроба «Разработчик веб-приложений»",
        YSOFT,
        YSOFT,
        _at(2, 4, 15),
        150,
        named=(Named(L18, "9А", 7), Named(L18, "9Б", 5)),
    ),
    DemoActivity(
        "demo-2025-exc-bfu-labs",
        A.EXCURSION,
        "Экскурсия в лаборатории Института физико-математических наук и IT БФУ",
        BFU,
        L18,
        _at(2, 11, 14),
        120,
        named=(Named(L18, "10А", 12),),
    ),
    DemoActivity(
        "demo-2025-pp-spk-weld",
        A.PROFPROBA,
        "Профпроба «Сварщик»",
        SPK,
        SPK,
        _at(2, 19, 14),
        120,
        named=(Named(SOV, "8А", 6),),
        counted=(Counted(GUS, 9, 4),),
    ),
    DemoActivity(
        "demo-2025-exc-bsz-gus",
        A.EXCURSION,
        "Экскурсия на Балтийский судостроительный завод (10 класс)",
        BSZ,
        GUS,
        _at(2, 26, 10),
        150,
        status=ST.CANCELLED,
        description="Отменена: не выделен транспорт; перенос на следующий учебный год.",
        schools=(GUS,),
    ),
    DemoActivity(
        "demo-2025-career-czn-fair",
        A.CAREER_EVENT,
        "Ярмарка профессий «Твой выбор — твоё будущее»",
        CZN,
        CZN,
        _at(3, 5, 11),
        180,
        public=True,
        counted=(Counted(S49, 9, 21, 1), Counted(S49, 10, 15), Counted(L18, 10, 18)),
    ),
    DemoActivity(
        "demo-2025-pm-gus-spring",
        A.PARENT_MEETING,
        "Родительское собрание «Профессии агропромышленного комплекса»",
        GUS,
        GUS,
        _at(3, 12, 18),
        90,
        presenters=(AGRO, CZN),
        parents=29,
        professions="агроном; ветеринарный фельдшер; тракторист-машинист; "
        "оператор животноводческого комплекса",
    ),
    DemoActivity(
        "demo-2025-open-spk",
        A.OPEN_DAY,
        "День открытых дверей Советского политехнического колледжа",
        SPK,
        SPK,
        _at(3, 21, 11),
        180,
        public=True,
        named=(Named(GUS, "9Б", 6),),
        counted=(Counted(SOV, 9, 17, 1), Counted(SOV, 11, 6)),
    ),
    DemoActivity(
        "demo-2025-career-bfu-quest",
        A.CAREER_EVENT,
        "Профориентационный квест «Профессии будущего»",
        BFU,
        BFU,
        _at(4, 8, 14),
        180,
        public=True,
        named=(Named(L18, "8А"), Named(S49, "8А", 10)),
    ),
    DemoActivity(
        "demo-2025-career-49-alumni",
        A.CAREER_EVENT,
        "Встреча с выпускниками «Моя профессия»",
        S49,
        S49,
        _at(4, 16, 13),
        90,
        named=(Named(S49, "10А"), Named(S49, "11А")),
    ),
    DemoActivity(
        "demo-2025-exc-agro-gus-6",
        A.EXCURSION,
        "Экскурсия на поля и в тепличный комплекс агрофирмы",
        AGRO,
        GUS,
        _at(4, 23, 10),
        150,
        named=(Named(GUS, "6А"), Named(GUS, "7А", 5)),
    ),
    DemoActivity(
        "demo-2025-exc-milk-sov-5",
        A.EXCURSION,
        "Экскурсия «Откуда берётся молоко» (5 класс)",
        MILK,
        SOV,
        _at(5, 13, 10),
        90,
        status=ST.PLANNED,
        schools=(SOV,),
    ),
    DemoActivity(
        "demo-2025-pm-l18-spring",
        A.PARENT_MEETING,
        "Родительское собрание «Выбор профиля и поступление» (9 классы)",
        L18,
        L18,
        _at(5, 14, 18, 30),
        90,
        status=ST.PLANNED,
        presenters=(BFU, KST),
    ),
    DemoActivity(
        "demo-2025-open-kst-spring",
        A.OPEN_DAY,
        "Весенний день открытых дверей Колледжа сервиса и туризма",
        KST,
        KST,
        _at(5, 16, 11),
        180,
        status=ST.PLANNED,
        public=True,
    ),
    DemoActivity(
        "demo-2025-pp-bsz",
        A.PROFPROBA,
        "Профпроба «Судосборщик-достроечник»",
        BSZ,
        BSZ,
        _at(5, 20, 10),
        180,
        status=ST.PLANNED,
        schools=(S49,),
    ),
    DemoActivity(
        "demo-2025-camp-yantarny",
        A.CAMP_SHIFT,
        "Профильная смена «Инженеры будущего»",
        CAMP,
        CAMP,
        days=(date(SCHOOL_YEAR + 1, 6, 2), date(SCHOOL_YEAR + 1, 6, 22)),
        status=ST.PLANNED,
        public=True,
        camp=(CampType.COUNTRY, "Инженерные и IT-профессии", 120),
        named=(Named(S49, "7А", 6), Named(SOV, "7А", 5), Named(L18, "8А", 4)),
    ),
    DemoActivity(
        "demo-2025-camp-gus-school",
        A.CAMP_SHIFT,
        "Пришкольный лагерь «Радуга»: смена «Город мастеров»",
        GUS,
        GUS,
        days=(date(SCHOOL_YEAR + 1, 6, 1), date(SCHOOL_YEAR + 1, 6, 19)),
        status=ST.PLANNED,
        camp=(CampType.SCHOOL, "Профессии родного края", 40),
        named=(Named(GUS, "5А"), Named(GUS, "6А", 8)),
    ),
)


Classes = dict[tuple[int, int, str], list[Student]]


def _current_classes(organizations: dict[str, Organization]) -> Classes:
    """The demo schools' current students by (school id, grade, letter), in roster order."""
    classes: Classes = {}
    for student in db.session.scalars(
        sa.select(Student)
        .where(
            Student.school_id.in_([organizations[code].id for code in ROSTERS]),
            Student.archived_at.is_(None),
        )
        .order_by(Student.school_id, Student.local_id)
    ):
        key = (student.school_id, student.grade, student.class_letter or "")
        classes.setdefault(key, []).append(student)
    return classes


def _participants(ref: str, school: Organization, spec: Named, classes: Classes) -> list[Student]:
    grade, letter = int(spec.class_name[:-1]), spec.class_name[-1]
    members = classes.get((school.id, grade, letter), [])
    rnd = random.Random(f"{DEMO_SEED}/{ref}/{spec.school}/{spec.class_name}")
    size = spec.size if spec.size is not None else len(members) - rnd.randint(0, 2)
    return rnd.sample(members, max(0, min(size, len(members))))


def _ahead(demo: DemoActivity, weeks: int) -> DemoActivity:
    """``demo`` moved after the day the demo is loaded: a camp shift to the same days of the
    next summer, anything else ``weeks`` weeks ahead at its time of day."""
    today = local_today()
    if demo.days is not None:
        first, last = demo.days
        year = today.year if first.replace(year=today.year) > today else today.year + 1
        return replace(demo, days=(first.replace(year=year), last.replace(year=year)))
    first = today + timedelta(weeks=weeks)
    assert demo.starts is not None, "a demo activity has days or a start"
    return replace(demo, starts=datetime.combine(first, demo.starts.time()))


def _load_activities(organizations: dict[str, Organization]) -> dict[str, int]:
    added = {"activities": 0, "named participants": 0, "headcounts": 0}
    refs = [demo.ref for demo in ACTIVITIES]
    existing = set(db.session.scalars(sa.select(Activity.ref).where(Activity.ref.in_(refs))))
    missing = [demo for demo in ACTIVITIES if demo.ref not in existing]
    if not missing:
        return added
    classes = _current_classes(organizations)
    # Each activity is entered by the demo account of its organizer, where there is one.
    staff = {
        user.organization_id: user
        for user in db.session.scalars(
            sa.select(User).where(User.email.in_([a[0] for a in DEMO_ACCOUNTS]))
        )
        if user.organization_id is not None
    }
    org = organizations
    planned = [demo for demo in ACTIVITIES if demo.status is ActivityStatus.PLANNED]
    for demo in missing:
        if demo.status is ActivityStatus.PLANNED:
            # Planned activities lie ahead of the day the demo is loaded, a week apart.
            demo = _ahead(demo, weeks=planned.index(demo) + 1)
        data = ActivityData(
            kind=demo.kind,
            title=demo.title,
            host=org[demo.host],
            organizer=org[demo.organizer],
            location=org[demo.host].address,
            description=demo.description,
            schools=[org[code] for code in demo.schools],
            status=demo.status,
            public=demo.public,
            ref=demo.ref,
        )
        if demo.days is not None:
            data.first_day, data.last_day = demo.days
        else:
            assert demo.starts is not None and demo.minutes is not None, "days or a timed start"
            data.starts_at = to_utc(demo.starts)
            data.ends_at = to_utc(demo.starts + timedelta(minutes=demo.minutes))
        activity = create_activity(data, created_by=staff.get(org[demo.organizer].id))
        added["activities"] += 1
        if demo.kind is ActivityKind.PARENT_MEETING:
            set_parent_meeting_details(
                activity,
                parents_count=demo.parents,
                professions=demo.professions,
                presenters=[org[code] for code in demo.presenters],
            )
        if demo.camp is not None:
            camp_type, theme, capacity = demo.camp
            set_camp_shift_details(activity, camp_type=camp_type, theme=theme, capacity=capacity)
        named_by_school: dict[str, list[Student]] = {}
        for spec in demo.named:
            named_by_school.setdefault(spec.school, []).extend(
                _participants(demo.ref, org[spec.school], spec, classes)
            )
        for code, students in named_by_school.items():
            set_named_participants(activity, org[code], students)
            added["named participants"] += len(students)
        for count in demo.counted:
            set_headcount(
                activity,
                org[count.school],
                grade=count.grade,
                count=count.count,
                ovz_count=count.ovz,
            )
            added["headcounts"] += 1
    return added
