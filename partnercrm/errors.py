"""The refusal every service raises for bad input, and the marker for its messages."""

from __future__ import annotations


class UserError(ValueError):
    """A user-facing refusal.

    ``message`` is an English msgid, translated where it is shown, with ``params`` filling its
    ``%(name)s`` placeholders; ``field`` names the form field (or import column) it concerns, if
    any. Raising it ends the unit of work: the transaction is rolled back, so nothing of the
    refused change is kept. Every domain's ``*Error`` derives from it with these arguments.
    """

    def __init__(self, message: str, field: str | None = None, **params: object) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.params = params

    def __str__(self) -> str:
        """The message in English, placeholders filled (logs, the command line)."""
        return self.message % self.params if self.params else self.message


def N_(message: str) -> str:
    """Mark a msgid for extraction without translating it here; it is translated where shown."""
    return message
