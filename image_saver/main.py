"""The image service: stores pictures under keys it makes itself and serves them back.

It knows nothing of people or tweets. Writing and deleting need the shared
IMAGE_SAVER_TOKEN; reading an image and /health do not.
"""

import hashlib
import hmac
import logging
import os
import re
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated

from anyio import CapacityLimiter, to_thread
from fastapi import Depends, FastAPI, Header, Query, Request, Response, status
from fastapi.responses import StreamingResponse
from PIL import Image
from pydantic import BaseModel

from image_saver.config import Settings, load_settings
from image_saver.errors import (
    NotFound,
    PayloadTooLarge,
    Unauthorized,
    ValidationFailed,
    register_error_handlers,
)
from image_saver.images import CONTENT_TYPES, clean_image
from image_saver.storage import Listed, Storage
from image_saver.storage.filesystem import FileSystemStorage
from image_saver.upload import uploaded_file

logger = logging.getLogger(__name__)

# The only names the service ever stores under; anything else cannot exist.
KEY_FORM = re.compile(r"(?P<digest>[0-9a-f]{64})\.(?P<extension>jpg|png|gif|webp)")
NOT_STORED = "No image is stored under this key"
# Content never changes under a key: a key is the hash of the bytes.
CACHE_FOREVER = "public, max-age=31536000, immutable"
# A restored picture was cleaned when first uploaded, and re-encoding may have made
# it somewhat larger than the upload limit; this bounds the bytes one PUT may take.
RESTORE_SIZE_FACTOR = 4


async def open_storage(settings: Settings) -> Storage:
    if settings.s3_endpoint_url:
        from image_saver.storage.s3 import S3Storage

        return await S3Storage.connect(
            settings.s3_endpoint_url,
            settings.s3_bucket,
            settings.s3_access_key_id,
            settings.s3_secret_access_key.get_secret_value(),
            settings.s3_region,
        )
    return FileSystemStorage(settings.image_store_dir)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: Settings = app.state.settings
    app.state.storage = await open_storage(settings)
    app.state.decoders = CapacityLimiter(settings.max_concurrent_decodes)
    try:
        yield
    finally:
        await app.state.storage.close()


def _storage(request: Request) -> Storage:
    storage: Storage = request.app.state.storage
    return storage


StorageDep = Annotated[Storage, Depends(_storage)]


def _require_token(request: Request, authorization: Annotated[str, Header()] = "") -> None:
    settings: Settings = request.app.state.settings
    expected = f"Bearer {settings.image_saver_token.get_secret_value()}".encode()
    if not hmac.compare_digest(authorization.encode(), expected):
        raise Unauthorized("A valid `Authorization: Bearer <IMAGE_SAVER_TOKEN>` header is needed")


def _checked_key(key: str) -> re.Match[str]:
    found = KEY_FORM.fullmatch(key)
    if found is None:
        raise NotFound(NOT_STORED)
    return found


class Stored(BaseModel):
    key: str
    content_type: str
    size: int
    width: int
    height: int


class KeyPage(BaseModel):
    keys: list[Listed]
    # Pass as `after` for the next page; null on the last one.
    next_after: str | None


