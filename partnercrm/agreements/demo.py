"""Demo agreements: one in force, one expiring within 60 days (so the reminders and the
«expiring» filter show it) and one expired, each between a demo school and an employer, with a
scanned PDF and the demo activities carried out under it. Dates are relative to the day the
demo is loaded.

Idempotent: an agreement is found again by its number and parties.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa

from partnercrm import uploads
from partnercrm.activities.models import Activity
from partnercrm.agreements import services
from partnercrm.agreements.rules import CooperationKind
from partnercrm.directory.models import Organization
from partnercrm.extensions import db
from partnercrm.localtime import local_today

UPLOAD_AREA = "agreements"


@dataclass(frozen=True)
class DemoAgreement:
    number: str
    subject: str
    parties: tuple[str, str]  # organization codes: the school, the partner
    kinds: tuple[CooperationKind, ...]
    # Days from the load day: valid from, valid to.
    valid: tuple[int, int]
    activities: tuple[str, ...]  # refs of the demo activities carried out under it
    contact: str


DEMO_AGREEMENTS = (
    DemoAgreement(
        "14-ПО/2025",
        "Экскурсии и родительские собрания с мастерами судостроения",
        ("school-kgd-49", "3906001129"),
        (CooperationKind.EXCURSIONS, CooperationKind.PARENT_MEETINGS),
        (-120, 600),
        ("demo-2025-exc-bsz-49", "demo-2025-pm-49-autumn"),
        "Смирнова О. Н. (школа), Соколова М. А. (завод)",
    ),
    DemoAgreement(
        "7/2024",
        "Профориентация в IT: экскурсии и профпробы",
        ("school-kgd-lyceum-18", "3905002345"),
        (CooperationKind.EXCURSIONS, CooperationKind.PROFPROBES),
        (-400, 45),
        ("demo-2025-exc-ysoft-l18",),
        "Отдел кадров «Янтарь-Софт»",
    ),
    DemoAgreement(
        "3-СП",
        "Экскурсии на производство и временное трудоустройство",
        ("school-sov-4", "3912003452"),
        (CooperationKind.EXCURSIONS, CooperationKind.HOLIDAY_JOBS),
        (-760, -40),
        ("demo-2025-exc-milk-sov",),
        "Приёмная комбината",
    ),
)


def demo_pdf(title: str) -> bytes:
    """A one-page PDF standing for the scan of an agreement."""
    # Here, not at the top: the login page's demo card imports this module at every start.
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_metadata({"/Title": title})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def load_demo_agreements(today: date | None = None) -> dict[str, int]:
    """Create what is missing; the caller commits. Needs the demo organizations and
    activities."""
    today = today or local_today()
    added = {"agreements": 0, "agreement documents": 0, "linked activities": 0}
    codes = {code for demo in DEMO_AGREEMENTS for code in demo.parties}
    organizations = {
        o.code: o
        for o in db.session.scalars(sa.select(Organization).where(Organization.code.in_(codes)))
    }
    refs = [ref for demo in DEMO_AGREEMENTS for ref in demo.activities]
    activities = {
        a.ref: a for a in db.session.scalars(sa.select(Activity).where(Activity.ref.in_(refs)))
    }
    for demo in DEMO_AGREEMENTS:
        parties = [organizations.get(code) for code in demo.parties]
        if None in parties:
            continue
        present = [p for p in parties if p is not None]
        if services.find_by_number(demo.number, present) is not None:
            continue
        valid_from = today + timedelta(days=demo.valid[0])
        agreement = services.create_agreement(
            services.AgreementData(
                number=demo.number,
                subject=demo.subject,
                parties=[(present[0], "Школа"), (present[1], "Партнёр")],
                kinds=list(demo.kinds),
                signed_on=valid_from,
                valid_from=valid_from,
                valid_to=today + timedelta(days=demo.valid[1]),
                contact_persons=demo.contact,
            )
        )
        added["agreements"] += 1
        content = demo_pdf(f"Договор № {demo.number}")
        stored = uploads.store_bytes(content, UPLOAD_AREA)
        uploads.discard_on_rollback(UPLOAD_AREA, stored)
        services.add_document(agreement, stored, f"Договор {demo.number}.pdf", len(content), None)
        added["agreement documents"] += 1
        for ref in demo.activities:
            activity = activities.get(ref)
            if activity is not None and activity.agreement_id is None:
                services.link_activity(agreement, activity)
                added["linked activities"] += 1
    return added
