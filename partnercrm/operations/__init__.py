"""Running PartnerCRM: log redaction, backup and restore, retention of personal data."""
