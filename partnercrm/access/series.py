"""Who keeps weekly series (docs/profminimum.md, "Weekly series").

A series belongs to its organizing school: the school's own staff (:func:`roster_school_id`)
create it, see it, change it and mark its absentees — the attendance page names the school's
students, which nobody else may see (:mod:`partnercrm.access.students`). Everyone else sees the
sessions as the activities they are (:mod:`partnercrm.access.activities`), counts without names.
:func:`can_manage_series` and :func:`series_scope` say this for one series and in SQL.
"""

from __future__ import annotations

import sqlalchemy as sa

from partnercrm.access.base import roster_school_id
from partnercrm.accounts.models import User
from partnercrm.series.models import ActivitySeries


def can_keep_series(user: User) -> bool:
    """Create series and list them: the staff of a school."""
    return roster_school_id(user) is not None


def can_manage_series(user: User, series: ActivitySeries) -> bool:
    school_id = roster_school_id(user)
    return school_id is not None and series.school_id == school_id


def series_scope(user: User) -> sa.Select:
    """The series ``user`` may see and change: the query form of :func:`can_manage_series`."""
    school_id = roster_school_id(user)
    query = sa.select(ActivitySeries)
    if school_id is None:
        return query.where(sa.false())
    return query.where(ActivitySeries.school_id == school_id)
