"""The race of issue #14 (item 12): an agreement's number is unique among a party's agreements
under concurrency. Two saves of one number for one party at the same moment — two forms, or a
form beside an import — make one agreement and one refusal ("already exists"), never two
agreements and never an error.

Threads with their own app context and session, as tests/test_booking_race.py; file SQLite
always, PostgreSQL when ``TEST_DATABASE_URL`` is set. Both threads pass the check (the SELECT
before the insert) before either writes — a barrier right after it — so only the database's
key on (party, number) can refuse the second.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa

from partnercrm.agreements import importer, services
from partnercrm.agreements.models import Agreement, AgreementParty
from partnercrm.app import create_app
from partnercrm.directory.models import Organization
from partnercrm.directory.rules import OrganizationKind
from partnercrm.extensions import db
from partnercrm.imports.readers import read_table
from partnercrm.imports.services import run_import
from tests.factories import MunicipalityFactory, OrganizationFactory
from tests.test_booking_race import race_url  # noqa: F401 (the database fixture)

NUMBER = "12/2026"
TAKEN = "already exists"


@pytest.fixture
def race_app(race_url):  # noqa: F811
    """An app on the race database with a school (code SCH) and two employers (EMP1, EMP2)."""
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": race_url,
            "RATELIMIT_STORAGE_URI": "memory://",
            "MAIL_BACKEND": "locmem",
        }
    )
    with app.app_context():
        db.create_all()
        municipality = MunicipalityFactory()
        for code, kind in (
            ("SCH", OrganizationKind.SCHOOL),
            ("EMP1", OrganizationKind.EMPLOYER),
            ("EMP2", OrganizationKind.EMPLOYER),
        ):
            OrganizationFactory(kind=kind, code=code, municipality=municipality)
        db.session.commit()
    yield app
    with app.app_context():
        db.engine.dispose()


def _after(function, barrier: threading.Barrier):
    """``function`` that, once called, waits until every party of ``barrier`` has called."""

    def waiting(*args, **kwargs):
        result = function(*args, **kwargs)
        barrier.wait(timeout=30)
        return result

    return waiting


def organizations(*codes: str) -> list[Organization]:
    return [
        db.session.scalars(sa.select(Organization).where(Organization.code == code)).one()
        for code in codes
    ]


def form_save(app, codes: tuple[str, ...], subject: str) -> str:
    """What the agreement form's service call does, in a request of its own."""
    with app.app_context():
        try:
            data = services.AgreementData(
                number=NUMBER,
                subject=subject,
                parties=[(organization, None) for organization in organizations(*codes)],
            )
            services.create_agreement(data)
            db.session.commit()
            return "created"
        except services.AgreementError as error:
            db.session.rollback()
            return error.message
        finally:
            db.session.remove()


def file_import(app, codes: tuple[str, ...]) -> str:
    """``partnercrm import agreements`` of a one-row file."""
    text = f"number,parties,subject\n{NUMBER},{';'.join(codes)},Импорт\n"
    with app.app_context():
        try:
            result = run_import("agreements", read_table(text.encode("utf-8")))
            if result.errors:
                db.session.rollback()
                return "; ".join(error.message for error in result.errors)
            db.session.commit()
            return "created"
        finally:
            db.session.remove()


def stored(app) -> list[tuple[str, list[str]]]:
    with app.app_context():
        rows = [
            (
                agreement.number,
                sorted(
                    db.session.scalars(
                        sa.select(Organization.code)
                        .join(AgreementParty, AgreementParty.organization_id == Organization.id)
                        .where(AgreementParty.agreement_id == agreement.id)
                    )
                ),
            )
            for agreement in db.session.scalars(sa.select(Agreement))
        ]
        db.session.remove()
    return rows


def test_two_forms_saving_one_number_at_once_make_one_agreement(race_app, monkeypatch):
    monkeypatch.setattr(
        services, "find_by_number", _after(services.find_by_number, threading.Barrier(2))
    )
    with ThreadPoolExecutor(2) as pool:
        results = list(
            pool.map(
                lambda args: form_save(race_app, *args),
                [(("SCH", "EMP1"), "Первая"), (("SCH", "EMP2"), "Вторая")],
            )
        )
    assert sorted(results) == sorted(["created", services.NUMBER_TAKEN]), results
    assert len(stored(race_app)) == 1


def test_a_form_beside_an_import_of_one_number_make_one_agreement(race_app, monkeypatch):
    # The form checks with find_by_number, the import reads existing agreements in bulk: each
    # waits there for the other.
    barrier = threading.Barrier(2)
    monkeypatch.setattr(services, "find_by_number", _after(services.find_by_number, barrier))
    monkeypatch.setattr(importer, "_existing", _after(importer._existing, barrier))
    with ThreadPoolExecutor(2) as pool:
        form = pool.submit(form_save, race_app, ("SCH", "EMP1"), "Форма")
        imported = pool.submit(file_import, race_app, ("SCH", "EMP2"))
        results = [form.result(), imported.result()]
    assert results.count("created") == 1, results
    refusal = next(result for result in results if result != "created")
    assert refusal in (services.NUMBER_TAKEN, importer.RUSSIAN[services.NUMBER_TAKEN]), refusal
    assert len(stored(race_app)) == 1


def test_the_key_follows_the_number_and_the_parties(race_app):
    """Every party row of an agreement the services wrote carries its number's key; changing
    the number or the parties keeps it so."""
    with race_app.app_context():
        school, first, second = organizations("SCH", "EMP1", "EMP2")
        data = services.AgreementData(
            number="  7  /  А ", subject="Договор", parties=[(school, None), (first, None)]
        )
        agreement = services.create_agreement(data)
        assert {party.number_key for party in agreement.parties} == {"7 / А"}
        data = services.data_of(agreement)
        data.number, data.parties = "8", [(school, None), (second, None)]
        services.update_agreement(agreement, data)
        db.session.commit()
        keys = db.session.execute(
            sa.select(AgreementParty.organization_id, AgreementParty.number_key)
        ).all()
        assert sorted(keys) == sorted([(school.id, "8"), (second.id, "8")])
        # The same number with other spacing is the same number for the key.
        clash = services.AgreementData(
            number="7 / А", subject="Другой", parties=[(school, None), (first, None)]
        )
        assert services.create_agreement(clash).number == "7 / А"  # "7  /  А" is gone
        db.session.commit()
        again = services.AgreementData(
            number="7   /   А", subject="Ещё", parties=[(first, None), (second, None)]
        )
        with pytest.raises(services.AgreementError, match=TAKEN):
            services.create_agreement(again)
        db.session.rollback()
        db.session.remove()
