"""PartnerCRM: school–employer partnerships in career guidance.

The app is built by :func:`partnercrm.app.create_app`; the ``partnercrm`` command starts in
:mod:`partnercrm.console`. This module imports nothing, so neither does the start of a command
that runs without Flask."""

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
