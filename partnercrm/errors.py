"""The refusal every service raises for bad input; views show it to the user."""


class UserError(ValueError):
    """A user-facing refusal. The message is an English msgid, translated where it is shown;
    the caller rolls back, so nothing of the refused change is kept."""
