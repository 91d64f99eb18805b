"""Demo monitoring: the ministry (admin@) collects the year's indicators; Калининград's
coordinator (coordinator@) submitted the municipality's report and the ministry returned it
for correction with a reason, so the campaign, the returned report and its resubmission can be
shown. Idempotent: the campaign is found again by its year.
"""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa

from partnercrm.accounts.models import User
from partnercrm.extensions import db
from partnercrm.localtime import local_today
from partnercrm.monitoring import services
from partnercrm.monitoring.models import MonitoringCampaign

ADMIN_USER = "admin@demo.partnercrm.ru"
COORDINATOR_USER = "coordinator@demo.partnercrm.ru"
RETURN_REASON = (
    "Проверьте показатель 2: экскурсия на судозавод в сентябре не отмечена как проведённая. "
    "Исправьте и отправьте отчёт снова."
)


def load_demo_monitoring(year: int, today: date | None = None) -> dict[str, int]:
    """Open the campaign of ``year`` with a returned report of the demo coordinator's
    municipality; the caller commits. Needs the demo accounts."""
    today = today or local_today()
    admin = db.session.scalar(sa.select(User).where(User.email == ADMIN_USER))
    coordinator = db.session.scalar(sa.select(User).where(User.email == COORDINATOR_USER))
    added = {"monitoring campaigns": 0, "returned reports": 0}
    if admin is None or coordinator is None or coordinator.municipality_id is None:
        return added
    exists = db.session.scalar(
        sa.select(MonitoringCampaign.id).where(MonitoringCampaign.year == year)
    )
    if exists is not None:
        return added
    campaign = services.open_campaign(year, today + timedelta(days=30), admin)
    added["monitoring campaigns"] = 1
    report = services.submit_report(
        campaign, coordinator.municipality_id, coordinator, "Данные сверены со школами."
    )
    services.reopen_report(report, admin, RETURN_REASON)
    added["returned reports"] = 1
    return added
