"""Writes and reads of the monitoring area: municipal plans, the ministry's values (the
indicators whose rule counts ``manual``) and the yearly campaign, each by the indicators of a
programme (DESIGN §7; docs/monitoring.md).

Services flush; the request's unit of work commits once. Refusals raise :class:`MonitoringError`
with an English msgid the view translates and, where they concern one, the form field; the
refusal rolls the unit back, so nothing of a refused change is kept.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from partnercrm.accounts.models import User
from partnercrm.database import utcnow
from partnercrm.directory.models import Municipality
from partnercrm.errors import N_, UserError
from partnercrm.extensions import db
from partnercrm.indicators import queries
from partnercrm.indicators.models import IndicatorValue, MunicipalPlan
from partnercrm.indicators.rules import Count, ManualType, Rule, parse_rule
from partnercrm.localtime import Period, local_date, local_today
from partnercrm.monitoring.models import MonitoringCampaign, MunicipalReport
from partnercrm.monitoring.rules import (
    DEADLINE_DATES,
    PLAN_APPROVAL_DATES,
    CampaignStatus,
    ReportState,
    ReportStatus,
    changed_numbers,
    report_state,
    submitted_late,
)
from partnercrm.plausible import check_date
from partnercrm.roadmap.models import Indicator, Programme
from partnercrm.roadmap.queries import choose_programme

PLAN_DOCUMENTS = "municipal_plans"  # the upload area of plan PDFs
FIRST_YEAR, LAST_YEAR = 2000, 2100
MAX_VALUE = 10_000_000
MAX_COMMENT = 2000

BAD_YEAR = N_("The year must be from 2000 to 2100.")
FUTURE_APPROVAL = N_("The approval date cannot be in the future.")
DUPLICATE_PLAN = N_("This municipality already has a plan for this year. Edit that plan instead.")
BAD_VALUE = N_("The value must be a whole number from 0 to 10,000,000.")
BAD_YES_NO = N_("Choose yes or no.")
NOT_ENTERED_BY_MINISTRY = N_(
    "Indicator %(number)d of %(programme)s is counted from the records, not entered by the"
    " ministry."
)
NO_SUCH_INDICATOR = N_("Programme %(programme)s has no indicator %(number)d.")
NOT_IN_FORCE = N_("Programme %(programme)s is not in force in %(year)d.")
NO_PROGRAMME = N_("There is no programme whose indicators could be collected for %(year)d.")
COMMENT_TOO_LONG = N_("The comment is too long (at most 2000 characters).")
REASON_REQUIRED = N_("Enter the reason for returning the report.")
REASON_TOO_LONG = N_("The reason is too long (at most 2000 characters).")
DUPLICATE_CAMPAIGN = N_("A campaign for this year already exists.")
PAST_DEADLINE = N_("The deadline cannot be in the past.")
CAMPAIGN_CLOSED = N_("The campaign is closed: reports are no longer accepted or returned.")
ALREADY_CLOSED = N_("The campaign is already closed.")
ALREADY_SUBMITTED = N_(
    "The report has already been submitted. Ask the ministry to return it if it needs changes."
)
NOT_SUBMITTED = N_("Only a submitted report can be returned for correction.")


class MonitoringError(UserError):
    """A refusal of the monitoring area."""


def _check_year(year: int) -> None:
    if year is None or not FIRST_YEAR <= year <= LAST_YEAR:
        raise MonitoringError(BAD_YEAR, "year")


def _clean_comment(comment: str | None, too_long: str = COMMENT_TOO_LONG) -> str | None:
    comment = (comment or "").strip() or None
    if comment is not None and len(comment) > MAX_COMMENT:
        raise MonitoringError(too_long)
    return comment


# --- municipal plans (counted by a ``municipal_plans`` rule) ---


def _check_plan(plan: MunicipalPlan | None, municipality_id: int, year: int, approved_on: date):
    _check_year(year)
    if approved_on > local_today():
        raise MonitoringError(FUTURE_APPROVAL, "approved_on")
    check_date(approved_on, PLAN_APPROVAL_DATES, MonitoringError, "approved_on")
    other = db.session.scalar(
        sa.select(MunicipalPlan.id).where(
            MunicipalPlan.municipality_id == municipality_id, MunicipalPlan.year == year
        )
    )
    if other is not None and (plan is None or other != plan.id):
        raise MonitoringError(DUPLICATE_PLAN, "year")


def _flush_plan() -> None:
    try:
        db.session.flush()
    except IntegrityError as error:  # the same plan saved at the same moment elsewhere
        raise MonitoringError(DUPLICATE_PLAN, "year") from error


def create_plan(
    municipality_id: int, year: int, approved_on: date, title: str | None = None
) -> MunicipalPlan:
    _check_plan(None, municipality_id, year, approved_on)
    plan = MunicipalPlan(
        municipality_id=municipality_id,
        year=year,
        approved_on=approved_on,
        title=(title or "").strip() or None,
    )
    db.session.add(plan)
    _flush_plan()
    return plan


def update_plan(plan: MunicipalPlan, year: int, approved_on: date, title: str | None) -> None:
    """The municipality of a plan does not change; a wrong one is deleted and made again."""
    _check_plan(plan, plan.municipality_id, year, approved_on)
    plan.year, plan.approved_on = year, approved_on
    plan.title = (title or "").strip() or None
    _flush_plan()


def set_plan_document(plan: MunicipalPlan, stored_name: str) -> str | None:
    """Attach a stored PDF; returns the name of the replaced file, which the caller removes
    after the commit."""
    old, plan.document = plan.document, stored_name
    db.session.flush()
    return old if old != stored_name else None


def delete_plan(plan: MunicipalPlan) -> str | None:
    """Returns the stored file name, which the caller removes after the commit."""
    document = plan.document
    db.session.delete(plan)
    db.session.flush()
    return document


@dataclass
class PlanRow:
    municipality: Municipality
    plan: MunicipalPlan | None
    counted: bool  # counts for the year: approved by the year's end


def plans_by_municipality(year: int) -> list[PlanRow]:
    """Every municipality with its plan for ``year`` (or None); one query."""
    end = Period.year(year).end
    rows = db.session.execute(
        sa.select(Municipality, MunicipalPlan)
        .outerjoin(
            MunicipalPlan,
            sa.and_(MunicipalPlan.municipality_id == Municipality.id, MunicipalPlan.year == year),
        )
        .order_by(Municipality.name)
    ).all()
    return [
        PlanRow(municipality, plan, plan is not None and plan.approved_on <= end)
        for municipality, plan in rows
    ]


# --- the programmes of a year and their indicators ---


def year_programmes(year: int) -> list[Programme]:
    """The programmes whose indicators may be collected for ``year``: first the one that counts
    the year (DESIGN §7: in force on 31 December, of two the later to start, else the latest
    that started before), then any other in force on some day of the year. Empty without
    programmes."""
    programmes = db.session.scalars(
        sa.select(Programme).order_by(Programme.valid_from, Programme.id)
    ).all()
    period = Period.year(year)
    default = choose_programme(programmes, period.end)
    if default is None:
        return []
    others = [
        programme
        for programme in programmes
        if programme is not default
        and programme.valid_from <= period.end
        and period.start <= programme.valid_to
    ]
    return [default, *others]


def _check_programme(programme: Programme, year: int) -> None:
    if programme not in year_programmes(year):
        raise MonitoringError(NOT_IN_FORCE, "programme_id", programme=programme.code, year=year)


@dataclass(frozen=True)
class ProgrammeIndicator:
    """An indicator of a programme with its rule read, as the monitoring pages show it."""

    number: int
    name: str
    unit: str
    rule: Rule

    @property
    def entered(self) -> bool:
        """Entered by the ministry for the region: no municipality has a value of its own."""
        return self.rule.count is Count.MANUAL

    @property
    def yes_no(self) -> bool:
        """Entered as yes (1) or no (0)."""
        return self.rule.type is ManualType.YES_NO


def programme_indicators(programme: Programme) -> list[ProgrammeIndicator]:
    """The programme's indicators in its order."""
    return [
        ProgrammeIndicator(
            indicator.number, indicator.name, indicator.unit, parse_rule(indicator.rule)
        )
        for indicator in db.session.scalars(
            sa.select(Indicator)
            .where(Indicator.programme_id == programme.id)
            .order_by(Indicator.number)
        )
    ]


