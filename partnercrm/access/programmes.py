"""Programmes (docs/programmes.md): the ministry's administrators list them, download them,
and upload the next one (preview, then publish). Everyone signed in reads a published
programme on the roadmap pages (``roadmap.views``). A programme belongs to the whole region:
there is no row-level scope, so no SQL form to keep in step."""

from __future__ import annotations

from partnercrm.access.base import is_admin
from partnercrm.accounts.models import User


def can_manage_programmes(user: User) -> bool:
    """The programme list, the downloads, the upload, its preview and publishing."""
    return is_admin(user)


def can_publish_upload(user: User, uploader_id: int) -> bool:
    """A previewed file is published by the administrator who uploaded it, no one else."""
    return can_manage_programmes(user) and user.id == uploader_id
