"""The role and scope checks every view uses (DESIGN §1).

Predicates (``can_*``) answer for one object; ``*_scope`` functions narrow a query to what a user
may see; ``require``/``roles_required`` turn a refusal into 403.
"""

from __future__ import annotations

from functools import wraps

import sqlalchemy as sa
from flask import abort
from flask_login import current_user, login_required
from sqlalchemy.orm import object_session

from partnercrm.accounts.models import User
from partnercrm.accounts.rules import Role
from partnercrm.activities.rules import participation_open
from partnercrm.directory.models import Municipality, Organization

# Roles a coordinator may give; admins and coordinators are made by admins only.
COORDINATOR_GRANTABLE_ROLES = frozenset(
    {Role.SCHOOL, Role.COLLEGE, Role.EMPLOYER, Role.EMPLOYMENT_CENTER}
)


def require(allowed: bool) -> None:
    if not allowed:
        abort(403)


def roles_required(*roles: Role):
    """Login required, and the user's role must be one of ``roles``."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            require(current_user.role in roles)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def is_admin(user: User) -> bool:
    return user.is_authenticated and user.role is Role.ADMIN


def scope_municipality_id(user: User) -> int | None:
    """The municipality a regional role is limited to; None for the whole region."""
    if user.role in (Role.COORDINATOR, Role.EMPLOYMENT_CENTER):
        return user.municipality_id
    return None


def can_manage_organizations(user: User) -> bool:
    return user.role in (Role.ADMIN, Role.COORDINATOR)


def can_manage_organization(user: User, organization: Organization) -> bool:
    if user.role is Role.ADMIN:
        return True
    return user.role is Role.COORDINATOR and organization.municipality_id == user.municipality_id


def can_create_organization_in(user: User, municipality_id: int) -> bool:
    if user.role is Role.ADMIN:
        return True
    return user.role is Role.COORDINATOR and municipality_id == user.municipality_id


def can_manage_users(user: User) -> bool:
    return user.role in (Role.ADMIN, Role.COORDINATOR)


def grantable_roles(user: User) -> list[Role]:
    if user.role is Role.ADMIN:
        return list(Role)
    if user.role is Role.COORDINATOR:
        return [role for role in Role if role in COORDINATOR_GRANTABLE_ROLES]
    return []


def can_give_access(
    actor: User, role: Role, organization: Organization | None, municipality_id: int | None
) -> bool:
    """May ``actor`` create (or edit into) a user with this role and attachment?

    Whether the attachment fits the role is the services' question; this is about scope only.
    """
    if actor.role is Role.ADMIN:
        return True
    if actor.role is not Role.COORDINATOR or role not in COORDINATOR_GRANTABLE_ROLES:
        return False
    if organization is not None and organization.municipality_id != actor.municipality_id:
        return False
    if role is Role.EMPLOYMENT_CENTER:
        # Without a municipality the center's user would see the whole region.
        return municipality_id == actor.municipality_id
    return municipality_id in (None, actor.municipality_id)


def can_manage_user(actor: User, target: User) -> bool:
    if actor.role is Role.ADMIN:
        return True
    return target.organization is not None and can_give_access(
        actor, target.role, target.organization, target.municipality_id
    )


def users_scope(actor: User) -> sa.Select:
    """Users ``actor`` may list and manage: the query form of :func:`can_manage_user`."""
    query = sa.select(User)
    if actor.role is Role.ADMIN:
        return query
    if actor.role is Role.COORDINATOR:
        return query.join(User.organization).where(
            Organization.municipality_id == actor.municipality_id,
            User.role.in_(COORDINATOR_GRANTABLE_ROLES),
            sa.or_(
                User.municipality_id == actor.municipality_id,
                sa.and_(User.municipality_id.is_(None), User.role != Role.EMPLOYMENT_CENTER),
            ),
        )
    return query.where(sa.false())


def assignable_organizations_scope(actor: User) -> sa.Select:
    """Organizations ``actor`` may attach users to."""
    query = sa.select(Organization)
    if actor.role is Role.ADMIN:
        return query
    if actor.role is Role.COORDINATOR:
        return query.where(Organization.municipality_id == actor.municipality_id)
    return query.where(sa.false())


def assignable_municipalities_scope(actor: User) -> sa.Select:
    """Municipalities ``actor`` may limit users to."""
    query = sa.select(Municipality)
    if actor.role is Role.ADMIN:
        return query
    if actor.role is Role.COORDINATOR:
        return query.where(Municipality.id == actor.municipality_id)
    return query.where(sa.false())


def can_import(user: User, kind: str) -> bool:
    """Admins and coordinators import every kind (in their scope); schools everything but
    organizations. Each row is then checked against the predicates below."""
    if user.role in (Role.ADMIN, Role.COORDINATOR):
        return True
    return user.role is Role.SCHOOL and user.organization_id is not None and kind != "organizations"


# --- Students ---
# Student identities (names, birth dates, ОВЗ status) are for the staff of the student's own
# school only (DESIGN §1); every other role sees counts. The roster is the school role's.


def roster_school_id(user: User) -> int | None:
    """The school whose roster ``user`` keeps, or None: school staff attached to a school only."""
    from partnercrm.directory.rules import OrganizationKind

    if not user.is_authenticated or user.role is not Role.SCHOOL:
        return None
    organization = user.organization
    if organization is None or organization.kind is not OrganizationKind.SCHOOL:
        return None
    return organization.id


def can_manage_roster(user: User) -> bool:
    """May ``user`` list, add, edit and archive the students of their school?"""
    return roster_school_id(user) is not None


def can_see_student(user: User, student) -> bool:
    """Names and personal data of ``student``: the staff of the student's own school only."""
    school_id = roster_school_id(user)
    return school_id is not None and student.school_id == school_id


