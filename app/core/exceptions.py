"""Domain errors. Raise them anywhere; one handler (app/web/errors.py) renders the
error envelope. Each class says what its status means, for the OpenAPI document
(app/web/openapi.py derives the routes' `responses=` from these descriptions)."""

from typing import ClassVar

INTERNAL_ERROR_MESSAGE = "Something went wrong on our side; it has been logged"


class AppError(Exception):
    """The base of them all; raised as it is, it is the 500 of a failure of ours."""

    status_code: ClassVar[int] = 500
    error_type: ClassVar[str] = "InternalError"
    description: ClassVar[str] = "Something went wrong on our side; the details are logged"

    def __init__(self, message: str = INTERNAL_ERROR_MESSAGE) -> None:
        super().__init__(message)
        self.message = message


class BadRequest(AppError):
    status_code = 400
    error_type = "BadRequest"
    description = "The request is malformed"


class Unauthorized(AppError):
    status_code = 401
    error_type = "Unauthorized"
    description = "The `api-key` header is missing, empty or unknown"


class Forbidden(AppError):
    status_code = 403
    error_type = "Forbidden"
    description = "The caller may not do this"


class NotFound(AppError):
    status_code = 404
    error_type = "NotFound"
    description = "The object does not exist"


class MethodNotAllowed(AppError):
    status_code = 405
    error_type = "MethodNotAllowed"
    description = "The path does not answer to this method; `Allow` lists those it does"


class RequestTimeout(AppError):
    status_code = 408
    error_type = "RequestTimeout"
    description = "The request body stopped arriving before it was complete"


class Conflict(AppError):
    status_code = 409
    error_type = "Conflict"
    description = "The request conflicts with the current state"


class PayloadTooLarge(AppError):
    status_code = 413
    error_type = "PayloadTooLarge"
    description = "The request body is too large"


class UnsupportedMediaType(AppError):
    status_code = 415
    error_type = "UnsupportedMediaType"
    description = "The content type or file format is not accepted"


class ValidationFailed(AppError):
    status_code = 422
    error_type = "ValidationError"
    description = "The request's body or parameters are invalid"

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class TooManyRequests(AppError):
    status_code = 429
    error_type = "TooManyRequests"
    description = (
        "Over the caller's budget of requests a minute, or too many of theirs under way "
        "at once; retry after `Retry-After` seconds"
    )

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ServiceUnavailable(AppError):
    status_code = 503
    error_type = "ServiceUnavailable"
    description = "A service this request needs is unavailable; retry later"


class DatabaseUnavailable(ServiceUnavailable):
    def __init__(self) -> None:
        super().__init__("The database is unavailable; try again in a moment")


class DatabaseBusy(ServiceUnavailable):
    """No pooled connection came free in time: the database is up, and busy."""

    def __init__(self) -> None:
        super().__init__("The database is busy; try again in a moment")
