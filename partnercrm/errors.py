"""The refusal every service raises for bad input, and the marker for its messages."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager


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
        # Further refusals the same check found (:class:`Refusals`): a form shows them all.
        self.more: list[UserError] = []

    def all(self) -> list[UserError]:
        """This refusal and the others found with it."""
        return [self, *self.more]

    def __str__(self) -> str:
        """The message in English, placeholders filled (logs, the command line)."""
        return self.message % self.params if self.params else self.message


class Refusals:
    """The refusals of a service's independent checks, collected so that a form shows every
    problem after one submit: ``refusals.add(SomeError(...))`` or ``with refusals.check():``
    around a check that raises, then ``refusals.raise_any()`` raises the first one (of its own
    class, so callers catch it as before) carrying the others in ``more``."""

    def __init__(self) -> None:
        self.errors: list[UserError] = []

    def add(self, error: UserError) -> None:
        self.errors.append(error)

    @contextmanager
    def check(self) -> Iterator[None]:
        try:
            yield
        except UserError as error:
            self.errors.extend(error.all())

    def raise_any(self) -> None:
        if self.errors:
            first, *more = self.errors
            first.more = more
            raise first


def N_(message: str) -> str:
    """Mark a msgid for extraction without translating it here; it is translated where shown."""
    return message
