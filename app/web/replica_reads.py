"""With read replicas (DATABASE_REPLICA_URLS) only: what the requests need around a
replica read that a dependency cannot do.

- A GET whose read failed on a replica (the replica went away mid-read, or a
  recovery conflict cancelled the query) is answered again from the primary: its
  error answer is held back here, so the client sees only the second answer.
- After a person's write, the answer gives the browser the primary's WAL position
  in the `microblog_lsn` cookie (app/core/reads.py), so that the next page, from
  whichever worker process, waits for a replica that has the write.
"""

from starlette.datastructures import MutableHeaders
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.config import Settings
from app.core.reads import LSN_COOKIE
from app.core.replicas import REMEMBER_SECONDS
from app.web.middleware import HttpMiddleware
from app.web.rate_limit import CALLER
from app.web.session_cookie import secure

# request.state: a replica read failed, answer again (set by the read session) ...
REPLICA_FAILED = "replica_failed"
# ... and then read from the primary.
FROM_PRIMARY = "from_primary"
# The primary's WAL position after this request's write (set by the session).
WROTE = "wrote_position"

SAFE_METHODS = ("GET", "HEAD")


def position_cookie(position: str, settings: Settings) -> str:
    """The Set-Cookie header's value carrying `position`."""
    response = Response()
    response.set_cookie(
        LSN_COOKIE,
        position,
        max_age=int(REMEMBER_SECONDS),
        path="/",
        secure=secure(settings),
        httponly=True,
        samesite="lax",
    )
    return response.headers["set-cookie"]


class ReplicaReads(HttpMiddleware):
    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        super().__init__(app)
        self.settings = settings

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        state = scope.setdefault("state", {})
        if scope["method"] not in SAFE_METHODS:
            await self.app(scope, receive, self._with_position(state, send))
            return

        async def unless_failed(message: Message) -> None:
            if not state.get(REPLICA_FAILED):
                await send(message)

        before = dict(state)
        await self.app(scope, receive, unless_failed)
        if state.get(REPLICA_FAILED):
            state.clear()
            state.update(before, **{FROM_PRIMARY: True})
            # The caller as found before is expired by the first try's rollback (and
            # async sessions load nothing on attribute access): found again.
            state.pop(CALLER, None)
            await self.app(scope, receive, send)

    def _with_position(self, state: dict[str, object], send: Send) -> Send:
        async def sending(message: Message) -> None:
            position = state.get(WROTE)
            if message["type"] == "http.response.start" and isinstance(position, str):
                headers = MutableHeaders(scope=message)
                headers.append("set-cookie", position_cookie(position, self.settings))
            await send(message)

        return sending