# --- values entered by the ministry (indicators counted by a ``manual`` rule) ---


def ministry_indicators(programme: Programme) -> list[ProgrammeIndicator]:
    return [indicator for indicator in programme_indicators(programme) if indicator.entered]


def entered_values(year: int, programme: Programme) -> dict[int, IndicatorValue]:
    """The ministry's values of ``year`` by indicator number of ``programme``."""
    rows = db.session.execute(
        sa.select(Indicator.number, IndicatorValue)
        .join(IndicatorValue, IndicatorValue.indicator_id == Indicator.id)
        .where(IndicatorValue.year == year, Indicator.programme_id == programme.id)
    ).all()
    return dict(rows)


def entered_history() -> list[tuple[IndicatorValue, bool]]:
    """Every entered value, newest year first, each with whether it is a yes/no."""
    values = db.session.scalars(
        sa.select(IndicatorValue)
        .options(sa.orm.joinedload(IndicatorValue.indicator).joinedload(Indicator.programme))
        .options(sa.orm.joinedload(IndicatorValue.entered_by))
        .order_by(IndicatorValue.year.desc(), IndicatorValue.indicator_id)
    )
    return [(value, parse_rule(value.indicator.rule).type is ManualType.YES_NO) for value in values]


def set_indicator_value(
    programme: Programme,
    number: int,
    year: int,
    value: int | None,
    comment: str | None,
    actor: User,
) -> IndicatorValue | None:
    """Enter, change or (no value and no comment) remove the ministry's value of indicator
    ``number`` of ``programme`` for ``year``: a programme of the year, an indicator whose rule
    counts ``manual``; a ``yes_no`` one takes 1 or 0."""
    _check_year(year)
    _check_programme(programme, year)
    comment = _clean_comment(comment)
    indicator = db.session.scalar(
        sa.select(Indicator).where(
            Indicator.programme_id == programme.id, Indicator.number == number
        )
    )
    if indicator is None:
        raise MonitoringError(NO_SUCH_INDICATOR, programme=programme.code, number=number)
    rule = parse_rule(indicator.rule)
    if rule.count is not Count.MANUAL:
        raise MonitoringError(NOT_ENTERED_BY_MINISTRY, programme=programme.code, number=number)
    if value is not None:
        if rule.type is ManualType.YES_NO and value not in (0, 1):
            raise MonitoringError(BAD_YES_NO)
        if not 0 <= value <= MAX_VALUE:
            raise MonitoringError(BAD_VALUE)
    row = db.session.scalar(
        sa.select(IndicatorValue).where(
            IndicatorValue.indicator_id == indicator.id, IndicatorValue.year == year
        )
    )
    if value is None and comment is None:
        if row is not None:
            db.session.delete(row)
            db.session.flush()
        return None
    if row is None:
        row = IndicatorValue(indicator=indicator, year=year)
        db.session.add(row)
    elif row.value == value and row.comment == comment:
        return row  # unchanged: keep who entered it
    row.value, row.comment, row.entered_by_id = value, comment, actor.id
    db.session.flush()
    return row


