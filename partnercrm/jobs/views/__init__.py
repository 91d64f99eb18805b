"""Holiday jobs pages (plan item 7): one blueprint, ``jobs``, its routes grouped by what they
show — the staff list (:mod:`.job_list`), the posting form with the Labour Code's warnings
(:mod:`.postings`), a job with its applications and its review (:mod:`.job_page`), applying and
an application with its checks and history (:mod:`.applications`), and the public job board
without login (:mod:`.board`).

Every view loads its job or application by id and checks it with :mod:`partnercrm.access.jobs`
(:mod:`.loading`): what the user may not see is "not found" (404). Writes go through
:mod:`partnercrm.jobs.services` inside the request's unit of work; a refusal rolls back and is
shown (:func:`~partnercrm.web.unit_of_work.refusal_shown`).
"""

from partnercrm.jobs.views import applications, board, job_list, job_page, postings  # noqa: F401
from partnercrm.jobs.views.blueprint import bp

__all__ = ["bp"]
