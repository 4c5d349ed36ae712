"""The rate-limit middleware: a 429 in the envelope, with Retry-After, for a caller
over budget (see app/web/rate_counters.py for how budgets are counted).

The caller is the api key when the request has one, else the client address.
Requests whose key turns out not to be valid (401) also spend from a budget of
their address, checked before any key is looked up: made-up keys cannot buy a
fresh budget each. Pictures, which browsers load without a key, have a budget of
their own, ten times the reads, so a page full of them does not starve the rest.
"""

import hashlib
import math

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core import exceptions as exc
from app.core.config import Settings
from app.web.errors import envelope
from app.web.middleware import HttpMiddleware
from app.web.rate_counters import Limiter, Verdict

UPLOADS = ("POST", "/api/medias")
PICTURES = "/api/medias/"
READ_METHODS = {"GET", "HEAD", "OPTIONS"}


class RateLimit(HttpMiddleware):
    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        super().__init__(app)
        reads = settings.rate_limit_reads_per_minute
        self.budgets = {
            "reads": reads,
            "writes": settings.rate_limit_writes_per_minute,
            "uploads": settings.rate_limit_uploads_per_minute,
            "pictures": 10 * reads,
            # Requests with a key that is not valid, per address.
            "invalid keys": settings.rate_limit_writes_per_minute,
        }

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = self._kind(scope["method"], scope["path"])
        per_minute = self.budgets[kind] if kind else 0
        if kind is None or not per_minute:
            await self.app(scope, receive, send)
            return
        limiter: Limiter = scope["app"].state.limiter
        key, address = _caller(scope)
        invalid_budget = self.budgets["invalid keys"]
        guard = (f"invalid:{address}", invalid_budget) if key and invalid_budget else None
        verdict = await limiter.hit(f"{kind}:{key or address}", per_minute, guard=guard)
        if not verdict.allowed:
            if verdict.by_guard:
                kind, per_minute = "requests with a wrong api key", invalid_budget
            await _refuse(scope, receive, send, kind, per_minute, verdict)
            return
        if guard is None:
            await self.app(scope, receive, send)
            return

        status = 0

        async def watching(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        await self.app(scope, receive, watching)
        if status == 401:
            await limiter.hit(*guard)

    @staticmethod
    def _kind(method: str, path: str) -> str | None:
        if not path.startswith("/api/"):
            return None  # the web app, health, metrics, docs
        if (method, path) == UPLOADS:
            return "uploads"
        if method in READ_METHODS:
            return "pictures" if path.startswith(PICTURES) else "reads"
        return "writes"


async def _refuse(
    scope: Scope, receive: Receive, send: Send, what: str, per_minute: int, verdict: Verdict
) -> None:
    wait = max(1, math.ceil(verdict.retry_after))
    refusal = exc.TooManyRequests(
        f"Too many {what}: the limit is {per_minute} a minute; try again in {wait} s",
        retry_after=wait,
    )
    await envelope(refusal)(scope, receive, send)


def _caller(scope: Scope) -> tuple[str | None, str]:
    """The api key as the limiter knows it (hashed apart from the database's hash,
    so the counters cannot be joined to people), and the client address."""
    client = scope.get("client")
    address = "ip:" + (client[0] if client else "unknown")
    for name, value in scope["headers"]:
        if name == b"api-key" and value:
            return "key:" + hashlib.sha256(b"microblog-rate:" + value).hexdigest(), address
    return None, address
