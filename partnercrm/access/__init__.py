"""Who may do what (DESIGN §1), one module per domain.

:mod:`partnercrm.access.base` holds what every domain's rules stand on: the 403 helpers and the
user's own school, municipality and organization. Each domain module keeps its predicates
(``can_*``, for one object) beside the SQL visibility clause (``*_visibility``) and scope
(``*_scope``) that say the same for a query; ``tests/test_access_contract.py`` holds each pair
to agreeing. An object out of reach answers 404, a page the role has no part in 403.
"""
