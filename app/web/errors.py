"""One place that turns every error into the envelope `{"result": false, ...}`."""

import logging
from collections.abc import Sequence
from http import HTTPStatus
from typing import Any

import asyncpg
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy import exc as sa_exc
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect
from starlette.routing import compile_path

from app.core import exceptions as exc

logger = logging.getLogger(__name__)

# SQLSTATEs that mean the database is away or overloaded: worth a retry, not a bug.
# 08: connection exceptions; 57P01-03: shutting down / starting up; 53300: too many
# connections.
_UNAVAILABLE = ("08", "57P01", "57P02", "57P03", "53300")
# Deadlock, serialization failure, lock wait or statement timeout, cancelled query.
_RETRYABLE = ("40001", "40P01", "55P03", "57014")


def envelope(
    error: exc.AppError,
    headers: dict[str, str] | None = None,
    details: list[dict[str, str]] | None = None,
) -> JSONResponse:
    """The error answer; a ValidationFailed also names its field(s) in `details`."""
    if isinstance(error, exc.ValidationFailed) and error.field:
        details = [{"field": error.field, "message": error.message}]
    if isinstance(error, exc.ServiceUnavailable):
        headers = {"Retry-After": "5"} | (headers or {})
    if isinstance(error, exc.TooManyRequests):
        headers = {"Retry-After": str(error.retry_after)} | (headers or {})
    return _envelope(error.status_code, error.error_type, error.message, headers, details)


def _envelope(
    status_code: int,
    error_type: str,
    message: str,
    headers: dict[str, str] | None = None,
    details: list[dict[str, str]] | None = None,
) -> JSONResponse:
    """The one place the envelope is built: `{"result": false, "error_type", "error_message"}`."""
    body: dict[str, Any] = {"result": False, "error_type": error_type, "error_message": message}
    if details:
        body["details"] = details
    return JSONResponse(body, status_code=status_code, headers=headers)


def _field(loc: Sequence[int | str]) -> str:
    # ("body", "tweet_data") -> "tweet_data"; ("query", "limit") -> "limit";
    # ("body", 12) -> "body" (a position in unparsable JSON)
    rest = loc[1:]
    if not any(isinstance(part, str) for part in rest):
        return str(loc[0])
    return ".".join(str(part) for part in rest)


def _sentence(error: dict[str, Any]) -> str:
    if error["type"] == "json_invalid":
        return "The request body is not valid JSON"
    if error["type"] == "missing" and tuple(error["loc"]) == ("body",):
        return "The request needs a JSON body"
    message = str(error["msg"]).removeprefix("Value error, ")
    return f"{_field(error['loc'])}: {message}"


def _is_json(request: Request) -> bool:
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    return media_type in ("", "application/json") or media_type.endswith("+json")


async def _validation_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    problems = list(error.errors())
    if not _is_json(request) and any(p["loc"][0] == "body" for p in problems):
        # A form or text body where JSON was expected: say so, not "not a dictionary".
        return envelope(
            exc.UnsupportedMediaType("Send the body as JSON, with Content-Type: application/json")
        )
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
    """Every method the path answers to; Starlette names only the first route's."""
    path = request.url.path
    if not path.startswith("/api/"):
        return ["GET", "HEAD"]  # the web app
    allowed: set[str] = set()
    # The (cached) OpenAPI document holds every API route.
    for template, operations in request.app.openapi()["paths"].items():
        if compile_path(template)[0].match(path):
            allowed.update(method.upper() for method in operations)
    return sorted(allowed)


async def _http_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, StarletteHTTPException)
    if isinstance(error.__cause__, exc.AppError):
        # FastAPI turns any failure while reading the body into a 400; a body
        # cut off by BodyLimit is really a 413.
        return envelope(error.__cause__)
    headers = dict(error.headers) if error.headers else None
    if error.status_code == 400 and error.__cause__ is not None:
        # FastAPI's 400 for a body it could not decode (bytes that are not UTF-8, JSON
        # nested too deep to parse), raised from the decoding error: the same mistake
        # as JSON with a syntax error, which is a 422 naming the body.
        return envelope(exc.ValidationFailed("The request body is not valid JSON", field="body"))
    if error.status_code == 404:
        return envelope(exc.NotFound(f"There is no {request.url.path}"), headers)
    if error.status_code == 405:
        allowed = _allowed_methods(request)
        message = f"{request.method} is not allowed on {request.url.path}; use {', '.join(allowed)}"
        return envelope(
            exc.MethodNotAllowed(message), (headers or {}) | {"Allow": ", ".join(allowed)}
        )
    error_type = HTTPStatus(error.status_code).phrase.title().replace(" ", "").replace("-", "")
    return _envelope(error.status_code, error_type, str(error.detail), headers)


