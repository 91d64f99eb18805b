import hashlib
from importlib import resources

import sqlalchemy as sa

from partnercrm import data
from partnercrm.accounts.models import User
from partnercrm.directory.models import Municipality, Organization
from partnercrm.directory.rules import OrganizationKind
from partnercrm.extensions import db
from partnercrm.roadmap.models import Indicator, PlanItem, PlanSection
from tests.factories import PASSWORD

# SHA-256 of the ministry's files as received (roadmap/plan.json, municipalities.json): the
# packaged copies must stay verbatim. The project tests only what it contains.
MINISTRY_FILES = {
    "plan.json": "426cbdc05f818b61bd473ad47990fc5819f7b847a026313f78f4c868957a988b",
    "municipalities.json": "cd74259e6b12c3a2805c7b0d1d3c465e2dd6ccf97fa293e427c8913089d1f676",
}


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_seed_loads_the_roadmap_verbatim_and_is_idempotent(runner):
    first = runner.invoke(args=["seed"])
    assert first.exit_code == 0, first.output
    second = runner.invoke(args=["seed"])
    assert second.exit_code == 0
    assert "0 plan items added" in second.output
    assert (count(PlanSection), count(PlanItem), count(Indicator), count(Municipality)) == (
        12,
        37,
        7,
        22,
    )
    plan = data.load("plan.json")
    item = db.session.scalar(sa.select(PlanItem).where(PlanItem.number == 23))
    source = next(i for i in plan["items"] if i["number"] == 23)
    assert (item.title, item.responsible, item.deadline, item.expected_result) == (
        source["title"],
        source["responsible"],
        source["deadline"],
        source["expected_result"],
    )
    assert item.section.number == source["section"]
    indicator = db.session.scalar(sa.select(Indicator).where(Indicator.number == 2))
    assert indicator.name == plan["indicators"][1]["name"]


def test_packaged_data_is_the_ministrys_files_verbatim():
    for name, digest in MINISTRY_FILES.items():
        content = resources.files(data).joinpath(name).read_bytes()
        assert hashlib.sha256(content).hexdigest() == digest, f"{name} is no longer verbatim"


def test_demo_is_idempotent_and_covers_every_kind_and_role(runner):
    assert runner.invoke(args=["seed"]).exit_code == 0
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    organizations, users = count(Organization), count(User)
    assert runner.invoke(args=["demo"]).exit_code == 0
    assert (count(Organization), count(User)) == (organizations, users)
    kinds = set(db.session.scalars(sa.select(Organization.kind).distinct()))
    assert kinds == set(OrganizationKind)
    roles = {u.role.value for u in db.session.scalars(sa.select(User))}
    assert roles == {"admin", "coordinator", "school", "college", "employer", "employment_center"}
    municipalities = db.session.scalar(
        sa.select(sa.func.count(sa.distinct(Organization.municipality_id)))
    )
    assert municipalities >= 3


def test_demo_needs_the_seed_first(runner):
    result = runner.invoke(args=["demo"])
    assert result.exit_code != 0
    assert "seed" in result.output


def test_users_create_from_stdin(runner, seeded):
    result = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "Coord@Example.org",
            "--role",
            "coordinator",
            "--municipality",
            "Калининград",
            "--password-stdin",
        ],
        input=PASSWORD + "\n",
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(sa.select(User))
    assert user.email == "coord@example.org"
    assert user.municipality.name == "Калининград"
    assert user.password_hash.startswith("$argon2id$")


def test_users_create_refuses_bad_input_and_changes_nothing(runner, seeded):
    cases = [
        ["--role", "coordinator"],  # no municipality
        ["--role", "school", "--org", "missing"],
        ["--role", "coordinator", "--municipality", "Атлантида"],
    ]
    for extra in cases:
        result = runner.invoke(
            args=["users", "create", "--email", "x@example.org", *extra, "--password-stdin"],
            input=PASSWORD + "\n",
        )
        assert result.exit_code != 0, extra
    weak = runner.invoke(
        args=["users", "create", "--email", "x@example.org", "--role", "admin", "--password-stdin"],
        input="123\n",
    )
    assert weak.exit_code != 0
    assert count(User) == 0