def can_manage_student(user: User, student) -> bool:
    return can_see_student(user, student)


def students_scope(user: User) -> sa.Select:
    """Students whose names ``user`` may see: the own school's roster, or nothing."""
    from partnercrm.students.models import Student

    school_id = roster_school_id(user)
    query = sa.select(Student)
    if school_id is None:
        return query.where(sa.false())
    return query.where(Student.school_id == school_id)


# --- Activities ---
# Who sees, creates and changes activities and their participants (docs/activities.md).
# Seeing: admins everything; coordinators what is hosted, organized or visited by an
# organization of their municipality; every other role what its own organization hosts,
# organizes, visits (schools) or presents at (parent meetings); every logged-in user the public
# activities. Changing: whoever may act as the organizer. Participants: a school names only its
# own students; the organizer's side records headcounts per school; names are shown to the
# staff of the student's own school only.

_ORGANIZATION_EVENT_KINDS = ("excursion", "open_day", "profproba", "career_event")
CREATABLE_ACTIVITY_KINDS: dict[Role, tuple[str, ...]] = {
    Role.ADMIN: (
        "excursion",
        "parent_meeting",
        "camp_shift",
        "open_day",
        "profproba",
        "career_event",
    ),
    Role.COORDINATOR: (
        "excursion",
        "parent_meeting",
        "camp_shift",
        "open_day",
        "profproba",
        "career_event",
    ),
    Role.SCHOOL: ("excursion", "parent_meeting", "camp_shift", "career_event"),
    Role.COLLEGE: _ORGANIZATION_EVENT_KINDS,
    Role.EMPLOYER: _ORGANIZATION_EVENT_KINDS,
    Role.EMPLOYMENT_CENTER: _ORGANIZATION_EVENT_KINDS,
}


def creatable_activity_kinds(user: User) -> list:
    """The activity kinds ``user`` may create, in the order of DESIGN §2."""
    from partnercrm.activities.rules import ActivityKind

    allowed = CREATABLE_ACTIVITY_KINDS.get(user.role, ()) if user.is_authenticated else ()
    return [kind for kind in ActivityKind if kind.value in allowed]


def can_create_activity(user: User, kind) -> bool:
    return kind in creatable_activity_kinds(user)


def can_organize_as(user: User, organizer: Organization | None) -> bool:
    """May ``user`` create or change activities organized by ``organizer``?"""
    if organizer is None or not user.is_authenticated:
        return False
    if user.role is Role.ADMIN:
        return True
    if user.role is Role.COORDINATOR:
        return user.municipality_id is not None and (
            organizer.municipality_id == user.municipality_id
        )
    return user.organization_id is not None and organizer.id == user.organization_id


def activity_visibility(user: User):
    """The WHERE clause of :func:`activities_scope` (for joins and counts): the public
    activities and those :func:`activity_involvement` gives."""
    from partnercrm.activities.models import Activity

    if user.is_authenticated and user.role is Role.ADMIN:
        return sa.true()
    return sa.or_(Activity.public.is_(True), activity_involvement(user))


def activity_involvement(user: User):
    """Activities the user's work involves, public or not (their calendar feed): admins all;
    coordinators those hosted, organized or visited by an organization of their municipality;
    everyone else those their own organization hosts, organizes, visits or presents at."""
    from partnercrm.activities.models import (
        Activity,
        activity_school,
        parent_meeting_presenter,
    )

    if not user.is_authenticated:
        return sa.false()
    if user.role is Role.ADMIN:
        return sa.true()
    if user.role is Role.COORDINATOR:
        if user.municipality_id is None:
            return sa.false()
        local = sa.select(Organization.id).where(
            Organization.municipality_id == user.municipality_id
        )
        return sa.or_(
            Activity.host_id.in_(local),
            Activity.organizer_id.in_(local),
            Activity.id.in_(
                sa.select(activity_school.c.activity_id).where(
                    activity_school.c.school_id.in_(local)
                )
            ),
        )
    organization_id = user.organization_id
    if organization_id is None:
        return sa.false()
    return sa.or_(
        Activity.host_id == organization_id,
        Activity.organizer_id == organization_id,
        Activity.id.in_(
            sa.select(activity_school.c.activity_id).where(
                activity_school.c.school_id == organization_id
            )
        ),
        Activity.id.in_(
            sa.select(parent_meeting_presenter.c.activity_id).where(
                parent_meeting_presenter.c.organization_id == organization_id
            )
        ),
    )