class Health(BaseModel):
    result: bool = True
    status: str = "ok"


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or load_settings()
    logging.getLogger("image_saver").setLevel(settings.log_level.upper())
    # Pillow's own bomb check follows our limit (it warns past it, which clean_image
    # turns into a refusal); otherwise it would cap any higher MAX_IMAGE_PIXELS.
    Image.MAX_IMAGE_PIXELS = settings.max_image_pixels
    # An internal service: no interactive docs for whoever finds the port.
    app = FastAPI(
        title="image_saver",
        version="1.0",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.state.settings = settings
    register_error_handlers(app)
    _routes(app)
    return app


def _routes(app: FastAPI) -> None:
    @app.post(
        "/images",
        status_code=status.HTTP_201_CREATED,
        dependencies=[Depends(_require_token)],
        summary="Store a picture sent as multipart field `file`",
    )
    async def store(request: Request, storage: StorageDep) -> Stored:
        settings: Settings = request.app.state.settings
        async with uploaded_file(request, settings.max_upload_bytes) as upload:
            image = await to_thread.run_sync(
                clean_image,
                upload.file,
                storage.staging_dir,
                settings.max_image_pixels,
                settings.max_image_frames,
                limiter=request.app.state.decoders,
            )
        try:
            await storage.save(image.key, image.path, image.content_type)
        finally:
            image.path.unlink(missing_ok=True)
        logger.info("stored %s (%d bytes)", image.key, image.size)
        return Stored(
            key=image.key,
            content_type=image.content_type,
            size=image.size,
            width=image.width,
            height=image.height,
        )

    @app.put(
        "/images/{key}",
        status_code=status.HTTP_204_NO_CONTENT,
        dependencies=[Depends(_require_token)],
        summary="Put back a picture this service stored before (a restore from a backup)",
    )
    async def put_back(key: str, request: Request, storage: StorageDep) -> None:
        # Stored as sent, not cleaned again: re-encoding would change the bytes and so
        # the key the database refers to. The bytes must hash to the key, so a key
        # never names other bytes than the ones first stored under it.
        found = _checked_key(key)
        settings: Settings = request.app.state.settings
        limit = settings.max_upload_bytes * RESTORE_SIZE_FACTOR
        descriptor, name = tempfile.mkstemp(dir=storage.staging_dir, suffix=".part")
        staged = Path(name)
        try:
            digest = hashlib.sha256()
            received = 0
            with os.fdopen(descriptor, "wb") as target:
                async for chunk in request.stream():
                    received += len(chunk)
                    if received > limit:
                        raise PayloadTooLarge(f"The file is larger than {limit:,} bytes")
                    digest.update(chunk)
                    await to_thread.run_sync(target.write, chunk)
            if digest.hexdigest() != found["digest"]:
                raise ValidationFailed("The bytes do not hash to the key they are put under")
            await storage.save(key, staged, CONTENT_TYPES[found["extension"]])
        finally:
            await to_thread.run_sync(lambda: staged.unlink(missing_ok=True))
        logger.info("put back %s (%d bytes)", key, received)

    @app.api_route("/images/{key}", methods=["GET", "HEAD"], summary="An image's bytes")
    async def read(
        key: str,
        request: Request,
        storage: StorageDep,
        if_none_match: Annotated[str, Header()] = "",
    ) -> Response:
        found = _checked_key(key)
        etag = f'"{found["digest"]}"'
        headers = {"ETag": etag, "Cache-Control": CACHE_FOREVER}
        media_type = CONTENT_TYPES[found["extension"]]
        cached = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
        if request.method == "HEAD" or cached & {etag, "*"}:
            size = await storage.size(key)
            if size is None:
                raise NotFound(NOT_STORED)
            if cached & {etag, "*"}:
                return Response(status_code=status.HTTP_304_NOT_MODIFIED, headers=headers)
            headers["Content-Length"] = str(size)
            return Response(headers=headers, media_type=media_type)
        stored = await storage.open(key)
        if stored is None:
            raise NotFound(NOT_STORED)
        headers["Content-Length"] = str(stored.size)
        return StreamingResponse(stored.chunks, headers=headers, media_type=media_type)

    @app.delete(
        "/images/{key}",
        status_code=status.HTTP_204_NO_CONTENT,
        dependencies=[Depends(_require_token)],
        summary="Remove an image; removing a missing one succeeds too",
    )
    async def delete(key: str, storage: StorageDep) -> None:
        _checked_key(key)
        await storage.delete(key)
        logger.info("deleted %s", key)

    @app.get(
        "/images",
        dependencies=[Depends(_require_token)],
        summary="Stored keys in key order, a page at a time (to find files nobody uses)",
    )
    async def list_keys(
        storage: StorageDep,
        after: str = "",
        limit: Annotated[int, Query(ge=1, le=10_000)] = 1000,
    ) -> KeyPage:
        listed = await storage.list_keys(after, limit)
        next_after = listed[-1].key if len(listed) == limit else None
        return KeyPage(
            keys=[item for item in listed if KEY_FORM.fullmatch(item.key)], next_after=next_after
        )

    @app.get("/health", summary="Liveness: the process answers")
    async def health() -> Health:
        return Health()

    @app.get(
        "/ready",
        dependencies=[Depends(_require_token)],
        summary="Readiness: the store can be used",
    )
    async def ready(storage: StorageDep) -> Health:
        await storage.check()
        return Health()
