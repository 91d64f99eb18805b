"""A small, believable demo data set (``partnercrm demo``); idempotent.

Organizations are fictional but shaped like the region's: schools, colleges, a university,
employers, the employment center, an education authority and a camp, in several municipalities.
"""

from __future__ import annotations

import sqlalchemy as sa

from partnercrm.accounts import services as accounts
from partnercrm.accounts.models import User
from partnercrm.accounts.rules import Role
from partnercrm.directory.models import Municipality, Organization
from partnercrm.directory.rules import ApprovalState, OrganizationKind
from partnercrm.extensions import db

# Shown on the login page in development only.
DEMO_PASSWORD = "demo-partnercrm"  # noqa: S105

K = OrganizationKind
ORGANIZATIONS = [
    # code, kind, municipality, name, short name, INN, address, industry
    ("school-kgd-49", K.SCHOOL, "Калининград",
     "МАОУ «Средняя общеобразовательная школа № 49»", "СОШ № 49", None,
     "г. Калининград, ул. Ломоносова, 10", None),
    ("school-kgd-lyceum-18", K.SCHOOL, "Калининград",
     "МАОУ «Лицей № 18»", "Лицей № 18", None, "г. Калининград, ул. Чайковского, 5", None),
    ("school-sov-4", K.SCHOOL, "Советский",
     "МАОУ «Средняя общеобразовательная школа № 4»", "СОШ № 4 (Советск)", None,
     "г. Советск, ул. Победы, 3", None),
    ("school-gus-1", K.SCHOOL, "Гусевский",
     "МАОУ «Гимназия № 1 г. Гусева»", "Гимназия № 1 (Гусев)", None,
     "г. Гусев, ул. Московская, 7", None),
    ("college-kppk", K.COLLEGE, "Калининград",
     "ГБУ КО ПОО «Колледж сервиса и туризма»", "Колледж сервиса и туризма", None,
     "г. Калининград, ул. Горького, 96", None),
    ("college-sov-tech", K.COLLEGE, "Советский",
     "ГБУ КО ПОО «Советский политехнический колледж»", "Советский политехнический колледж",
     None, "г. Советск, ул. Искры, 17", None),
    ("university-bfu", K.UNIVERSITY, "Калининград",
     "ФГАОУ ВО «Балтийский федеральный университет имени Иммануила Канта»", "БФУ им. И. Канта",
     None, "г. Калининград, ул. А. Невского, 14", None),
    ("3906001129", K.EMPLOYER, "Калининград",
     "АО «Балтийский судостроительный завод»", "Балтийский судозавод", "3906001129",
     "г. Калининград, ул. Транспортная, 1", "Судостроение"),
    ("3905002345", K.EMPLOYER, "Калининград",
     "ООО «Янтарь-Софт»", "Янтарь-Софт", "3905002345",
     "г. Калининград, Ленинский пр-т, 30", "Информационные технологии"),
    ("3912003452", K.EMPLOYER, "Советский",
     "ООО «Советский молочный комбинат»", "Молкомбинат", "3912003452",
     "г. Советск, ул. Гагарина, 44", "Пищевая промышленность"),
    ("3914004564", K.EMPLOYER, "Гусевский",
     "ООО «Гусевская агрофирма»", "Гусевская агрофирма", "3914004564",
     "Гусевский район, пос. Михайлово", "Сельское хозяйство"),
    ("czn-kaliningrad", K.EMPLOYMENT_CENTER, "Калининград",
     "ГКУ КО «Центр занятости населения Калининградской области»", "ЦЗН", None,
     "г. Калининград, ул. Чапаева, 1", None),
    ("authority-minobr", K.AUTHORITY, "Калининград",
     "Министерство образования Калининградской области", "Минобразования", None,
     "г. Калининград, ул. Томская, 19", None),
    ("camp-yantarny", K.CAMP, "Зеленоградский",
     "ГАУ КО «Детский оздоровительный лагерь «Янтарный берег»", "Лагерь «Янтарный берег»", None,
     "Зеленоградский район, пос. Лесной", None),
]

# email, full name, role, organization code or None, municipality name or None
DEMO_ACCOUNTS = [
    ("admin@demo.partnercrm.ru", "Иванова Елена Сергеевна", Role.ADMIN, None, None),
    ("coordinator@demo.partnercrm.ru", "Петров Андрей Викторович", Role.COORDINATOR, None,
     "Калининград"),
    ("school@demo.partnercrm.ru", "Смирнова Ольга Николаевна", Role.SCHOOL, "school-kgd-49",
     None),
    ("college@demo.partnercrm.ru", "Кузнецов Игорь Павлович", Role.COLLEGE, "college-kppk",
     None),
    ("employer@demo.partnercrm.ru", "Соколова Марина Алексеевна", Role.EMPLOYER, "3906001129",
     None),
    ("czn@demo.partnercrm.ru", "Волков Денис Андреевич", Role.EMPLOYMENT_CENTER,
     "czn-kaliningrad", None),
]


def load_demo() -> dict[str, int]:
    """Create what is missing; the caller commits. Needs ``partnercrm seed`` first."""
    municipalities = {m.name: m for m in db.session.scalars(sa.select(Municipality))}
    if not municipalities:
        raise RuntimeError("no municipalities: run `partnercrm seed` first")
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
    for email, full_name, role, org_code, municipality in DEMO_ACCOUNTS:
        if email in existing:
            continue
        accounts.create_user(
            email=email,
            full_name=full_name,
            role=role,
            organization=organizations[org_code] if org_code else None,
            municipality=municipalities[municipality] if municipality else None,
            password=DEMO_PASSWORD,
        )
        added["users"] += 1
    return added
