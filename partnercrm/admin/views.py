from __future__ import annotations

from flask import Flask
from flask_admin import Admin


def create_admin(app: Flask) -> Admin:
    """A fresh Admin per app, so tests can build many apps."""
    return Admin(app, name="PartnerCRM")
