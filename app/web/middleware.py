"""ASGI middleware: a cap on request bodies, the last-resort error answer, and the
browser safety headers every answer carries."""

import logging

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core import exceptions as exc
from app.web.errors import envelope

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
            await envelope(exc.AppError())(scope, receive, send)


# Every answer: no MIME sniffing, no framing, no referrer to other sites, and for
# anything that is not one of our pages (JSON, pictures) a policy that lets it run
# nothing. Pages set their own, stricter-than-default policy (frontend.py, docs.py).
_SAFETY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"content-security-policy", b"default-src 'none'; frame-ancestors 'none'; sandbox"),
]


class SafetyHeaders(HttpMiddleware):
    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers += [(k, v) for k, v in _SAFETY_HEADERS if k not in present]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)
