"""Domain errors. Raise them anywhere; one handler renders the error envelope."""

from typing import ClassVar


class AppError(Exception):
    status_code: ClassVar[int] = 500
    error_type: ClassVar[str] = "InternalError"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class BadRequest(AppError):
    status_code = 400
    error_type = "BadRequest"


class Unauthorized(AppError):
    status_code = 401
    error_type = "Unauthorized"


class Forbidden(AppError):
    status_code = 403
    error_type = "Forbidden"


class NotFound(AppError):
    status_code = 404
    error_type = "NotFound"


class MethodNotAllowed(AppError):
    status_code = 405
    error_type = "MethodNotAllowed"


class RequestTimeout(AppError):
    status_code = 408
    error_type = "RequestTimeout"


class Conflict(AppError):
    status_code = 409
    error_type = "Conflict"


class PayloadTooLarge(AppError):
    status_code = 413
    error_type = "PayloadTooLarge"


class UnsupportedMediaType(AppError):
    status_code = 415
    error_type = "UnsupportedMediaType"


class ValidationFailed(AppError):
    status_code = 422
    error_type = "ValidationError"

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class TooManyRequests(AppError):
    status_code = 429
    error_type = "TooManyRequests"

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ServiceUnavailable(AppError):
    status_code = 503
    error_type = "ServiceUnavailable"


class DatabaseUnavailable(ServiceUnavailable):
    def __init__(self) -> None:
        super().__init__("The database is unavailable; try again in a moment")
