"""Errors a service raises; views and the API turn them into clear messages and status codes."""


class CarecastError(Exception):
    """Base class: the message is written for the person who will read it."""


class PermissionDenied(CarecastError):
    """The actor's role in the organisation does not allow this action."""


class NotFound(CarecastError):
    """The object does not exist, or it belongs to another organisation (we do not say which)."""


class ValidationError(CarecastError):
    """The input is wrong; nothing was changed."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class InvalidTransition(CarecastError):
    """The object is not in a state that allows this change."""
