"""Flask-Admin at /admin, for the admin role only: users and the reference data.

Every view writes through the app's ``db.session``, so the audit trail records admin edits like
any other. Nothing is exported and nothing but a school holiday is deleted: users are
deactivated, reference rows are referred to by other records.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from enum import StrEnum
from typing import TypeVar

import sqlalchemy as sa
from flask import Flask, abort, current_app, flash, has_app_context, request
from flask_admin import Admin, AdminIndexView
from flask_admin.contrib.sqla import ModelView
from flask_admin.contrib.sqla.ajax import QueryAjaxModelLoader
from flask_admin.contrib.sqla.filters import FilterEqual
from flask_admin.menu import MenuLink
from flask_admin.model import typefmt
from flask_admin.theme import Bootstrap4Theme
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms.validators import ValidationError

from partnercrm.access.base import is_admin
from partnercrm.accounts.labels import ROLE_LABELS
from partnercrm.accounts.models import User
from partnercrm.accounts.rules import Role
from partnercrm.admin.forms import CSRFForm, OrganizationForm, SchoolHolidayForm, UserForm
from partnercrm.directory.labels import APPROVAL_LABELS, KIND_LABELS
from partnercrm.directory.models import Municipality, Organization
from partnercrm.directory.rules import ApprovalState, OrganizationKind
from partnercrm.extensions import db
from partnercrm.indicators.labels import rule_sentence
from partnercrm.indicators.rules import parse_rule
from partnercrm.jobs.models import SchoolHoliday
from partnercrm.roadmap.models import Indicator, PlanItem, PlanSection, Programme
from partnercrm.web.extensions import login_manager
from partnercrm.web.integers import MAX_ID, record_id
from partnercrm.web.pagination import MAX_PAGE
from partnercrm.web.security import csp_nonce

E = TypeVar("E", bound=StrEnum)


def _choices(labels: Mapping[E, object]) -> list[tuple[str, object]]:
    return [(member.value, label) for member, label in labels.items()]


class EnumFilter(FilterEqual):
    """Flask-Admin's own enum filter looks members up by name; ours are stored by value, and
    a value that is no member is ignored instead of failing the query."""

    def __init__(self, column, name, labels: Mapping[E, object]) -> None:
        super().__init__(column, name, options=_choices(labels))
        self.enum = type(next(iter(labels)))

    def validate(self, value: str) -> bool:
        return value in {member.value for member in self.enum}

    def clean(self, value: str) -> StrEnum:
        return self.enum(value)


def _local_datetime(view, value: datetime, name: str) -> str:
    # Shown as everywhere else in the app: local Kaliningrad time, not UTC.
    return current_app.jinja_env.filters["local_datetime"](value)


def _is_record_id(value) -> bool:
    try:
        record_id(value)
    except (TypeError, ValueError):
        return False
    return True


def _fits_a_column(value) -> bool:
    """A filter's cleaned value an integer column can be compared with (not a number past
    2^31, which PostgreSQL and, past 2^63, SQLite refuse)."""
    values = value if isinstance(value, list) else [value]
    return all(
        not isinstance(item, int) or isinstance(item, bool) or -MAX_ID - 1 <= item <= MAX_ID
        for item in values
    )


class BoundedAjaxLoader(QueryAjaxModelLoader):
    """Flask-Admin's look-up as the admin types: the id, offset and limit it is sent stay
    within what the database takes."""

    def get_one(self, pk):
        return super().get_one(pk) if _is_record_id(pk) else None

    def get_list(self, term: str, offset: int = 0, limit: int = 10):
        offset = min(max(offset or 0, 0), MAX_PAGE)
        limit = min(max(limit or 0, 0), self.options.get("page_size", 10))
        return super().get_list(term, offset, limit)


class AdminOnly:
    """Anonymous users go to the login page, every other role gets 403."""

    def is_accessible(self) -> bool:
        return is_admin(current_user)

    def inaccessible_callback(self, name, **kwargs):
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        abort(403)


class IndexView(AdminOnly, AdminIndexView):
    pass


class BaseModelView(AdminOnly, ModelView):
    form_base_class = CSRFForm
    can_export = False
    can_delete = False
    page_size = 50
    column_type_formatters = {**typefmt.BASE_FORMATTERS, datetime: _local_datetime}

    def get_one(self, id: str):
        """Ids come from the URL; one that is no id (no number, or past what an id column
        holds) is no record (the database would raise)."""
        return super().get_one(id) if _is_record_id(id) else None

    def _get_list_extra_args(self):
        # ``?page=`` (from 0 here) becomes an OFFSET: bounded as the app's own lists are.
        args = super()._get_list_extra_args()
        return args.clone(page=min(max(args.page or 0, 0), MAX_PAGE))

    def _get_list_filter_args(self):
        """The filters of the query string, less integer filters past what a column holds
        (with the message Flask-Admin gives for any invalid value)."""
        filters = super()._get_list_filter_args()
        if filters is None:
            return None
        kept = []
        for index, name, value in filters:
            flt = self._filters[index]
            if _fits_a_column(flt.clean(value)):
                kept.append((index, name, value))
            else:
                flash(self.get_invalid_value_msg(value, flt), "error")
        return kept


class UserView(BaseModelView):
    """Users are created at /users/new (with an invitation or a password), never here."""

    form_base_class = UserForm
    can_create = False
    # Explicit lists everywhere: the password hash and the session token are never shown,
    # searched, filtered or edited.
    column_list = (
        "email",
        "full_name",
        "role",
        "organization",
        "municipality",
        "active",
        "created_at",
        "last_login_at",
    )
    column_sortable_list = (
        "email",
        "full_name",
        "role",
        ("organization", "organization.name"),
        ("municipality", "municipality.name"),
        "active",
        "created_at",
        "last_login_at",
    )
    column_default_sort = "email"
    column_searchable_list = ("email", "full_name")
    column_filters = (
        EnumFilter(User.role, _l("Role"), ROLE_LABELS),
        "active",
        "organization.name",
        "municipality.name",
    )
    column_choices = form_choices = {"role": _choices(ROLE_LABELS)}
    column_labels = {
        "email": _l("E-mail"),
        "full_name": _l("Full name"),
        "role": _l("Role"),
        "organization": _l("Organization"),
        "organization.name": _l("Organization"),
        "municipality": _l("Municipality"),
        "municipality.name": _l("Municipality"),
        "active": _l("Active"),
        "created_at": _l("Created"),
        "last_login_at": _l("Last login"),
    }
    form_columns = ("email", "full_name", "role", "organization", "municipality", "active")
    form_args = {"role": {"coerce": Role}}
    # Schools alone number in the hundreds: look organizations up as the admin types.
    form_ajax_refs = {
        "organization": BoundedAjaxLoader(
            "organization",
            db.session,
            Organization,
            fields=("name", "short_name", "code"),
            page_size=20,
        )
    }

    def on_model_change(self, form, model: User, is_created: bool) -> None:
        """A change of scope or a deactivation ends the sessions opened before it."""
        scope_changed = any(
            form[name].object_data != form[name].data
            for name in ("role", "organization", "municipality")
        )
        if scope_changed or (form.active.object_data and not model.active):
            model.rotate_session_token()


class OrganizationView(BaseModelView):
    form_base_class = OrganizationForm
    column_list = ("name", "kind", "municipality", "code", "inn", "approval_state")
    column_sortable_list = (
        "name",
        "kind",
        ("municipality", "municipality.name"),
        "code",
        "inn",
        "approval_state",
    )
    column_default_sort = "name"
    column_searchable_list = ("name", "short_name", "code", "inn")
    column_filters = (
        EnumFilter(Organization.kind, _l("Kind"), KIND_LABELS),
        EnumFilter(Organization.approval_state, _l("Approval"), APPROVAL_LABELS),
        "municipality.name",
    )
    column_choices = form_choices = {
        "kind": _choices(KIND_LABELS),
        "approval_state": _choices(APPROVAL_LABELS),
    }
    column_labels = {
        "name": _l("Official name"),
        "short_name": _l("Short name"),
        "kind": _l("Kind"),
        "municipality": _l("Municipality"),
        "municipality.name": _l("Municipality"),
        "code": _l("Code"),
        "inn": _l("INN"),
        "address": _l("Address"),
        "email": _l("E-mail"),
        "phone": _l("Phone"),
        "website": _l("Website"),
        "industry": _l("Industry"),
        "approval_state": _l("Approval"),
        "decline_reason": _l("Reason for declining"),
    }
    column_descriptions = {"code": _l("A registry code or the INN; used by imports, unique.")}
    form_columns = (
        "kind",
        "code",
        "name",
        "short_name",
        "municipality",
        "inn",
        "address",
        "email",
        "phone",
        "website",
        "industry",
        "approval_state",
        "decline_reason",
    )
    form_args = {
        "kind": {"coerce": OrganizationKind},
        "approval_state": {"coerce": ApprovalState},
    }


class MunicipalityView(BaseModelView):
    column_list = ("name", "full_name", "kind")
    column_default_sort = "name"
    column_searchable_list = ("name", "full_name")
    column_filters = ("kind",)
    column_labels = {"name": _l("Name"), "full_name": _l("Official name"), "kind": _l("Kind")}
    form_columns = ("name", "full_name", "kind")


class ProgrammeFilter(FilterEqual):
    """A programme chosen by its code, compared by id (no join). The codes are read each time
    the list is shown (:meth:`RoadmapView._get_filter_groups`), so a newly published programme
    is there at once; Flask-Admin also asks when the view is made, outside any request."""

    def __init__(self, column) -> None:
        super().__init__(column, _l("Programme"))

    def get_options(self, view):
        if not has_app_context():
            return None
        rows = db.session.execute(
            sa.select(Programme.id, Programme.code).order_by(Programme.valid_from, Programme.id)
        ).all()
        return [(str(id_), code) for id_, code in rows]

    def validate(self, value: str) -> bool:
        return _is_record_id(value)

    def clean(self, value: str) -> int:
        return int(value)


class RoadmapView(BaseModelView):
    """The programmes are approved documents, published whole (docs/programmes.md: by import,
    which alone adds, removes, renumbers and sets rules): admins correct their text here. Every
    row shows its programme and stays in it."""

    can_create = False
    column_default_sort = [("programme.valid_from", False), ("number", False)]
    column_sortable_list = (("programme", "programme.valid_from"), "number")

    def _get_filter_groups(self):
        self._refresh_filters_cache()
        return super()._get_filter_groups()


class PlanSectionView(RoadmapView):
    column_list = ("programme", "number", "title")
    column_searchable_list = ("title",)
    column_filters = (ProgrammeFilter(PlanSection.programme_id),)
    column_labels = {"programme": _l("Programme"), "number": _l("No."), "title": _l("Title")}
    form_columns = ("title",)


class PlanItemView(RoadmapView):
    column_list = ("programme", "number", "section", "title", "responsible", "deadline")
    column_searchable_list = ("title", "responsible", "expected_result")
    column_filters = (ProgrammeFilter(PlanItem.programme_id), "section.number")
    column_labels = {
        "programme": _l("Programme"),
        "number": _l("No."),
        "section": _l("Section"),
        "section.number": _l("Section"),
        "title": _l("Title"),
        "responsible": _l("Responsible"),
        "deadline": _l("Deadline"),
        "expected_result": _l("Expected result"),
    }
    form_columns = ("section", "title", "responsible", "deadline", "expected_result")

    def edit_form(self, obj: PlanItem | None = None):
        """The form offers the sections of the item's own programme only; a posted section is
        checked by :meth:`on_model_change` (with its own message, not a bare "invalid
        choice")."""
        form = super().edit_form(obj)
        if obj is not None and request.method == "GET":
            form.section.query_factory = lambda: db.session.scalars(
                sa.select(PlanSection)
                .where(PlanSection.programme_id == obj.programme_id)
                .order_by(PlanSection.number)
            ).all()
        return form

    def on_model_change(self, form, model: PlanItem, is_created: bool) -> None:
        """An item stays in its programme (its number is unique there)."""
        if model.section.programme_id != model.programme_id:
            raise ValidationError(_l("Choose a section of the plan item's own programme."))


def _rule_in_words(view, context, model: Indicator, name: str) -> str:
    return rule_sentence(parse_rule(model.rule, f"indicator {model.number}"))


class IndicatorView(RoadmapView):
    # The rule is shown, never edited: it changes only by publishing the programme again.
    column_list = ("programme", "number", "name", "unit", "rule")
    column_details_list = ("programme", "number", "goal", "name", "unit", "rule")
    can_view_details = True
    column_searchable_list = ("name", "goal")
    column_filters = (ProgrammeFilter(Indicator.programme_id),)
    column_formatters = column_formatters_detail = {"rule": _rule_in_words}
    column_labels = {
        "programme": _l("Programme"),
        "number": _l("No."),
        "goal": _l("Goal"),
        "name": _l("Name"),
        "unit": _l("Unit"),
        "rule": _l("How it is counted"),
    }
    form_columns = ("goal", "name", "unit")


class SchoolHolidayView(BaseModelView):
    """Seeded for the current school year from school_holidays.json; the ministry corrects the
    dates here. The Labour Code rules read them (holiday or school-year hours)."""

    form_base_class = SchoolHolidayForm
    # Holidays are no one's reference: a wrongly entered period may go.
    can_delete = True
    column_list = ("school_year", "name", "first_day", "last_day")
    column_default_sort = [("school_year", True), ("first_day", False)]
    column_filters = ("school_year",)
    column_labels = {
        "school_year": _l("School year"),
        "name": _l("Name"),
        "first_day": _l("First day"),
        "last_day": _l("Last day"),
    }
    column_descriptions = {"school_year": _l("As 2026/2027.")}
    form_columns = ("school_year", "name", "first_day", "last_day")


# (view, model, menu name, menu category, URL under /admin)
VIEWS = (
    (UserView, User, _l("Users"), None, "users"),
    (OrganizationView, Organization, _l("Organizations"), None, "organizations"),
    (MunicipalityView, Municipality, _l("Municipalities"), None, "municipalities"),
    (PlanSectionView, PlanSection, _l("Plan sections"), _l("Roadmap"), "plan-sections"),
    (PlanItemView, PlanItem, _l("Plan items"), _l("Roadmap"), "plan-items"),
    (IndicatorView, Indicator, _l("Indicators"), _l("Roadmap"), "indicators"),
    (SchoolHolidayView, SchoolHoliday, _l("School holidays"), None, "school-holidays"),
)


def create_admin(app: Flask) -> Admin:
    """A fresh Admin and fresh views per app: a view belongs to the one Admin it was added to."""
    admin = Admin(
        app,
        name="PartnerCRM",
        index_view=IndexView(),
        theme=Bootstrap4Theme(fluid=True),
        csp_nonce_generator=csp_nonce,
    )
    for view, model, name, category, url in VIEWS:
        # Prefixed endpoints keep clear of the app's own blueprint names.
        endpoint = "admin_" + url.replace("-", "_")
        admin.add_view(view(model, db, name, category, endpoint=endpoint, url=url))
    admin.add_link(MenuLink(_l("Back to PartnerCRM"), endpoint="dashboard.index"))
    return admin