def activities_scope(user: User) -> sa.Select:
    """Activities ``user`` may see: the query form of :func:`can_see_activity`."""
    from partnercrm.activities.models import Activity

    return sa.select(Activity).where(activity_visibility(user))


def can_see_activity(user: User, activity) -> bool:
    if activity.public:
        return True
    if not user.is_authenticated:
        return False
    if user.role is Role.ADMIN:
        return True
    if user.role is Role.COORDINATOR:
        municipality_id = user.municipality_id
        return municipality_id is not None and any(
            organization.municipality_id == municipality_id
            for organization in (activity.host, activity.organizer, *activity.schools)
        )
    organization_id = user.organization_id
    if organization_id is None:
        return False
    involved = {activity.host_id, activity.organizer_id, *(s.id for s in activity.schools)}
    if activity.parent_meeting is not None:
        involved.update(p.id for p in activity.parent_meeting.presenters)
    return organization_id in involved


def can_edit_activity(user: User, activity) -> bool:
    """Change the activity itself (fields, plan items, status, visiting schools)."""
    return can_organize_as(user, activity.organizer)


def can_see_participant_names(user: User, school_id: int) -> bool:
    """Names of participants from ``school_id``: that school's own staff only (as
    :func:`can_see_student`, for a whole school's participants)."""
    own = roster_school_id(user)
    return own is not None and own == school_id


def can_name_participants(user: User, activity) -> bool:
    """Add or remove the user's own school's students (:func:`roster_school_id`) at
    ``activity``."""
    return (
        roster_school_id(user) is not None
        and participation_open(activity.kind, activity.status)
        and can_see_activity(user, activity)
    )


def can_record_any_headcount(user: User, activity) -> bool:
    """The organizer's side: headcounts of any school at ``activity``."""
    return participation_open(activity.kind, activity.status) and can_edit_activity(user, activity)


def can_record_headcount(user: User, activity, school: Organization) -> bool:
    from partnercrm.directory.rules import OrganizationKind

    if school.kind is not OrganizationKind.SCHOOL or not participation_open(
        activity.kind, activity.status
    ):
        return False
    if can_record_any_headcount(user, activity):
        return True
    return roster_school_id(user) == school.id and can_see_activity(user, activity)


# --- Reports ---
# Indicator reports, their drill-down, the live roadmap and indicator exports
# (docs/counting-rules.md). Admins: the region, any municipality, any school. Coordinators: their
# municipality and its schools. School staff: their own school. Exports are the ministry's table
# (the region or one municipality), so admins and coordinators only. Reports show counts, never
# student names.

REPORT_ROLES = (Role.ADMIN, Role.COORDINATOR, Role.SCHOOL)


def can_see_reports(user: User) -> bool:
    if not user.is_authenticated:
        return False
    if user.role is Role.ADMIN:
        return True
    if user.role is Role.COORDINATOR:
        return user.municipality_id is not None
    return roster_school_id(user) is not None


def can_report_on_municipality(user: User, municipality_id: int) -> bool:
    """A municipality's figures and its list of schools."""
    if not user.is_authenticated:
        return False
    if user.role is Role.ADMIN:
        return True
    return (
        user.role is Role.COORDINATOR
        and user.municipality_id is not None
        and municipality_id == user.municipality_id
    )


def can_report_on_school(user: User, school: Organization) -> bool:
    """A school's figures and the activities behind them (counts only, never names)."""
    from partnercrm.directory.rules import OrganizationKind

    if not user.is_authenticated or school.kind is not OrganizationKind.SCHOOL:
        return False
    if user.role is Role.ADMIN:
        return True
    if user.role is Role.COORDINATOR:
        return user.municipality_id is not None and school.municipality_id == user.municipality_id
    return roster_school_id(user) == school.id


def can_export_indicators(user: User, municipality_id: int | None) -> bool:
    """The indicator export of the region (``None``) or of one municipality."""
    if not user.is_authenticated:
        return False
    if user.role is Role.ADMIN:
        return True
    return (
        user.role is Role.COORDINATOR
        and user.municipality_id is not None
        and municipality_id == user.municipality_id
    )


# --- Monitoring ---
# Municipal plans (indicator 1), the ministry's values (indicators 5 and 7) and the yearly
# campaign (docs/monitoring.md). Admins do everything; a coordinator manages the plans of their
# own municipality and submits its report; every other role has no part in monitoring. Plan
# documents are downloaded by admins and the municipality's own coordinator.


def coordinator_municipality_id(user: User) -> int | None:
    """The municipality a coordinator answers for, or None (other roles, or none set)."""
    if not user.is_authenticated or user.role is not Role.COORDINATOR:
        return None
    return user.municipality_id


def can_use_monitoring(user: User) -> bool:
    return is_admin(user) or coordinator_municipality_id(user) is not None


def can_manage_campaigns(user: User) -> bool:
    """Open, close and move the deadline of campaigns; return reports; export the table."""
    return is_admin(user)


def can_enter_indicator_values(user: User) -> bool:
    """Indicators 5 and 7 are entered by the ministry."""
    return is_admin(user)


