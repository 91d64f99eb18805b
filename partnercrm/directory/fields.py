"""The organization picker every form uses.

An organization is picked by typing: ``organization-search.js`` fills the input's datalist
(``<field id>-list``) with ``Name [code]`` suggestions from ``/organizations/search``, and
:func:`~partnercrm.directory.queries.find_organization` resolves the text back, so the picker
works without JavaScript too (an exact code, INN or name is enough).
"""

from __future__ import annotations

from flask import url_for
from flask_babel import lazy_gettext as _l
from wtforms import StringField
from wtforms.validators import ValidationError

from partnercrm.directory.models import Organization
from partnercrm.directory.queries import find_organization


def search_url(kinds=None) -> str:
    """The suggestions endpoint, limited to ``kinds`` if given."""
    return url_for(
        "directory.organization_search",
        kind=",".join(kind.value for kind in kinds) if kinds else None,
    )


class OrganizationField(StringField):
    """A text field resolved to ``self.organization`` (of ``self.kinds``, if set)."""

    def __init__(self, label=None, validators=None, kinds=None, **kwargs) -> None:
        super().__init__(label, validators, **kwargs)
        self.kinds = kinds
        self.organization: Organization | None = None

    def __call__(self, **kwargs):
        kwargs.setdefault("list", f"{self.id}-list")
        kwargs.setdefault("autocomplete", "off")
        kwargs.setdefault("data-org-search", search_url(self.kinds))
        kwargs.setdefault("placeholder", _l("Type a few letters of the name or the code"))
        return super().__call__(**kwargs)

    def pre_validate(self, form) -> None:
        self.organization = None
        if (self.data or "").strip():
            self.organization = find_organization(self.data, self.kinds)
            if self.organization is None:
                raise ValidationError(
                    _l("No such organization. Type a few letters and pick it from the list.")
                )