# --- the campaign ---


def open_campaign(
    year: int, deadline: date, actor: User, programme: Programme | None = None
) -> MonitoringCampaign:
    """A campaign collecting the indicators of ``programme`` (None: the one that counts the
    year), which must be a programme of the year (:func:`year_programmes`)."""
    _check_year(year)
    if deadline < local_today():
        raise MonitoringError(PAST_DEADLINE, "deadline")
    check_date(deadline, DEADLINE_DATES, MonitoringError, "deadline")
    exists = db.session.scalar(
        sa.select(MonitoringCampaign.id).where(MonitoringCampaign.year == year)
    )
    if exists is not None:
        raise MonitoringError(DUPLICATE_CAMPAIGN, "year")
    if programme is None:
        programme = next(iter(year_programmes(year)), None)
        if programme is None:
            raise MonitoringError(NO_PROGRAMME, "year", year=year)
    else:
        _check_programme(programme, year)
    campaign = MonitoringCampaign(
        year=year,
        deadline=deadline,
        status=CampaignStatus.OPEN,
        opened_by_id=actor.id,
        programme=programme,
    )
    db.session.add(campaign)
    try:
        db.session.flush()
    except IntegrityError as error:
        raise MonitoringError(DUPLICATE_CAMPAIGN, "year") from error
    return campaign


