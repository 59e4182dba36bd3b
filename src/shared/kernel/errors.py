"""Domain error base: every broken rule carries a Spanish message for the user and an
English one for the log, plus a stable code for the API."""

from __future__ import annotations


class DomainError(Exception):
    """A business rule was broken. ``message`` is Spanish (shown to users)."""

    code: str = "domain_error"
    status: int = 422

    def __init__(self, message: str, *, log_message: str | None = None, code: str | None = None,
                 details: object | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.log_message = log_message or message
        if code is not None:
            self.code = code
        self.details = details


class ValidationError(DomainError):
    code = "validation_error"
    status = 422


class NotFound(DomainError):
    """Missing *or outside the caller's scope*: both answer exactly the same."""

    code = "not_found"
    status = 404

    def __init__(self, message: str = "El recurso solicitado no existe.", **kw: object) -> None:
        super().__init__(message, **kw)  # type: ignore[arg-type]


class PermissionDenied(DomainError):
    code = "forbidden"
    status = 403

    def __init__(self, message: str = "No tiene permiso para realizar esta acción.", **kw: object) -> None:
        super().__init__(message, **kw)  # type: ignore[arg-type]


class Conflict(DomainError):
    code = "conflict"
    status = 409


class AuthenticationFailed(DomainError):
    code = "authentication_failed"
    status = 401
