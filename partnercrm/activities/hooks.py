"""What the activities package adds to the pages of lower packages (template hooks,
:mod:`partnercrm.web.hooks`), so they need not import it: a student's activities on the
student's page, and the activities linked to a plan item on the roadmap's plan item page."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask, render_template
from flask_login import current_user

from partnercrm.access.activities import activities_scope
from partnercrm.activities.list_views import activity_page
from partnercrm.activities.models import Activity, Participation, activity_plan_item
from partnercrm.extensions import db
from partnercrm.roadmap.models import PlanItem
from partnercrm.students.models import Student
from partnercrm.web.hooks import add_template_hook


def student_participation(student: Student) -> str:
    """The activities ``student`` took part in, newest first (the page is the school's own)."""
    activities = db.session.scalars(
        sa.select(Activity)
        .join(Participation, Participation.activity_id == Activity.id)
        .where(Participation.student_id == student.id)
        .order_by(Activity.starts_at.desc())
    ).all()
    return render_template("activities/_student_participation.html", activities=activities)


def plan_item_activities(item: PlanItem) -> str:
    """The activities linked to ``item`` that the user may see, newest first, a page of them."""
    query = activities_scope(current_user).where(
        Activity.id.in_(
            sa.select(activity_plan_item.c.activity_id).where(
                activity_plan_item.c.plan_item_id == item.id
            )
        )
    )
    page, counts = activity_page(query)
    return render_template("activities/_plan_item_activities.html", page=page, counts=counts)


def register(app: Flask) -> None:
    add_template_hook(app, "student-page", student_participation)
    add_template_hook(app, "plan-item-records", plan_item_activities)
