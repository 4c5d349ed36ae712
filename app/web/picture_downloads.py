"""A cap on the picture downloads one client address has under way at once.

Pictures need no key, and a client may read one as slowly as it likes: each such
download costs a socket, a task and up to a picture's worth of buffers (see
ImageService.read) for as long as the client takes. Requests a minute do not
bound that; this does, per address and process: 429 in the envelope beyond it.
"""

from starlette.types import ASGIApp, Receive, Scope, Send

from app.core import exceptions as exc
from app.core.slots import Slots
from app.web.errors import envelope
from app.web.middleware import HttpMiddleware
from app.web.rate_limit import PICTURES


class PictureDownloads(HttpMiddleware):
    def __init__(self, app: ASGIApp, per_address: int) -> None:
        super().__init__(app)
        self.slots = Slots(per_address)

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["method"] not in ("GET", "HEAD") or not scope["path"].startswith(PICTURES):
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        # Held until the last byte is sent or the client is gone, not just until the
        # handler returns: the slow part is the sending.
        with self.slots.hold(client[0] if client else None) as held:
            if held:
                await self.app(scope, receive, send)
                return
        refusal = exc.TooManyRequests(
            f"Too many pictures downloading at once from your address (the limit is "
            f"{self.slots.per_caller}); try again in a moment",
            retry_after=1,
        )
        await envelope(refusal)(scope, receive, send)
