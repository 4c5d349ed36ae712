"""ASGI middleware: a cap on request bodies and the last-resort error answer."""

import logging

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core import exceptions as exc
from app.handlers.errors import envelope

logger = logging.getLogger(__name__)


class BodyLimit:
    """Refuse bodies over `limit` bytes with 413, without reading them whole.

    A declared Content-Length over the limit is refused before any byte is read;
    a body that streams past it is cut off as soon as it does.
    """

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    def _too_large(self) -> exc.PayloadTooLarge:
        return exc.PayloadTooLarge(f"The request body is larger than {self.limit} bytes")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.limit):
            error: exc.AppError = (
                self._too_large()
                if declared.isdigit()
                else exc.BadRequest("The Content-Length header is not a number")
            )
            await envelope(error)(scope, receive, send)
            return
        received = 0

        async def limited() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    raise self._too_large()
            return message

        await self.app(scope, limited, send)


class CatchAll:
    """Answer any unhandled exception with the 500 envelope; details go to the log only."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracking)
        except Exception:
            logger.exception("unhandled error during %s %s", scope["method"], scope["path"])
            if started:
                raise  # too late for an error answer; the server closes the connection
            error = exc.AppError("Something went wrong on our side; it has been logged")
            await envelope(error)(scope, receive, send)
