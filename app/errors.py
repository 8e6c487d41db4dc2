"""Domain exceptions; app/web.py maps them to HTTP in one place."""

from __future__ import annotations


class DomainError(Exception):
    status_code = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class LoginRequired(DomainError):
    status_code = 401


class NotFound(DomainError):
    status_code = 404


class PermissionDenied(DomainError):
    status_code = 403


class Conflict(DomainError):
    status_code = 409


class ValidationFailed(DomainError):
    """Bad input; `errors` maps each field name to what is wrong with it."""

    status_code = 422

    def __init__(self, errors: dict[str, str], message: str = "Please correct the highlighted fields.") -> None:
        super().__init__(message)
        self.errors = errors


class RateLimited(DomainError):
    status_code = 429

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ServiceUnavailable(DomainError):
    """A service we depend on (the payment provider) did not answer; nothing was changed, try again."""

    status_code = 503
