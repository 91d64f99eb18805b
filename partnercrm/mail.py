"""Sending mail: SMTP when configured, otherwise each message is written to the log."""

from __future__ import annotations

import logging

from flask_mailman import EmailMessage
from flask_mailman.backends.base import BaseEmailBackend

log = logging.getLogger("partnercrm.mail")


class LogEmailBackend(BaseEmailBackend):
    """The default backend when no ``MAIL_SERVER`` is set (development, small pilots)."""

    def send_messages(self, email_messages):
        for message in email_messages:
            log.info("mail to %s: %s\n%s", ", ".join(message.to), message.subject, message.body)
        return len(email_messages)


def send_mail(to: list[str], subject: str, body: str) -> bool:
    """Send one message; False (and a logged error) when the mail server cannot be reached or
    refuses it, so a user's action is never lost to a mail failure."""
    try:
        EmailMessage(subject=subject, body=body, to=to).send()
    except OSError:  # smtplib's errors and socket errors alike
        log.exception("mail to %s not sent: %s", ", ".join(to), subject)
        return False
    return True
