"""ASGI middleware: a cap on request bodies and the last-resort error answer."""

import logging

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core import exceptions as exc
from app.handlers.errors import envelope

logger = logging.getLogger(__name__)


class HttpMiddleware:
    """ASGI middleware that acts on HTTP requests (`http`); the rest (lifespan) passes."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await self.http(scope, receive, send)
        else:
            await self.app(scope, receive, send)

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        raise NotImplementedError


class BodyLimit(HttpMiddleware):
    """Refuse bodies over the limit with 413, without reading them whole.

    A declared Content-Length over the limit is refused before any byte is read;
    a body that streams past it is cut off as soon as it does. `larger` gives
    some paths (uploads) a limit and message of their own.
    """

    def __init__(
        self, app: ASGIApp, limit: int, larger: dict[str, tuple[int, str]] | None = None
    ) -> None:
        super().__init__(app)
        self.default = (limit, f"The request body is larger than {limit:,} bytes")
        self.larger = larger or {}

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        limit, message = self.larger.get(scope["path"], self.default)
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            error: exc.AppError = (
                exc.PayloadTooLarge(message)
                if declared.isdigit()
                else exc.BadRequest("The Content-Length header is not a number")
            )
            await envelope(error)(scope, receive, send)
            return
        received = 0

        async def limited() -> Message:
            nonlocal received
            message_in = await receive()
            if message_in["type"] == "http.request":
                received += len(message_in.get("body", b""))
                if received > limit:
                    raise exc.PayloadTooLarge(message)
            return message_in

        await self.app(scope, limited, send)


class CatchAll(HttpMiddleware):
    """Answer any unhandled exception with the 500 envelope; details go to the log only."""

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
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
