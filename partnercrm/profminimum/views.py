"""The профминимум pages (DESIGN §8) on one blueprint: the hours pages live in report_views.py."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("profminimum", __name__, url_prefix="/profminimum")

# Their routes attach to ``bp`` when imported.
from partnercrm.profminimum import report_views  # noqa: E402, F401