def can_manage_plans_of(user: User, municipality_id: int | None) -> bool:
    """Create, edit and delete the plans of ``municipality_id``."""
    if municipality_id is None:
        return False
    if is_admin(user):
        return True
    own = coordinator_municipality_id(user)
    return own is not None and own == municipality_id


def can_manage_municipal_plan(user: User, plan) -> bool:
    return can_manage_plans_of(user, plan.municipality_id)


def can_download_municipal_plan(user: User, plan) -> bool:
    return can_manage_municipal_plan(user, plan)


def can_see_municipal_report(user: User, municipality_id: int) -> bool:
    """A municipality's report in a campaign: admins and its own coordinator."""
    return can_manage_plans_of(user, municipality_id)


def can_submit_municipal_report(user: User, municipality_id: int) -> bool:
    """Only the municipality's own coordinator submits its report."""
    own = coordinator_municipality_id(user)
    return own is not None and own == municipality_id


# --- Agreements ---
# Cooperation agreements (docs/agreements.md). One rule, "acts for a party", decides everything:
# admins act for every organization; a coordinator for the organizations of their municipality;
# the staff of a school, college, employer or employment center for their own organization.
# Whoever acts for at least one party sees the agreement, edits it (fields, parties,
# termination), uploads and downloads its documents and links activities to it — an activity
# only if one of the parties they act for hosts, organizes or visits it. A non-admin creates an
# agreement only with a party they act for and cannot edit themselves out of one. Everyone
# else gets 404 for an agreement and its documents, as if it did not exist.

AGREEMENT_STAFF_ROLES = frozenset(
    {Role.SCHOOL, Role.COLLEGE, Role.EMPLOYER, Role.EMPLOYMENT_CENTER}
)


def can_act_for_party(user: User, organization: Organization) -> bool:
    if not user.is_authenticated:
        return False
    if user.role is Role.ADMIN:
        return True
    if user.role is Role.COORDINATOR:
        return user.municipality_id is not None and (
            organization.municipality_id == user.municipality_id
        )
    return (
        user.role in AGREEMENT_STAFF_ROLES
        and user.organization_id is not None
        and organization.id == user.organization_id
    )


def can_see_agreements(user: User) -> bool:
    """Does ``user`` see any agreements at all (:func:`agreement_visibility` is not false)?"""
    if not user.is_authenticated:
        return False
    if user.role is Role.ADMIN:
        return True
    if user.role is Role.COORDINATOR:
        return user.municipality_id is not None
    return user.role in AGREEMENT_STAFF_ROLES and user.organization_id is not None


def can_create_agreement(user: User) -> bool:
    """Whoever sees agreements may make one, with a party they act for."""
    return can_see_agreements(user)


def can_make_agreement_between(user: User, organizations) -> bool:
    """May ``user`` save an agreement with these parties (it must stay theirs to see)?"""
    return can_create_agreement(user) and any(
        can_act_for_party(user, organization) for organization in organizations
    )


def agreement_visibility(user: User):
    """The WHERE clause of :func:`agreements_scope` (for joins and counts)."""
    from partnercrm.agreements.models import Agreement, AgreementParty

    if not user.is_authenticated:
        return sa.false()
    if user.role is Role.ADMIN:
        return sa.true()
    if user.role is Role.COORDINATOR:
        if user.municipality_id is None:
            return sa.false()
        return Agreement.id.in_(
            sa.select(AgreementParty.agreement_id)
            .join(Organization, Organization.id == AgreementParty.organization_id)
            .where(Organization.municipality_id == user.municipality_id)
        )
    if user.role not in AGREEMENT_STAFF_ROLES or user.organization_id is None:
        return sa.false()
    return Agreement.id.in_(
        sa.select(AgreementParty.agreement_id).where(
            AgreementParty.organization_id == user.organization_id
        )
    )


def agreements_scope(user: User) -> sa.Select:
    """Agreements ``user`` may see: the query form of :func:`can_see_agreement`."""
    from partnercrm.agreements.models import Agreement

    return sa.select(Agreement).where(agreement_visibility(user))


def can_see_agreement(user: User, agreement) -> bool:
    return any(can_act_for_party(user, party.organization) for party in agreement.parties)


def can_edit_agreement(user: User, agreement) -> bool:
    return can_see_agreement(user, agreement)


def can_download_agreement_document(user: User, agreement) -> bool:
    return can_see_agreement(user, agreement)


def agreement_party_ids_for(user: User, agreement) -> list[int]:
    """The parties of ``agreement`` that ``user`` acts for."""
    return [
        party.organization_id
        for party in agreement.parties
        if can_act_for_party(user, party.organization)
    ]


def linkable_activity_condition(user: User, agreement):
    """Activities ``user`` may link to (or unlink from) ``agreement``: hosted, organized or
    visited by a party ``user`` acts for."""
    from partnercrm.activities.models import Activity, activity_school

    ids = agreement_party_ids_for(user, agreement) if can_edit_agreement(user, agreement) else []
    if not ids:
        return sa.false()
    return sa.or_(
        Activity.host_id.in_(ids),
        Activity.organizer_id.in_(ids),
        Activity.id.in_(
            sa.select(activity_school.c.activity_id).where(activity_school.c.school_id.in_(ids))
        ),
    )