def _sqlstate(error: sa_exc.SQLAlchemyError) -> str:
    orig = getattr(error, "orig", None)
    return str(getattr(orig, "sqlstate", None) or "")


async def _database_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, sa_exc.SQLAlchemyError)
    return database_error(f"{request.method} {request.url.path}", error)


def server_unavailable(error: sa_exc.SQLAlchemyError) -> bool:
    """The database server is away or overloaded, the request itself is not at fault."""
    return (
        isinstance(error, sa_exc.TimeoutError)  # no pooled connection came free in time
        or (isinstance(error, sa_exc.DBAPIError) and error.connection_invalidated)
        or _sqlstate(error).startswith(_UNAVAILABLE)
    )


def recovery_conflict(error: sa_exc.SQLAlchemyError) -> bool:
    """A replica cancelled the query: the WAL it replays removed rows the query needed."""
    return _sqlstate(error) == "40001" and "recovery" in str(error)


def database_error(where: str, error: sa_exc.SQLAlchemyError) -> JSONResponse:
    """The answer to a database failure: 503 while it is away or busy, else 409 or 500."""
    conflict = isinstance(error, sa_exc.IntegrityError)
    return _database_answer(
        where, error, _sqlstate(error), away=server_unavailable(error), conflict=conflict
    )


def raw_database_error(where: str, error: Exception) -> JSONResponse:
    """`database_error` for asyncpg's own errors (the fast reads, app/handlers/fast/)."""
    sqlstate = str(getattr(error, "sqlstate", None) or "")
    return _database_answer(where, error, sqlstate, away=is_away(error), conflict=False)


def is_away(error: Exception) -> bool:
    """Whether an asyncpg error means the server is away (not a fault of the statement):
    no connection came, or the one in use was lost."""
    sqlstate = str(getattr(error, "sqlstate", None) or "")
    return (
        # InternalClientError ("cannot switch to state ...; another operation is in
        # progress"): a pooled connection whose server went away mid-statement, as a
        # replica stopping under load leaves some (tests/test_replicas.py).
        isinstance(error, OSError | TimeoutError | asyncpg.InternalClientError)
        # A connection used after it was lost, a pool closing (a shutdown); not the
        # InterfaceErrors of a wrong statement or argument, which are bugs.
        or (
            isinstance(error, asyncpg.InterfaceError)
            and not isinstance(error, asyncpg.DataError)
            and ("connection" in str(error) or "pool" in str(error))
        )
        or sqlstate.startswith(_UNAVAILABLE)
    )


def database_fault(error: Exception) -> bool:
    """Whether an asyncpg error is the database's answer or absence (answered in the
    envelope by `raw_database_error`), rather than a bug of ours."""
    return is_away(error) or isinstance(error, asyncpg.PostgresError)


def raw_recovery_conflict(error: Exception) -> bool:
    """`recovery_conflict` for asyncpg's own errors."""
    return getattr(error, "sqlstate", None) == "40001" and "recovery" in str(error)


def _database_answer(
    where: str, error: Exception, sqlstate: str, *, away: bool, conflict: bool
) -> JSONResponse:
    if away or sqlstate.startswith(_UNAVAILABLE):
        logger.warning("database unavailable during %s: %r", where, error)
        return envelope(exc.DatabaseUnavailable())
    if sqlstate in _RETRYABLE:
        logger.warning("database busy during %s: %r", where, error)
        return envelope(exc.ServiceUnavailable("The database is busy; try again in a moment"))
    if conflict:
        logger.info("integrity conflict during %s: %s", where, getattr(error, "orig", error))
        return envelope(exc.Conflict("The request conflicts with a concurrent change; retry it"))
    logger.error("database error during %s", where, exc_info=error)
    return envelope(exc.AppError())


async def _client_gone(request: Request, _: Exception) -> JSONResponse:
    # The person closed the connection mid-upload: nothing was stored, nobody listens.
    logger.info("client disconnected during %s %s", request.method, request.url.path)
    return envelope(exc.BadRequest("The request body was not sent completely"))


def register_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ClientDisconnect, _client_gone)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(exc.AppError, _app_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(sa_exc.SQLAlchemyError, _database_error)
    # Anything else: app.web.middleware.CatchAll logs it and answers 500.
