"""The error envelope's schema and the routes' `responses=` documentation, derived
from the exception classes (each describes itself)."""

from typing import Any, Literal

from pydantic import BaseModel, Field

from app.core import exceptions as exc


class ErrorResponse(BaseModel):
    result: Literal[False] = False
    error_type: str = Field(examples=["NotFound"])
    error_message: str = Field(examples=["Tweet 42 does not exist"])


ResponsesDict = dict[int | str, dict[str, Any]]


def errors(*kinds: type[exc.AppError]) -> ResponsesDict:
    return {
        kind.status_code: {"model": ErrorResponse, "description": kind.description}
        for kind in kinds
    }


# Every request can fail validation, run over its budget or hit an unavailable database.
COMMON = errors(exc.ValidationFailed, exc.TooManyRequests, exc.ServiceUnavailable)
AUTH = errors(exc.Unauthorized) | COMMON