def set_deadline(campaign: MonitoringCampaign, deadline: date) -> None:
    """Move the deadline of an open campaign (e.g. extend it)."""
    if campaign.status is not CampaignStatus.OPEN:
        raise MonitoringError(CAMPAIGN_CLOSED)
    if deadline < local_today() and deadline != campaign.deadline:
        raise MonitoringError(PAST_DEADLINE, "deadline")
    if deadline != campaign.deadline:
        check_date(deadline, DEADLINE_DATES, MonitoringError, "deadline")
    campaign.deadline = deadline
    db.session.flush()


def close_campaign(campaign: MonitoringCampaign) -> None:
    if campaign.status is CampaignStatus.CLOSED:
        raise MonitoringError(ALREADY_CLOSED)
    campaign.status = CampaignStatus.CLOSED
    db.session.flush()


def frozen_form(results: list[queries.IndicatorResult]) -> dict:
    """Results as they are frozen in a report: {"2": {"value", "named", "headcount"}, …};
    named and headcount where the rule counts students."""
    return {
        str(result.number): {
            "value": result.value,
            "named": result.named if result.counts_students else None,
            "headcount": result.headcount if result.counts_students else None,
        }
        for result in results
    }


def live_values(campaign: MonitoringCampaign, municipality_id: int) -> dict:
    """The municipality's values of the campaign's indicators as computed now (frozen form).

    The ministry's entered values are the region's; for a municipality they are None.
    """
    results = queries.compute(
        db.session,
        Period.year(campaign.year),
        queries.Scope(municipality_id=municipality_id),
        with_municipalities=False,
        programme=campaign.programme,
    )
    return frozen_form(results)


def live_values_by_municipality(campaign: MonitoringCampaign) -> dict[int, dict]:
    """:func:`live_values` of every municipality at once, from one regional computation with
    breakdowns (a fixed number of queries, whatever the number of municipalities)."""
    results = queries.compute(
        db.session, Period.year(campaign.year), queries.REGION, programme=campaign.programme
    )
    live: dict[int, dict] = {}
    for result in results:
        for part in result.by_municipality:
            assert isinstance(part.key, int), "keyed by municipality id"
            live.setdefault(part.key, {})[str(result.number)] = {
                "value": part.value,
                "named": part.named if result.counts_students else None,
                "headcount": part.headcount if result.counts_students else None,
            }
    numbers = [str(result.number) for result in results]
    for municipality_id in db.session.scalars(sa.select(Municipality.id)):
        values = live.setdefault(municipality_id, {})
        for number in numbers:
            values.setdefault(number, {"value": None, "named": None, "headcount": None})
    return live


def find_report(campaign: MonitoringCampaign, municipality_id: int) -> MunicipalReport | None:
    return db.session.scalar(
        sa.select(MunicipalReport).where(
            MunicipalReport.campaign_id == campaign.id,
            MunicipalReport.municipality_id == municipality_id,
        )
    )


