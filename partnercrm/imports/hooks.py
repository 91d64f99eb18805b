"""What the imports package adds to lower pages (template hooks, :mod:`partnercrm.web.hooks`):
an organization's code, which import files name it by, on its page — for users who import
only; no other page shows codes."""

from __future__ import annotations

from flask import Flask, render_template
from flask_login import current_user

from partnercrm.access.imports import can_use_imports
from partnercrm.directory.models import Organization
from partnercrm.web.hooks import add_template_hook


def organization_code(organization: Organization) -> str:
    if not can_use_imports(current_user):
        return ""
    return render_template("imports/_organization_code.html", organization=organization)


def register(app: Flask) -> None:
    add_template_hook(app, "organization-page", organization_code)