def can_link_activity(user: User, agreement, activity) -> bool:
    if not can_edit_agreement(user, agreement):
        return False
    ids = set(agreement_party_ids_for(user, agreement))
    involved = {activity.host_id, activity.organizer_id, *(s.id for s in activity.schools)}
    return bool(ids & involved)


# --- Imports ---
# The Import page (docs/imports.md) is for admins, coordinators and school staff. A row may
# concern an organization the user acts for (:func:`can_act_for_party`: admins any, coordinators
# their municipality's, school staff their own school); activities, participants, headcounts,
# organizations and agreements follow the predicates above. The command line runs without a
# user and has the whole region in scope.

IMPORT_ROLES = (Role.ADMIN, Role.COORDINATOR, Role.SCHOOL)


def can_import_for(user: User, organization: Organization) -> bool:
    """Rows about ``organization``: its students, participants and headcounts."""
    return user.role in IMPORT_ROLES and can_act_for_party(user, organization)


def can_import_headcount(user: User, activity, school: Organization) -> bool:
    """As :func:`can_record_headcount`, and a coordinator's import also counts the schools of
    their municipality at activities organized elsewhere."""
    return can_record_headcount(user, activity, school) or (
        can_import_for(user, school) and participation_open(activity.kind, activity.status)
    )


# --- Employer registration ---
# Employers sign themselves up (docs/portal.md). Their organization stays ``pending`` until a
# coordinator of its municipality or an admin approves it; meanwhile its user may log in but not
# act for it. :func:`employer_may_act` is the gate every employer feature (offers, bookings,
# jobs proposals...) adds to its own checks.


def employer_may_act(user: User) -> bool:
    """False for an employer user whose organization is not approved (pending or declined).

    True for every other logged-in user: this is an extra gate on employer users, not a
    permission — the feature's own checks still decide what the user may do.
    """
    from partnercrm.directory.rules import ApprovalState

    if not user.is_authenticated:
        return False
    if user.role is not Role.EMPLOYER:
        return True
    organization = user.organization
    return organization is not None and organization.approval_state is ApprovalState.APPROVED


# Who decides a registration (:func:`can_decide_registration`): admins any; a coordinator those
# of organizations in their municipality; and for a join request also the employer users of the
# organization, once it is approved. Everyone else gets 404 for a registration. Unconfirmed
# registrations are nobody's to see.

APPROVAL_ROLES = frozenset({Role.ADMIN, Role.COORDINATOR, Role.EMPLOYER})


def can_see_approvals(user: User) -> bool:
    """Has ``user`` an approval queue (it may be empty)?"""
    if not user.is_authenticated or user.role not in APPROVAL_ROLES:
        return False
    if user.role is Role.COORDINATOR:
        return user.municipality_id is not None
    if user.role is Role.EMPLOYER:
        return employer_may_act(user)
    return True


def registration_visibility(user: User):
    """The WHERE clause of :func:`registrations_scope`."""
    from partnercrm.portal.models import Registration

    if not can_see_approvals(user):
        return sa.false()
    confirmed = Registration.confirmed_at.is_not(None)
    if user.role is Role.ADMIN:
        return confirmed
    if user.role is Role.COORDINATOR:
        return sa.and_(
            confirmed,
            Registration.organization_id.in_(
                sa.select(Organization.id).where(
                    Organization.municipality_id == user.municipality_id
                )
            ),
        )
    return sa.and_(
        confirmed,
        Registration.joins_existing,
        Registration.organization_id == user.organization_id,
    )


def registrations_scope(user: User) -> sa.Select:
    """Registrations ``user`` may see and decide: the query form of
    :func:`can_decide_registration`. The queue narrows it to those awaiting a decision."""
    from partnercrm.portal.models import Registration

    return sa.select(Registration).where(registration_visibility(user))


def can_decide_registration(user: User, registration) -> bool:
    if registration.confirmed_at is None or not can_see_approvals(user):
        return False
    if user.role is Role.ADMIN:
        return True
    if user.role is Role.COORDINATOR:
        return registration.organization.municipality_id == user.municipality_id
    return registration.joins_existing and registration.organization_id == user.organization_id


# --- Offers and bookings ---
# Offers of employers, colleges and universities, the schools' bookings of excursion slots and
# their speaker requests (docs/offers.md). A published offer is public (it carries no personal
# data). An offer is written by the staff of its organization — employer staff only while the
# employer is approved (:func:`employer_may_act`) — and by admins; a coordinator sees the offers
# of their municipality and the bookings and requests of its schools and offers, read-only.
# School staff book and ask for speakers for their own school only. A booking or a request has
# two sides: the offering organization confirms, declines or cancels it, the school cancels it;
# admins act as the offering side. Anything else asked for by id answers 404.

OFFERING_ROLE_KINDS: dict[Role, tuple[str, ...]] = {
    Role.EMPLOYER: ("employer",),
    Role.COLLEGE: ("college", "university"),
}
OFFERING_KINDS = ("employer", "college", "university")


