"""Errors of the image service, answered as `{"result": false, "error_type", "error_message"}`.

The same envelope as the app's, so the app can pass a refusal on to the person
who uploaded the file without rewording it.
"""

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect

logger = logging.getLogger(__name__)


class ImageServiceError(Exception):
    status_code = 500
    error_type = "InternalError"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Unauthorized(ImageServiceError):
    status_code = 401
    error_type = "Unauthorized"


class NotFound(ImageServiceError):
    status_code = 404
    error_type = "NotFound"


class PayloadTooLarge(ImageServiceError):
    status_code = 413
    error_type = "PayloadTooLarge"


class UnsupportedMediaType(ImageServiceError):
    status_code = 415
    error_type = "UnsupportedMediaType"


class ValidationFailed(ImageServiceError):
    status_code = 422
    error_type = "ValidationError"


class StorageUnavailable(ImageServiceError):
    status_code = 503
    error_type = "ServiceUnavailable"


def error_response(status_code: int, error_type: str, message: str) -> JSONResponse:
    body = {"result": False, "error_type": error_type, "error_message": message}
    return JSONResponse(body, status_code=status_code)


def register_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ImageServiceError)
    async def _service_error(_: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, ImageServiceError)
        return error_response(error.status_code, error.error_type, error.message)

    @app.exception_handler(HTTPException)
    async def _http_error(_: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, HTTPException)
        error_type = {404: "NotFound", 405: "MethodNotAllowed"}.get(error.status_code, "HTTPError")
        response = error_response(error.status_code, error_type, str(error.detail))
        response.headers.update(error.headers or {})
        return response

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, RequestValidationError)
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        return error_response(422, "ValidationError", f"{where}: {first['msg']}")

    @app.exception_handler(ClientDisconnect)
    async def _client_gone(request: Request, _: Exception) -> JSONResponse:
        # The sender went away mid-upload; nothing was stored and nobody listens.
        logger.info("client disconnected during %s %s", request.method, request.url.path)
        return error_response(400, "BadRequest", "The request body was not sent completely")

    @app.exception_handler(Exception)
    async def _crash(request: Request, _: Exception) -> JSONResponse:
        logger.exception("unhandled error during %s %s", request.method, request.url.path)
        return error_response(500, "InternalError", "The image service failed; it has been logged")
