"""Errors the services raise; each carries a translation key for the user's message."""

from __future__ import annotations


class GovHubError(Exception):
    """A refusal the user should see, as a translation key with parameters."""

    key = "error.generic"

    def __init__(self, key: str | None = None, **params: object) -> None:
        self.key = key or self.key
        self.params = params
        super().__init__(self.key)


class NotFound(GovHubError):
    """Not there, or not yours to see: the two are never told apart."""

    key = "error.not_found"


class Invalid(GovHubError):
    """The input does not pass validation."""

    key = "error.invalid"


class Conflict(GovHubError):
    """Someone else changed the object since it was loaded."""

    key = "error.conflict"
