"""Employer self-registration: sign-up, e-mail confirmation, join requests and approval."""
