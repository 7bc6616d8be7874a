"""The application's own error types, mapped once to HTTP (apps.core.api.exception_handler)."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping


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


def transition_require(
    transitions: Mapping[str, Collection[str]],
    from_status: str,
    to_status: str,
    *,
    subject: str,
    label: Callable[[str], str],
) -> None:
    """Refuse (``TransitionError`` on ``status``) a move the lifecycle map ``transitions`` does not allow,
    naming where ``subject`` ("A breach", "An import") can go instead."""
    allowed = transitions[from_status]
    if to_status in allowed:
        return
    options = ", ".join(label(status) for status in allowed) or "nothing (it is final)"
    raise TransitionError(
        f"{subject} that is {label(from_status)} cannot become {label(to_status)}; it can become: {options}.",
        field="status",
    )


def error_messages(exc: Exception) -> dict[str, list[str]]:
    """The messages of a refusal by field (``"detail"`` when it names none): an ``ApplicationError`` or a
    Django ``ValidationError`` (its non-field errors under ``"detail"``)."""
    from django.core.exceptions import NON_FIELD_ERRORS, ValidationError

    if isinstance(exc, ApplicationError):
        return exc.as_dict()
    if isinstance(exc, ValidationError):
        if hasattr(exc, "error_dict"):
            return {
                ("detail" if name == NON_FIELD_ERRORS else name): [
                    message for error in errors for message in error.messages
                ]
                for name, errors in exc.error_dict.items()
            }
        return {"detail": list(exc.messages)}
    return {"detail": [str(exc)]}
