"""The app's side of image_saver: one shared httpx client, its answers in our own errors.

image_saver's refusals of a file (too large, not a picture) reach the person as
they are; anything else it does wrong, or not answering at all, is a 503.
"""

import asyncio
import logging
import tempfile
from collections.abc import AsyncIterable, AsyncIterator, Hashable
from dataclasses import dataclass
from datetime import datetime

import httpx

from app.core import exceptions as exc
from app.core.config import Settings
from app.core.slots import Slots

logger = logging.getLogger(__name__)

_UNAVAILABLE = "The image service is unavailable; try again in a moment"
# image_saver's refusals that are about the file, which the person can fix.
_REFUSALS: dict[int, type[exc.AppError]] = {
    413: exc.PayloadTooLarge,
    415: exc.UnsupportedMediaType,
    422: exc.ValidationFailed,
}
# Headers of an image answer that the app passes on.
_IMAGE_HEADERS = ("content-type", "content-length", "etag", "cache-control")
# Connections to image_saver per process, and how many uploads may hold one: slow
# uploads must never leave picture reads without a connection.
_CONNECTIONS = 100
_UPLOAD_SLOTS = 50
# Quick questions asked while holding a database lock must not wait long.
_QUICK_SECONDS = 5.0
# A picture read from image_saver waits for its client in memory up to this size,
# beyond it in a temporary file; it goes out a chunk at a time, so a client that
# reads slowly never has more of it in the process's buffers than that.
_IN_MEMORY_BYTES = 256 * 1024
_CHUNK_BYTES = 64 * 1024


@dataclass(frozen=True)
class Listed:
    key: str
    modified_at: datetime


@dataclass(frozen=True)
class StoredImage:
    key: str
    content_type: str
    size: int


@dataclass(frozen=True)
class Picture:
    """image_saver's answer for an image, read whole: its status (200, or 304), the
    headers to pass on, and the bytes (None for HEAD and 304). Close it when sent."""

    status_code: int
    headers: dict[str, str]
    body: "tempfile.SpooledTemporaryFile[bytes] | None"

    async def chunks(self) -> AsyncIterator[bytes]:
        if self.body is not None:
            while chunk := self.body.read(_CHUNK_BYTES):
                yield chunk

    def close(self) -> None:
        if self.body is not None:
            self.body.close()


