"""The rate-limit middleware: a 429 in the envelope, with Retry-After, for a caller
over budget (see app/core/rate_limit.py for how budgets are counted)."""

import hashlib
import logging
import math

from redis.exceptions import RedisError
from starlette.types import ASGIApp, Receive, Scope, Send

from app.core import exceptions as exc
from app.core.config import Settings
from app.core.rate_limit import Limiter
from app.handlers.errors import envelope
from app.handlers.middleware import HttpMiddleware

logger = logging.getLogger(__name__)

UPLOADS = ("POST", "/api/medias")
READ_METHODS = {"GET", "HEAD", "OPTIONS"}


class RateLimit(HttpMiddleware):
    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        super().__init__(app)
        self.budgets = {
            "reads": settings.rate_limit_reads_per_minute,
            "writes": settings.rate_limit_writes_per_minute,
            "uploads": settings.rate_limit_uploads_per_minute,
        }

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = self._kind(scope["method"], scope["path"])
        per_minute = self.budgets.get(kind, 0) if kind else 0
        if per_minute:
            limiter: Limiter = scope["app"].state.limiter
            try:
                verdict = await limiter.hit(f"{kind}:{_caller(scope)}", per_minute)
            except (RedisError, OSError) as failure:
                # Better to serve without limits for a while than not at all.
                logger.warning("rate limits not applied, Redis failed: %r", failure)
            else:
                if not verdict.allowed:
                    wait = max(1, math.ceil(verdict.retry_after))
                    refusal = exc.TooManyRequests(
                        f"Too many {kind}: the limit is {per_minute} a minute; "
                        f"try again in {wait} s",
                        retry_after=wait,
                    )
                    await envelope(refusal)(scope, receive, send)
                    return
        await self.app(scope, receive, send)

    @staticmethod
    def _kind(method: str, path: str) -> str | None:
        if not path.startswith("/api/"):
            return None  # the web app, health, metrics, docs
        if (method, path) == UPLOADS:
            return "uploads"
        return "reads" if method in READ_METHODS else "writes"


def _caller(scope: Scope) -> str:
    """The api key (hashed: keys never reach Redis or memory dumps), else the address."""
    for name, value in scope["headers"]:
        if name == b"api-key" and value:
            return "key:" + hashlib.sha256(value).hexdigest()
    client = scope.get("client")
    return "ip:" + (client[0] if client else "unknown")
