"""The agreements of an organization on the pages of lower packages — the directory's
organization page and a registration's page in the approval queue — contributed by the
agreements package through template hooks (``partnercrm/agreements/hooks.py``), so neither the
directory nor the portal imports it."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from partnercrm.accounts.rules import Role
from partnercrm.agreements.hooks import AGREEMENTS_SHOWN
from partnercrm.agreements.models import Agreement, AgreementParty
from partnercrm.directory.rules import ApprovalState, OrganizationKind
from partnercrm.extensions import db
from tests.factories import MunicipalityFactory, OrganizationFactory, UserFactory
from tests.portal_factories import RegistrationFactory
from tests.test_portal import browser

PACKAGE = Path(__file__).resolve().parents[1] / "partnercrm"


def agreement_of(organization, number: str, **values) -> Agreement:
    agreement = Agreement(number=number, subject="Экскурсии", **values)
    agreement.parties.append(AgreementParty(organization=organization))
    db.session.add(agreement)
    return agreement


@pytest.mark.parametrize("package", ["directory", "portal"])
def test_the_lower_packages_do_not_import_agreements(package):
    for module in (PACKAGE / package).glob("*.py"):
        for node in ast.walk(ast.parse(module.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                assert not node.module.startswith(
                    ("partnercrm.agreements", "partnercrm.access.agreements")
                ), module


def test_the_directory_page_links_the_agreements_for_those_who_see_agreements(app):
    municipality = MunicipalityFactory()
    organization = OrganizationFactory(kind=OrganizationKind.EMPLOYER, municipality=municipality)
    coordinator = UserFactory(role=Role.COORDINATOR, municipality=municipality)
    without_municipality = UserFactory(role=Role.COORDINATOR, municipality=None)
    db.session.commit()
    link = f'href="/agreements/?organization={organization.id}"'
    page = browser(app, coordinator).get(f"/organizations/{organization.id}")
    assert link in page.get_data(as_text=True)
    assert f"Agreements of {organization.display_name}" in page.get_data(as_text=True)
    page = browser(app, without_municipality).get(f"/organizations/{organization.id}")
    assert page.status_code == 200 and link not in page.get_data(as_text=True)


def test_the_registration_page_counts_the_agreements_the_viewer_sees(app):
    here = MunicipalityFactory()
    organization = OrganizationFactory(
        kind=OrganizationKind.EMPLOYER, municipality=here, approval_state=ApprovalState.PENDING
    )
    registration = RegistrationFactory(organization=organization)
    for number in range(AGREEMENTS_SHOWN + 1):
        agreement_of(organization, f"{number + 1}-П")
    agreement_of(OrganizationFactory(municipality=here), "чужой")
    coordinator = UserFactory(role=Role.COORDINATOR, municipality=here)
    db.session.commit()
    page = browser(app, coordinator).get(f"/approvals/{registration.id}").get_data(as_text=True)
    assert re.search(r"Existing agreements <span[^>]*>11</span>", page)
    assert len(re.findall(r'href="/agreements/\d+"', page)) == AGREEMENTS_SHOWN
    assert "чужой" not in page
    assert f'href="/agreements/?organization={organization.id}"' in page
    assert "All agreements of the organization" in page


def test_the_registration_page_of_an_organization_without_agreements(app):
    organization = OrganizationFactory(kind=OrganizationKind.EMPLOYER)
    registration = RegistrationFactory(organization=organization)
    admin = UserFactory(role=Role.ADMIN)
    db.session.commit()
    page = browser(app, admin).get(f"/approvals/{registration.id}").get_data(as_text=True)
    assert re.search(r"Existing agreements <span[^>]*>0</span>", page)
    assert "None." in page