class ImageService:
    def __init__(
        self,
        http: httpx.AsyncClient,
        upload_idle_seconds: float,
        uploads_per_caller: int = 0,
        upload_min_bytes_per_second: int = 0,
    ) -> None:
        self._http = http
        self._upload_slots = asyncio.Semaphore(_UPLOAD_SLOTS)
        self._caller_slots = Slots(uploads_per_caller)
        self._upload_idle_seconds = upload_idle_seconds
        self._upload_min_rate = upload_min_bytes_per_second

    @classmethod
    def connect(cls, settings: Settings) -> "ImageService":
        if settings.image_saver_url is None:
            raise RuntimeError(
                "IMAGE_SAVER_URL is not set: `python -m app serve` starts image_saver itself; "
                "otherwise set IMAGE_SAVER_URL and IMAGE_SAVER_TOKEN"
            )
        timeout = settings.image_saver_timeout_seconds
        http = httpx.AsyncClient(
            base_url=settings.image_saver_url,
            headers={"Authorization": f"Bearer {settings.image_saver_token.get_secret_value()}"},
            timeout=httpx.Timeout(timeout, connect=min(timeout, 3.0)),
            limits=httpx.Limits(max_connections=_CONNECTIONS, max_keepalive_connections=20),
        )
        return cls(
            http,
            settings.upload_idle_timeout_seconds,
            settings.max_concurrent_uploads_per_person,
            settings.upload_min_bytes_per_second,
        )

    async def aclose(self) -> None:
        await self._http.aclose()

    async def store(
        self,
        body: AsyncIterable[bytes],
        content_type: str,
        content_length: str | None,
        caller: Hashable,
    ) -> StoredImage:
        """Relay a multipart upload as it arrives; the bytes never gather in memory here.

        A sender that pauses longer than the idle timeout, or falls further than that
        behind the minimum rate, is cut off (408); one `caller` has only so many
        uploads under way at once (429), and no more than half the connections to
        image_saver ever carry uploads (503).
        """
        with self._caller_slots.hold(caller) as held:
            if not held:
                raise exc.TooManyRequests(
                    f"You are already uploading {self._caller_slots.per_caller} pictures; "
                    "wait until one of them is done",
                    retry_after=1,
                )
            if self._upload_slots.locked():
                raise exc.ServiceUnavailable("Too many pictures are being uploaded; try again soon")
            async with self._upload_slots:
                return await self._store(body, content_type, content_length)

    async def _store(
        self, body: AsyncIterable[bytes], content_type: str, content_length: str | None
    ) -> StoredImage:
        source_error: BaseException | None = None

        idle, rate = self._upload_idle_seconds, self._upload_min_rate
        stalled = f"The upload stalled: nothing arrived for {idle:g} seconds"
        too_slow = f"The upload is too slow: send at least {rate:,} bytes a second"

        async def relay() -> AsyncIterator[bytes]:
            nonlocal source_error
            chunks = aiter(body)
            clock = asyncio.get_running_loop().time
            started, received = clock(), 0
            try:
                while True:
                    # A drip of a byte now and then must not hold a slot for long: the
                    # sender may fall behind the minimum rate by the idle time, no more.
                    behind = started + idle + received / rate - clock() if rate else idle
                    if behind <= 0:
                        raise exc.RequestTimeout(too_slow)
                    try:
                        chunk = await asyncio.wait_for(anext(chunks), min(idle, behind))
                    except StopAsyncIteration:
                        return
                    except TimeoutError:
                        raise exc.RequestTimeout(stalled if idle <= behind else too_slow) from None
                    received += len(chunk)
                    yield chunk
            except BaseException as error:  # the person's side: too large, gone, stalled
                source_error = error
                raise

        headers = {"Content-Type": content_type}
        if content_length is not None:
            headers["Content-Length"] = content_length
        try:
            response = await self._http.post("/images", content=relay(), headers=headers)
        except BaseException as error:
            if source_error is not None:
                raise source_error from None
            if isinstance(error, httpx.HTTPError):
                logger.warning("image_saver upload failed: %r", error)
                raise exc.ServiceUnavailable(_UNAVAILABLE) from None
            raise
        return self._stored(response)

    async def store_file(self, name: str, data: bytes) -> StoredImage:
        """Store a picture the app itself has in hand (the demo's, say)."""
        try:
            response = await self._http.post("/images", files={"file": (name, data)})
        except httpx.HTTPError as error:
            logger.warning("image_saver upload failed: %r", error)
            raise exc.ServiceUnavailable(_UNAVAILABLE) from None
        return self._stored(response)

    def _stored(self, response: httpx.Response) -> StoredImage:
        if response.status_code != 201:
            raise self._error(response)
        stored = response.json()
        return StoredImage(stored["key"], stored["content_type"], stored["size"])

    async def read(
        self, key: str, if_none_match: str | None, method: str = "GET"
    ) -> Picture | None:
        """The image's answer (GET or HEAD), or None if it is gone.

        Read whole before a byte goes to the client, so the connection to image_saver
        is free again at once: a client that reads slowly holds only its own socket.
        """
        headers = {"If-None-Match": if_none_match} if if_none_match else {}
        request = self._http.build_request(method, f"/images/{key}", headers=headers)
        body = None
        try:
            response = await self._http.send(request, stream=True)
            try:
                if response.status_code == 200 and method == "GET":
                    # Outlives this call: Picture.close, once it is sent, closes it.
                    body = tempfile.SpooledTemporaryFile(max_size=_IN_MEMORY_BYTES)  # noqa: SIM115
                    async for chunk in response.aiter_raw():
                        body.write(chunk)
                    body.seek(0)
            finally:
                await response.aclose()
        except BaseException as error:
            if body is not None:
                body.close()
            if not isinstance(error, httpx.HTTPError):
                raise
            logger.warning("image_saver read failed: %r", error)
            raise exc.ServiceUnavailable(_UNAVAILABLE) from None
        if response.status_code in (200, 304):
            passed = {k: response.headers[k] for k in _IMAGE_HEADERS if k in response.headers}
            return Picture(response.status_code, passed, body)
        if response.status_code == 404:
            return None
        logger.error("image_saver answered %s to a read", response.status_code)
        raise exc.ServiceUnavailable(_UNAVAILABLE)

    async def exists(self, key: str) -> bool:
        response = await self._quick("HEAD", f"/images/{key}")
        if response.status_code not in (200, 404):
            raise self._error(response)
        return response.status_code == 200

    async def delete(self, key: str) -> None:
        response = await self._quick("DELETE", f"/images/{key}")
        if response.status_code not in (204, 404):
            raise self._error(response)

    async def list_keys(self, after: str, limit: int) -> tuple[list[Listed], str | None]:
        """A page of stored keys in key order, and the `after` of the next page (None: done)."""
        try:
            response = await self._http.get("/images", params={"after": after, "limit": limit})
        except httpx.HTTPError as error:
            logger.warning("image_saver listing failed: %r", error)
            raise exc.ServiceUnavailable(_UNAVAILABLE) from None
        if response.status_code != 200:
            raise self._error(response)
        page = response.json()
        listed = [
            Listed(item["key"], datetime.fromisoformat(item["modified_at"]))
            for item in page["keys"]
        ]
        return listed, page["next_after"]

    async def put_back(self, key: str, data: bytes) -> None:
        """Store a picture's bytes as they are, under the key they hash to (a restore)."""
        try:
            response = await self._http.put(f"/images/{key}", content=data)
        except httpx.HTTPError as error:
            logger.warning("image_saver put failed: %r", error)
            raise exc.ServiceUnavailable(_UNAVAILABLE) from None
        if response.status_code != 204:
            raise self._error(response)

    async def check(self) -> None:
        """Raise ServiceUnavailable unless image_saver and its store answer."""
        response = await self._quick("GET", "/ready")
        if response.status_code != 200:
            raise exc.ServiceUnavailable(_UNAVAILABLE)

    async def _quick(self, method: str, path: str) -> httpx.Response:
        try:
            return await self._http.request(method, path, timeout=_QUICK_SECONDS)
        except httpx.HTTPError as error:
            logger.warning("image_saver %s %s failed: %r", method, path, error)
            raise exc.ServiceUnavailable(_UNAVAILABLE) from None

    @staticmethod
    def _error(response: httpx.Response) -> exc.AppError:
        refusal = _REFUSALS.get(response.status_code)
        if refusal is not None:
            try:
                message = str(response.json()["error_message"])
            except (ValueError, KeyError, TypeError):
                message = "The image service refused the file"
            if refusal is exc.ValidationFailed:
                return exc.ValidationFailed(message, field="file")  # named in `details`
            return refusal(message)
        if response.status_code == 401:
            logger.error("image_saver refused our token: IMAGE_SAVER_TOKEN differs between the two")
        else:
            logger.error("image_saver answered %s", response.status_code)
        return exc.ServiceUnavailable(_UNAVAILABLE)
