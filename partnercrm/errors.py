"""The refusal every service raises for bad input, and the marker for its messages."""


class UserError(ValueError):
    """A user-facing refusal. The message is an English msgid, translated where it is shown;
    the caller rolls back, so nothing of the refused change is kept."""


def N_(message: str) -> str:
    """Mark a msgid for extraction without translating it here; it is translated where shown."""
    return message