def submit_report(
    campaign: MonitoringCampaign, municipality_id: int, actor: User, comment: str | None
) -> MunicipalReport:
    """Freeze the municipality's values as computed now, with who and when.

    A report is submitted once; after the ministry returns it (reopened) it may be submitted
    again, which freezes the values anew with the new time.
    """
    if campaign.status is not CampaignStatus.OPEN:
        raise MonitoringError(CAMPAIGN_CLOSED)
    comment = _clean_comment(comment)
    report = db.session.scalar(
        sa.select(MunicipalReport)
        .where(
            MunicipalReport.campaign_id == campaign.id,
            MunicipalReport.municipality_id == municipality_id,
        )
        .with_for_update()
    )
    if report is not None and report.status is ReportStatus.SUBMITTED:
        raise MonitoringError(ALREADY_SUBMITTED)
    values = live_values(campaign, municipality_id)
    changes = {
        "status": ReportStatus.SUBMITTED,
        "frozen_values": values,  # a new dict, so the JSON column sees the change
        "comment": comment,
        "submitted_by_id": actor.id,
        "submitted_at": utcnow(),
    }
    with db.session.no_autoflush:
        if report is None:
            report = MunicipalReport(
                campaign_id=campaign.id, municipality_id=municipality_id, **changes
            )
            db.session.add(report)
        else:
            for key, value in changes.items():
                setattr(report, key, value)
    try:
        db.session.flush()
    except IntegrityError as error:  # a second submission won the race for the unique row
        raise MonitoringError(ALREADY_SUBMITTED) from error
    return report


def reopen_report(report: MunicipalReport, actor: User, reason: str | None) -> None:
    """Return a submitted report for correction, saying why; its frozen values stay until it
    is submitted again."""
    if report.campaign.status is not CampaignStatus.OPEN:
        raise MonitoringError(CAMPAIGN_CLOSED)
    if report.status is not ReportStatus.SUBMITTED:
        raise MonitoringError(NOT_SUBMITTED)
    reason = _clean_comment(reason, REASON_TOO_LONG)
    if reason is None:
        raise MonitoringError(REASON_REQUIRED)
    report.status = ReportStatus.REOPENED
    report.reopened_by_id = actor.id
    report.reopened_at = utcnow()
    report.return_reason = reason
    db.session.flush()


@dataclass
class MunicipalityRow:
    """A municipality's line in the consolidated table."""

    campaign: MonitoringCampaign
    municipality: Municipality
    report: MunicipalReport | None
    state: ReportState
    late: bool = False
    changed: list[int] = field(default_factory=list)
    live: dict = field(default_factory=dict)

    @property
    def submitted(self) -> bool:
        return self.state is ReportState.SUBMITTED

    def frozen(self, number: int):
        """The frozen value of indicator ``number``, or None."""
        if self.report is None:
            return None
        return (self.report.frozen_values.get(str(number)) or {}).get("value")


def report_row(
    campaign: MonitoringCampaign,
    municipality: Municipality,
    report: MunicipalReport | None,
    live: dict | None,
    on: date | None = None,
) -> MunicipalityRow:
    """``live`` None: no comparison with the current values (lists that do not need it)."""
    state = report_state(
        report.status if report else None,
        campaign.deadline,
        on or local_today(),
        campaign.status is CampaignStatus.OPEN,
    )
    row = MunicipalityRow(campaign, municipality, report, state, live=live or {})
    if report is not None:
        row.late = submitted_late(
            campaign.deadline, local_date(report.submitted_at) if report.submitted_at else None
        )
        if live is not None:
            row.changed = changed_numbers(report.frozen_values or {}, live)
    return row


def consolidated(campaign: MonitoringCampaign) -> list[MunicipalityRow]:
    """Every municipality with its report (or none), its state and what changed since it was
    submitted; a fixed number of queries."""
    reports = {
        report.municipality_id: report
        for report in db.session.scalars(
            sa.select(MunicipalReport)
            .where(MunicipalReport.campaign_id == campaign.id)
            .options(
                sa.orm.joinedload(MunicipalReport.submitted_by),
                sa.orm.joinedload(MunicipalReport.reopened_by),
            )
        )
    }
    live = live_values_by_municipality(campaign)
    on = local_today()
    return [
        report_row(campaign, municipality, reports.get(municipality.id), live[municipality.id], on)
        for municipality in db.session.scalars(sa.select(Municipality).order_by(Municipality.name))
    ]
