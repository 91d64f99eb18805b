"""Imports every domain's models, so metadata (Alembic, create_all) sees all tables."""

from partnercrm.accounts.models import User
from partnercrm.activities.models import (
    Activity,
    CampShift,
    Headcount,
    ParentMeeting,
    Participation,
    Presenter,
    TripEscort,
)
from partnercrm.agreements.models import (
    Agreement,
    AgreementDocument,
    AgreementKind,
    AgreementParty,
    AgreementReminder,
)
from partnercrm.audit.models import AuditEntry
from partnercrm.directory.models import Municipality, Organization
from partnercrm.feeds.models import FeedChange
from partnercrm.indicators.models import IndicatorValue, MunicipalPlan
from partnercrm.jobs.models import (
    ApplicationStatusChange,
    HolidayJob,
    JobApplication,
    SchoolHoliday,
    YoungPerson,
)
from partnercrm.monitoring.models import MonitoringCampaign, MunicipalReport
from partnercrm.offers.models import Booking, Offer, OfferSlot, SpeakerRequest
from partnercrm.portal.models import Registration
from partnercrm.profminimum.models import ProfminimumLevel
from partnercrm.roadmap.models import Indicator, PlanItem, PlanSection
from partnercrm.series.models import ActivitySeries, SeriesClass
from partnercrm.students.models import Student
from partnercrm.web.models import FormToken

__all__ = [
    "ApplicationStatusChange",
    "Booking",
    "FeedChange",
    "FormToken",
    "HolidayJob",
    "JobApplication",
    "Offer",
    "OfferSlot",
    "Registration",
    "SchoolHoliday",
    "SpeakerRequest",
    "YoungPerson",
    "Agreement",
    "AgreementDocument",
    "AgreementKind",
    "AgreementParty",
    "AgreementReminder",
    "Activity",
    "CampShift",
    "Headcount",
    "ParentMeeting",
    "Participation",
    "Presenter",
    "TripEscort",
    "Student",
    "AuditEntry",
    "Indicator",
    "IndicatorValue",
    "MonitoringCampaign",
    "MunicipalPlan",
    "MunicipalReport",
    "Municipality",
    "Organization",
    "PlanItem",
    "PlanSection",
    "ProfminimumLevel",
    "ActivitySeries",
    "SeriesClass",
    "User",
]
