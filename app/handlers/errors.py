"""One place that turns every error into the envelope `{"result": false, ...}`."""

import logging
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy import exc as sa_exc
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import compile_path

from app.core import exceptions as exc

logger = logging.getLogger(__name__)


def envelope(
    error: exc.AppError, headers: dict[str, str] | None = None, **extra: Any
) -> JSONResponse:
    body = {"result": False, "error_type": error.error_type, "error_message": error.message}
    return JSONResponse(body | extra, status_code=error.status_code, headers=headers)


def _field(loc: Sequence[int | str]) -> str:
    # ("body", "tweet_data") -> "tweet_data"; ("query", "limit") -> "limit"
    parts = [str(part) for part in loc[1:]] if len(loc) > 1 else [str(part) for part in loc]
    return ".".join(parts)


def _sentence(error: dict[str, Any]) -> str:
    if error["type"] == "json_invalid":
        return "The request body is not valid JSON"
    if error["type"] == "missing" and tuple(error["loc"]) == ("body",):
        return "The request needs a JSON body"
    message = str(error["msg"]).removeprefix("Value error, ")
    return f"{_field(error['loc'])}: {message}"


async def _validation_error(_: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    problems = list(error.errors())
    details = [
        {"field": _field(p["loc"]), "message": str(p["msg"]).removeprefix("Value error, ")}
        for p in problems
    ]
    message = "; ".join(dict.fromkeys(_sentence(p) for p in problems[:3]))
    return envelope(exc.ValidationFailed(message), details=details)


async def _app_error(_: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, exc.AppError)
    return envelope(error)


def _allowed_methods(request: Request) -> list[str]:
    # Starlette names only the first route that matched the path; list them all,
    # from the (cached) OpenAPI document, which holds every API route.
    path = request.url.path
    allowed: set[str] = set()
    for template, operations in request.app.openapi()["paths"].items():
        if compile_path(template)[0].match(path):
            allowed.update(method.upper() for method in operations)
    return sorted(allowed)


async def _http_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, StarletteHTTPException)
    headers = dict(error.headers) if error.headers else None
    if error.status_code == 404:
        app_error: exc.AppError = exc.NotFound(f"There is no {request.url.path}")
    elif error.status_code == 405:
        allowed = _allowed_methods(request)
        headers = (headers or {}) | {"Allow": ", ".join(allowed)}
        app_error = exc.MethodNotAllowed(
            f"{request.method} is not allowed on {request.url.path}; use {' or '.join(allowed)}"
        )
    else:
        return JSONResponse(
            {"result": False, "error_type": "HTTPError", "error_message": str(error.detail)},
            status_code=error.status_code,
            headers=headers,
        )
    return envelope(app_error, headers=headers)


def _database_unreachable(error: BaseException) -> bool:
    if isinstance(error, sa_exc.DBAPIError) and error.connection_invalidated:
        return True
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, OSError | ConnectionError | sa_exc.TimeoutError):
            return True
        if type(seen).__name__ in {
            "CannotConnectNowError",
            "ConnectionDoesNotExistError",
            "TooManyConnectionsError",
            "AdminShutdownError",
        }:
            return True
        seen = seen.__cause__ or seen.__context__
    return False


async def _unexpected(request: Request, error: Exception) -> JSONResponse:
    if _database_unreachable(error):
        logger.warning(
            "database unavailable during %s %s: %r", request.method, request.url.path, error
        )
        return envelope(
            exc.ServiceUnavailable("The database is unavailable; try again in a moment"),
            headers={"Retry-After": "5"},
        )
    if isinstance(error, sa_exc.IntegrityError):
        logger.info("integrity conflict during %s %s: %s", request.method, request.url.path, error)
        return envelope(exc.Conflict("The request conflicts with a concurrent change; retry it"))
    logger.exception("unhandled error during %s %s", request.method, request.url.path)
    return envelope(exc.AppError("Something went wrong on our side; it has been logged"))


def register_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(exc.AppError, _app_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    # Database errors are handled inside the app, like domain errors; anything
    # else reaches Starlette's last-resort handler, which also logs it.
    app.add_exception_handler(sa_exc.SQLAlchemyError, _unexpected)
    app.add_exception_handler(OSError, _unexpected)
    app.add_exception_handler(Exception, _unexpected)