def offering_organization_id(user: User) -> int | None:
    """The organization whose offers ``user`` writes, or None."""
    if not user.is_authenticated or user.organization is None:
        return None
    kinds = OFFERING_ROLE_KINDS.get(user.role, ())
    if user.organization.kind.value not in kinds or not employer_may_act(user):
        return None
    return user.organization_id


def can_create_offer(user: User) -> bool:
    return is_admin(user) or offering_organization_id(user) is not None


def can_offer_for(user: User, organization: Organization) -> bool:
    """May ``user`` write the offers of ``organization`` and handle their bookings?"""
    if organization.kind.value not in OFFERING_KINDS:
        return False
    return is_admin(user) or (
        offering_organization_id(user) is not None
        and organization.id == offering_organization_id(user)
    )


def can_manage_offer(user: User, offer) -> bool:
    return can_offer_for(user, offer.organization)


def _coordinates(user: User, *municipality_ids: int) -> bool:
    municipality_id = coordinator_municipality_id(user)
    return municipality_id is not None and municipality_id in municipality_ids


def can_see_offer_bookings(user: User, offer) -> bool:
    """The bookings and speaker requests an offer received (school names, never students)."""
    return can_manage_offer(user, offer) or _coordinates(
        user, offer.municipality_id, offer.organization.municipality_id
    )


def can_see_offer(user: User, offer) -> bool:
    from partnercrm.offers.rules import OfferStatus

    return offer.status is OfferStatus.PUBLISHED or can_see_offer_bookings(user, offer)


def _offers_in_municipality(municipality_id: int) -> sa.Select:
    """Ids of the offers a coordinator of ``municipality_id`` sees: taking place there, or of
    an organization there (as :func:`can_see_offer_bookings`)."""
    from partnercrm.offers.models import Offer

    return (
        sa.select(Offer.id)
        .join(Organization, Organization.id == Offer.organization_id)
        .where(
            sa.or_(
                Offer.municipality_id == municipality_id,
                Organization.municipality_id == municipality_id,
            )
        )
    )


def offers_scope(user: User) -> sa.Select:
    """The offers of the staff list: admins all; coordinators their municipality's; offering
    staff their own organization's; everyone else the published ones."""
    from partnercrm.offers.models import Offer
    from partnercrm.offers.rules import OfferStatus

    query = sa.select(Offer)
    if is_admin(user):
        return query
    if user.role is Role.COORDINATOR:
        municipality_id = coordinator_municipality_id(user)
        if municipality_id is None:
            return query.where(sa.false())
        return query.where(Offer.id.in_(_offers_in_municipality(municipality_id)))
    own = offering_organization_id(user)
    if own is not None:
        return query.where(Offer.organization_id == own)
    return query.where(Offer.status == OfferStatus.PUBLISHED)


def can_book(user: User, offer) -> bool:
    """School staff book the published excursion offers for their own school."""
    from partnercrm.offers.rules import OfferKind, OfferStatus

    return (
        roster_school_id(user) is not None
        and offer.kind is OfferKind.EXCURSION
        and offer.status is OfferStatus.PUBLISHED
    )


def can_request_speaker(user: User, offer) -> bool:
    from partnercrm.offers.rules import OfferKind, OfferStatus

    return (
        roster_school_id(user) is not None
        and offer.kind is OfferKind.SPEAKER
        and offer.status is OfferStatus.PUBLISHED
    )


def is_school_side(user: User, record) -> bool:
    """Is ``user`` staff of the school of a booking or a speaker request?"""
    return can_see_participant_names(user, record.school_id)


def can_see_offer_record(user: User, record, offer) -> bool:
    """A booking (``offer`` its slot's offer) or a speaker request: either side, admins, and
    coordinators of the school's or the offer's municipality."""
    return (
        is_school_side(user, record)
        or can_see_offer_bookings(user, offer)
        or _coordinates(user, record.school.municipality_id)
    )


def offer_records_visibility(user: User, school_id, offer_id) -> sa.ColumnElement:
    """The WHERE clause of the booking and speaker-request lists: the query form of
    :func:`can_see_offer_record`, over a record's ``school_id`` and ``offer_id`` columns."""
    from partnercrm.offers.models import Offer

    if not user.is_authenticated:
        return sa.false()
    if is_admin(user):
        return sa.true()
    if user.role is Role.COORDINATOR:
        municipality_id = coordinator_municipality_id(user)
        if municipality_id is None:
            return sa.false()
        return sa.or_(
            school_id.in_(
                sa.select(Organization.id).where(Organization.municipality_id == municipality_id)
            ),
            offer_id.in_(_offers_in_municipality(municipality_id)),
        )
    school = roster_school_id(user)
    if school is not None:
        return school_id == school
    own = offering_organization_id(user)
    if own is not None:
        return offer_id.in_(sa.select(Offer.id).where(Offer.organization_id == own))
    return sa.false()


def can_cancel_as_school(user: User, record) -> bool:
    return is_school_side(user, record)


