"""Forms of the agreement pages; parties are picked with the directory's
:class:`~partnercrm.directory.fields.OrganizationField`."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import (
    DateField,
    FieldList,
    FormField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, Optional

from partnercrm.agreements.labels import KIND_LABELS
from partnercrm.agreements.models import number_key
from partnercrm.agreements.rules import AGREEMENT_DATES, CooperationKind
from partnercrm.agreements.services import AgreementData
from partnercrm.directory.fields import OrganizationField
from partnercrm.directory.models import Organization
from partnercrm.directory.queries import organization_label
from partnercrm.web.form_tokens import FormTokenField
from partnercrm.web.forms import CheckboxesField, Form, SubForm, WithinBounds
from partnercrm.web.integers import record_id

BLANK_PARTY_ROWS = 2
MIN_PARTY_ROWS = 3


def _strip(value):
    if isinstance(value, str):
        return value.strip() or None
    return value


def _number(value):
    # Runs of spaces are one space: the number as the parties' number key compares it.
    if isinstance(value, str):
        return number_key(value) or None
    return value


class PartyForm(SubForm):
    """One row of the parties table (no CSRF of its own: the outer form has it)."""

    organization = OrganizationField(_l("Organization"), filters=[_strip])
    role = StringField(
        _l("Role in the agreement"), filters=[_strip], validators=[Optional(), Length(max=200)]
    )


class AgreementForm(Form):
    # A new record's one-time token (web/form_tokens.py); unused when editing.
    form_token = FormTokenField()
    number = StringField(
        _l("Number"), filters=[_number], validators=[InputRequired(), Length(max=100)]
    )
    subject = TextAreaField(
        _l("Subject of the agreement"), filters=[_strip], validators=[InputRequired()]
    )
    kinds = CheckboxesField(
        _l("Kinds of cooperation"),
        choices=[(kind.value, label) for kind, label in KIND_LABELS.items()],
    )
    parties = FieldList(FormField(PartyForm), min_entries=MIN_PARTY_ROWS)
    signed_on = DateField(
        _l("Signed on"),
        validators=[Optional(), WithinBounds(AGREEMENT_DATES)],
        description=_l("Leave empty while the agreement is a draft."),
    )
    valid_from = DateField(_l("Valid from"), validators=[Optional(), WithinBounds(AGREEMENT_DATES)])
    valid_to = DateField(
        _l("Valid to (last day)"),
        validators=[Optional(), WithinBounds(AGREEMENT_DATES)],
        description=_l("Leave empty for an agreement without an end date."),
    )
    terminated_on = DateField(
        _l("Terminated on"), validators=[Optional(), WithinBounds(AGREEMENT_DATES)]
    )
    termination_reason = TextAreaField(
        _l("Reason for the termination"), filters=[_strip], validators=[Optional()]
    )
    contact_persons = TextAreaField(
        _l("Contact persons"), filters=[_strip], validators=[Optional()]
    )
    notes = TextAreaField(_l("Notes"), filters=[_strip], validators=[Optional()])
    submit = SubmitField(_l("Save"))

    def party_values(self) -> list[tuple[Organization, str | None]]:
        return [
            (entry.form.organization.organization, entry.form.role.data)
            for entry in self.parties
            if entry.form.organization.organization is not None
        ]

    def data_for_service(self) -> AgreementData:
        return AgreementData(
            number=self.number.data or "",
            subject=self.subject.data or "",
            parties=self.party_values(),
            kinds=[CooperationKind(value) for value in self.kinds.data or []],
            signed_on=self.signed_on.data,
            valid_from=self.valid_from.data,
            valid_to=self.valid_to.data,
            terminated_on=self.terminated_on.data,
            termination_reason=self.termination_reason.data,
            contact_persons=self.contact_persons.data,
            notes=self.notes.data,
        )

    def fill_parties(self, parties: list[tuple[Organization | None, str | None]]) -> None:
        """Show ``parties`` and some empty rows to add more (GET)."""
        while len(self.parties):
            self.parties.pop_entry()
        rows = max(len(parties) + BLANK_PARTY_ROWS, MIN_PARTY_ROWS)
        for index in range(rows):
            organization, role = parties[index] if index < len(parties) else (None, None)
            self.parties.append_entry(
                {"organization": organization_label(organization), "role": role or ""}
            )

    def add_blank_party_rows(self) -> None:
        """After a refused POST, keep the typed rows and offer empty ones again."""
        blank = sum(1 for entry in self.parties if not entry.form.organization.data)
        for _index in range(max(0, BLANK_PARTY_ROWS - blank)):
            self.parties.append_entry()


class DocumentForm(Form):
    document = FileField(_l("Scanned agreement (PDF, at most 10 MB)"))
    submit = SubmitField(_l("Upload"))


class LinkActivityForm(Form):
    activity = SelectField(_l("Activity"), coerce=record_id, validators=[InputRequired()])
    submit = SubmitField(_l("Link"))
