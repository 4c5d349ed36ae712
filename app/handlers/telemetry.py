"""What operators see of each request: an id (taken from `X-Request-ID` or made up,
and sent back), one log line, and Prometheus metrics by route template and status.
No header is logged, so api keys never reach the log."""

import logging
import re
import uuid
from time import perf_counter

from prometheus_client import Counter, Histogram, disable_created_metrics
from starlette.types import Message, Receive, Scope, Send

from app.core import logs
from app.handlers.middleware import HttpMiddleware

access_log = logging.getLogger("app.access")

# Series of when each counter was created double the output and say little.
disable_created_metrics()  # type: ignore[no-untyped-call]

# Any other method is counted as "other": a label per made-up method would grow forever.
METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}

# A caller's id is kept only if it is short and plain (it goes into headers and logs).
_GIVEN_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")

REQUESTS = Counter(
    "microblog_http_requests",
    "HTTP requests answered, by method, route template and status",
    ["method", "route", "status"],
)
LATENCY = Histogram(
    "microblog_http_request_duration_seconds",
    "Time from a request's arrival to the end of its answer, by route template and status",
    ["method", "route", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)


def _route_template(scope: Scope) -> str:
    # The template ("/api/tweets/{tweet_id}"), never the path: ids would make a new
    # series per tweet. A request that matched no route is counted as such.
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else "unmatched"


class Telemetry(HttpMiddleware):
    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        given = next((v for k, v in scope["headers"] if k == b"x-request-id"), b"")
        given_id = given.decode("latin-1")
        request_id = given_id if _GIVEN_ID.fullmatch(given_id) else uuid.uuid4().hex
        token = logs.request_id.set(request_id)
        status = 500  # if no answer starts, the server sends a 500
        started = perf_counter()

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [
                    *message.get("headers", []),
                    (b"x-request-id", request_id.encode()),
                ]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            seconds = perf_counter() - started
            route = _route_template(scope)
            method = scope["method"] if scope["method"] in METHODS else "other"
            REQUESTS.labels(method, route, str(status)).inc()
            LATENCY.labels(method, route, str(status)).observe(seconds)
            access_log.info(
                "%s %s %s",
                scope["method"],
                route,
                status,
                extra={
                    "method": scope["method"],
                    "route": route,
                    "status": status,
                    "duration_ms": round(seconds * 1000, 2),
                    "client": (scope.get("client") or ("-",))[0],
                },
            )
            logs.request_id.reset(token)
