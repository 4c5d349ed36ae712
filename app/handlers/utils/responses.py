"""The error envelope and reusable `responses=` dicts for OpenAPI."""

from typing import Any, Literal

from pydantic import BaseModel, Field

from app.core import exceptions as exc


class ErrorResponse(BaseModel):
    result: Literal[False] = False
    error_type: str = Field(examples=["NotFound"])
    error_message: str = Field(examples=["Tweet 42 does not exist"])


_DESCRIPTIONS: dict[type[exc.AppError], str] = {
    exc.Unauthorized: "The `api-key` header is missing, empty or unknown",
    exc.Forbidden: "The caller may not do this",
    exc.NotFound: "The object does not exist",
    exc.Conflict: "The request conflicts with the current state",
    exc.RequestTimeout: "The request body stopped arriving before it was complete",
    exc.ValidationFailed: "The request's body or parameters are invalid",
    exc.PayloadTooLarge: "The request body is too large",
    exc.UnsupportedMediaType: "The content type or file format is not accepted",
    exc.TooManyRequests: "Over the caller's budget of requests a minute; retry after "
    "`Retry-After` seconds",
    exc.ServiceUnavailable: "A service this request needs is unavailable; retry later",
}

ResponsesDict = dict[int | str, dict[str, Any]]


def errors(*kinds: type[exc.AppError]) -> ResponsesDict:
    return {
        kind.status_code: {"model": ErrorResponse, "description": _DESCRIPTIONS[kind]}
        for kind in kinds
    }


# Every request can fail validation, run over its budget or hit an unavailable database.
COMMON = errors(exc.ValidationFailed, exc.TooManyRequests, exc.ServiceUnavailable)
AUTH = errors(exc.Unauthorized) | COMMON