# --- Holiday jobs ---
# Holiday jobs for minors (docs/holiday-jobs.md). The employment center's staff post, publish
# and close jobs and handle every application in their scope — the region, or their
# municipality if set; the job's municipality decides — and admins everywhere. An approved
# employer (:func:`employer_may_act`) proposes jobs for its own organization, sees its own jobs
# and, of the applicants, only the names and contacts of those it hired, whom it may mark as
# having completed the job. School staff see the published jobs, apply for their own students,
# see those applications only and may withdraw them before hiring. Coordinators see the jobs
# of their municipality with counts, never applicant names. Anything else answers 404.


def handles_jobs(user: User) -> bool:
    """Admins and the employment center's staff: post, publish, handle applications."""
    if not user.is_authenticated:
        return False
    if user.role is Role.ADMIN:
        return True
    return user.role is Role.EMPLOYMENT_CENTER and user.organization_id is not None


def handles_jobs_in(user: User, municipality_id: int) -> bool:
    if not handles_jobs(user):
        return False
    scope = scope_municipality_id(user)
    return scope is None or scope == municipality_id


def job_employer_id(user: User) -> int | None:
    """The employer whose jobs ``user`` proposes and sees: approved employers' staff only."""
    if not user.is_authenticated or user.role is not Role.EMPLOYER or not employer_may_act(user):
        return None
    return user.organization_id


def can_see_jobs(user: User) -> bool:
    """Does ``user`` have the holiday jobs pages at all (:func:`job_visibility` not false)?"""
    if handles_jobs(user) or job_employer_id(user) is not None:
        return True
    if coordinator_municipality_id(user) is not None:
        return True
    return roster_school_id(user) is not None


def job_visibility(user: User):
    """The WHERE clause of :func:`jobs_scope` (for joins and counts)."""
    from partnercrm.jobs.models import HolidayJob, JobApplication
    from partnercrm.jobs.rules import JobStatus
    from partnercrm.students.models import Student

    if handles_jobs(user):
        scope = scope_municipality_id(user)
        return sa.true() if scope is None else HolidayJob.municipality_id == scope
    if not user.is_authenticated:
        return sa.false()
    if user.role is Role.COORDINATOR:
        if user.municipality_id is None:
            return sa.false()
        return HolidayJob.municipality_id == user.municipality_id
    employer_id = job_employer_id(user)
    if employer_id is not None:
        return HolidayJob.employer_id == employer_id
    school_id = roster_school_id(user)
    if school_id is None:
        return sa.false()
    return sa.or_(
        HolidayJob.status == JobStatus.PUBLISHED,
        HolidayJob.id.in_(
            sa.select(JobApplication.job_id)
            .join(Student, Student.id == JobApplication.student_id)
            .where(Student.school_id == school_id)
        ),
    )


def jobs_scope(user: User) -> sa.Select:
    """Jobs ``user`` may see: the query form of :func:`can_see_job`."""
    from partnercrm.jobs.models import HolidayJob

    return sa.select(HolidayJob).where(job_visibility(user))


def can_see_job(user: User, job) -> bool:
    from partnercrm.jobs.rules import JobStatus

    if handles_jobs(user):
        return handles_jobs_in(user, job.municipality_id)
    if not user.is_authenticated:
        return False
    if user.role is Role.COORDINATOR:
        return _coordinates(user, job.municipality_id)
    employer_id = job_employer_id(user)
    if employer_id is not None:
        return job.employer_id == employer_id
    if roster_school_id(user) is None:
        return False
    if job.status is JobStatus.PUBLISHED:
        return True
    # Any application of the school's own students, asked in SQL (a closed job may have many).
    from partnercrm.jobs.models import JobApplication

    return bool(
        object_session(job).scalar(
            sa.select(
                sa.exists().where(JobApplication.job_id == job.id, application_visibility(user))
            )
        )
    )


def can_post_jobs(user: User) -> bool:
    return handles_jobs(user)


def can_propose_jobs(user: User) -> bool:
    return job_employer_id(user) is not None


def can_review_job(user: User, job) -> bool:
    """Publish, close, decline a proposal, register applicants: the center in scope."""
    return handles_jobs_in(user, job.municipality_id)


def can_edit_job(user: User, job) -> bool:
    """The center in scope, until the job is closed; the employer its own proposal."""
    from partnercrm.jobs.rules import JobStatus

    if job.status is JobStatus.CLOSED:
        return False
    if can_review_job(user, job):
        return True
    return job.status is JobStatus.PROPOSED and job_employer_id(user) == job.employer_id


def can_apply_for_students(user: User, job) -> bool:
    """School staff apply for their own students to a published job."""
    from partnercrm.jobs.rules import JobStatus

    return job.status is JobStatus.PUBLISHED and roster_school_id(user) is not None


def can_apply_for_student(user: User, student) -> bool:
    return can_see_student(user, student)


