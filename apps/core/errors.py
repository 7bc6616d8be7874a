"""The application's own error types, mapped once to HTTP (apps.core.api.exception_handler)."""

from __future__ import annotations


class ApplicationError(Exception):
    """A domain rule refused the operation. ``field`` names the input at fault, when there is one."""

    status_code = 400
    default_code = "invalid"

    def __init__(self, message: str, *, field: str | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code or self.default_code

    def as_dict(self) -> dict[str, list[str]]:
        return {self.field or "detail": [self.message]}


class ConflictError(ApplicationError):
    """The operation conflicts with the current state: a duplicate, or a record still referenced."""

    status_code = 409
    default_code = "conflict"


class TransitionError(ConflictError):
    """A status change that the lifecycle does not allow from the current status."""

    default_code = "invalid_transition"


class PermissionDeniedError(ApplicationError):
    """The actor may not take this action on this record."""

    status_code = 403
    default_code = "permission_denied"
