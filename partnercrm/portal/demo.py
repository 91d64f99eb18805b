"""Demo data of employer registration: one confirmed application awaiting the coordinator of
Kaliningrad, so the approval queue of the demo is not empty. It goes through the same services
as a real sign-up."""

from __future__ import annotations

import sqlalchemy as sa

from partnercrm.directory.models import Municipality
from partnercrm.extensions import db
from partnercrm.portal import services

DEMO_INN = "3906073814"


def load_demo_registration(password: str) -> dict[str, int]:
    """Add the application (its account has ``password``) if its INN is not known yet; the
    caller commits."""
    if services.organization_with_inn(DEMO_INN) is not None:
        return {"employer registrations": 0}
    municipality = db.session.scalars(
        sa.select(Municipality).where(Municipality.name == "Калининград")
    ).one()
    answer = services.sign_up(
        services.SignUpData(
            name="ООО «Балтийская логистическая компания»",
            inn=DEMO_INN,
            municipality=municipality,
            industry="Транспорт и логистика",
            address="г. Калининград, ул. Портовая, 24",
            website="https://baltlog.example",
            full_name="Орлова Анна Петровна",
            position="Менеджер по персоналу",
            phone="+7 4012 55-01-24",
            email="applicant@demo.partnercrm.ru",
            password=password,
        )
    )
    if answer.registration is None:  # its e-mail has an account already
        return {"employer registrations": 0}
    services.confirm(answer.registration)
    return {"employer registrations": 1}
