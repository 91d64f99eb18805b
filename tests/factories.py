"""factory_boy factories for the models; they flush, tests commit when they need to."""

from __future__ import annotations

import factory
from factory.alchemy import SQLAlchemyModelFactory

from partnercrm.accounts.models import User
from partnercrm.accounts.passwords import hash_password
from partnercrm.accounts.rules import Role
from partnercrm.directory.models import Municipality, Organization
from partnercrm.directory.rules import ApprovalState, OrganizationKind
from partnercrm.extensions import db

PASSWORD = "correct horse battery"  # noqa: S105
_password_hash: list[str] = []


def password_hash() -> str:
    # Hashing with argon2 takes a while; one hash serves every factory user.
    if not _password_hash:
        _password_hash.append(hash_password(PASSWORD))
    return _password_hash[0]


class BaseFactory(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        sqlalchemy_session_persistence = "flush"


class MunicipalityFactory(BaseFactory):
    class Meta:
        model = Municipality

    name = factory.Sequence(lambda n: f"Муниципалитет {n}")
    full_name = factory.LazyAttribute(lambda m: f"{m.name} муниципальный округ")
    kind = "муниципальный округ"


class OrganizationFactory(BaseFactory):
    class Meta:
        model = Organization

    kind = OrganizationKind.SCHOOL
    code = factory.Sequence(lambda n: f"org-{n:04d}")
    name = factory.Sequence(lambda n: f"Организация № {n}")
    municipality = factory.SubFactory(MunicipalityFactory)
    approval_state = factory.LazyAttribute(
        lambda o: ApprovalState.APPROVED if o.kind == OrganizationKind.EMPLOYER else None
    )


class UserFactory(BaseFactory):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    full_name = factory.Sequence(lambda n: f"Пользователь {n}")
    role = Role.SCHOOL
    password_hash = factory.LazyFunction(password_hash)
    organization = factory.LazyAttribute(
        lambda u: (
            OrganizationFactory(kind=_ORG_KIND_FOR_ROLE[u.role])
            if u.role in _ORG_KIND_FOR_ROLE
            else None
        )
    )
    municipality = factory.LazyAttribute(
        lambda u: MunicipalityFactory() if u.role == Role.COORDINATOR else None
    )


_ORG_KIND_FOR_ROLE = {
    Role.SCHOOL: OrganizationKind.SCHOOL,
    Role.COLLEGE: OrganizationKind.COLLEGE,
    Role.EMPLOYER: OrganizationKind.EMPLOYER,
    Role.EMPLOYMENT_CENTER: OrganizationKind.EMPLOYMENT_CENTER,
}