def application_visibility(user: User):
    """Applications whose applicant ``user`` may name (WHERE on JobApplication)."""
    from partnercrm.jobs.models import HolidayJob, JobApplication
    from partnercrm.jobs.rules import ApplicationStatus
    from partnercrm.students.models import Student

    if handles_jobs(user):
        scope = scope_municipality_id(user)
        if scope is None:
            return sa.true()
        return JobApplication.job_id.in_(
            sa.select(HolidayJob.id).where(HolidayJob.municipality_id == scope)
        )
    employer_id = job_employer_id(user)
    if employer_id is not None:
        return sa.and_(
            JobApplication.status.in_([ApplicationStatus.HIRED, ApplicationStatus.COMPLETED]),
            JobApplication.job_id.in_(
                sa.select(HolidayJob.id).where(HolidayJob.employer_id == employer_id)
            ),
        )
    school_id = roster_school_id(user)
    if school_id is None:
        return sa.false()
    return JobApplication.student_id.in_(
        sa.select(Student.id).where(Student.school_id == school_id)
    )


def can_see_applicant(user: User, application) -> bool:
    """The applicant's name (and contacts): :func:`application_visibility` for one row."""
    from partnercrm.jobs.rules import ApplicationStatus

    if can_see_application(user, application):
        return True
    employer_id = job_employer_id(user)
    return (
        employer_id is not None
        and application.job.employer_id == employer_id
        and application.status in (ApplicationStatus.HIRED, ApplicationStatus.COMPLETED)
    )


def can_see_application(user: User, application) -> bool:
    """The application's page: birth date, contacts, checks, history."""
    if can_handle_application(user, application):
        return True
    student = application.student
    return student is not None and can_see_student(user, student)


def can_handle_application(user: User, application) -> bool:
    """Every status move, the consent and the medical examination: the center in scope."""
    return handles_jobs_in(user, application.job.municipality_id)


def can_move_application(user: User, application, to_status) -> bool:
    """Whether ``user`` may make this move (the services decide whether it is possible)."""
    from partnercrm.jobs.rules import ApplicationStatus

    if can_handle_application(user, application):
        return True
    if to_status is ApplicationStatus.WITHDRAWN:
        return application.status in (
            ApplicationStatus.APPLIED,
            ApplicationStatus.REFERRED,
        ) and can_see_application(user, application)
    if to_status is ApplicationStatus.COMPLETED:
        return can_see_applicant(user, application) and (
            job_employer_id(user) == application.job.employer_id
        )
    return False


# --- Holiday job report ---
# The plan item 7 report (docs/holiday-jobs.md): counts per municipality, never names. Admins
# see the region or any municipality; coordinators their municipality; the employment center's
# staff their scope (the region, or their municipality if set). A municipality outside the
# user's scope answers 403, as for the indicator reports.


def can_see_job_report(user: User) -> bool:
    return handles_jobs(user) or coordinator_municipality_id(user) is not None


def can_report_jobs_in(user: User, municipality_id: int | None) -> bool:
    """The report of the region (``None``) or of one municipality."""
    if not can_see_job_report(user):
        return False
    limit = scope_municipality_id(user)
    return limit is None or municipality_id == limit


# --- Calendar feeds ---
# A private feed (docs/feeds.md) holds what its user's work involves, never more than the user
# may see: the activities :func:`activity_involvement` gives; the bookings either side of which
# the user sees; the agreements the user acts for; the holiday jobs the user handles, proposes
# or oversees. The public feed holds what anonymous visitors see: public activities, published
# offers and published jobs. Each function takes the feed's user, or None for the public feed.
# The feed of an inactive user answers 404, as does a wrong signature.


def can_use_private_feed(user: User) -> bool:
    return user.active


def feed_activity_condition(user: User | None):
    from partnercrm.activities.models import Activity

    if user is None:
        return Activity.public.is_(True)
    return activity_involvement(user)


def feed_booking_condition(user: User | None):
    """Bookings (joined with their slot): both sides', as :func:`offer_records_visibility`."""
    from partnercrm.offers.models import Booking, OfferSlot

    if user is None:
        return sa.false()
    return offer_records_visibility(user, Booking.school_id, OfferSlot.offer_id)


def feed_speaker_request_condition(user: User | None):
    """Speaker requests: both sides', as :func:`offer_records_visibility`."""
    from partnercrm.offers.models import SpeakerRequest

    if user is None:
        return sa.false()
    return offer_records_visibility(user, SpeakerRequest.school_id, SpeakerRequest.offer_id)


def feed_agreement_condition(user: User | None):
    if user is None:
        return sa.false()
    return agreement_visibility(user)


def feed_holiday_job_condition(user: User | None):
    """The center's jobs in scope, the employer's own, the coordinator's municipality's; school
    staff find the published jobs in the public feed."""
    from partnercrm.jobs.models import HolidayJob
    from partnercrm.jobs.rules import JobStatus

    if user is None:
        return HolidayJob.status == JobStatus.PUBLISHED
    if (
        handles_jobs(user)
        or job_employer_id(user) is not None
        or coordinator_municipality_id(user) is not None
    ):
        return job_visibility(user)
    return sa.false()


def feed_offer_slot_condition(user: User | None):
    """Slots (joined with their offer) of published offers: public only; a private feed shows
    the bookings made for them instead."""
    from partnercrm.offers.models import Offer
    from partnercrm.offers.rules import OfferStatus

    if user is None:
        return Offer.status == OfferStatus.PUBLISHED
    return sa.false()
