"""Images as objects in an S3-compatible store (AWS S3, MinIO, SeaweedFS, Ceph, ...)."""

import logging
import tempfile
from collections.abc import AsyncGenerator, Iterator
from contextlib import AsyncExitStack, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from aiobotocore.config import AioConfig
from aiobotocore.session import get_session
from anyio import to_thread
from botocore.exceptions import BotoCoreError, ClientError

from image_saver.errors import StorageUnavailable
from image_saver.storage import CHUNK, Listed, StoredImage

if TYPE_CHECKING:
    from types_aiobotocore_s3 import S3Client
    from types_aiobotocore_s3.type_defs import GetObjectOutputTypeDef

logger = logging.getLogger(__name__)
# A missing object; a missing bucket is a broken store, not a missing image.
_MISSING = {"404", "NoSuchKey", "NotFound"}


def _missing(error: ClientError) -> bool:
    return str(error.response.get("Error", {}).get("Code")) in _MISSING


class _NoSuchObject(Exception):
    pass


@contextmanager
def _store_errors() -> Iterator[None]:
    """The object store's failures as StorageUnavailable; a missing object as _NoSuchObject."""
    try:
        yield
    except ClientError as error:
        if _missing(error):
            raise _NoSuchObject from None
        raise StorageUnavailable(f"The object store failed: {error}") from None
    except BotoCoreError as error:
        raise StorageUnavailable(f"The object store does not answer: {error}") from None


class S3Storage:
    def __init__(self, client: "S3Client", bucket: str, exits: AsyncExitStack) -> None:
        self._client = client
        self._bucket = bucket
        self._exits = exits
        # Staged files wait on local disk until they are uploaded in one PUT.
        self.staging_dir = Path(tempfile.mkdtemp(prefix="image_saver-staging-"))

    @classmethod
    async def connect(
        cls, endpoint_url: str, bucket: str, access_key_id: str, secret: str, region: str
    ) -> "S3Storage":
        """Connect, and create the bucket if it does not exist yet."""
        exits = AsyncExitStack()
        config = AioConfig(
            s3={"addressing_style": "path"},
            connect_timeout=5,
            read_timeout=30,
            retries={"max_attempts": 3, "mode": "standard"},
        )
        client = await exits.enter_async_context(
            get_session().create_client(
                "s3",
                endpoint_url=endpoint_url,
                region_name=region,
                aws_access_key_id=access_key_id or None,
                aws_secret_access_key=secret or None,
                config=config,
            )
        )
        storage = cls(client, bucket, exits)
        try:
            await storage._ensure_bucket()
        except BaseException:
            await storage.close()
            raise
        return storage

    async def _ensure_bucket(self) -> None:
        try:
            await self._client.head_bucket(Bucket=self._bucket)
        except ClientError as error:
            if not _missing(error):
                raise StorageUnavailable(f"Bucket {self._bucket} cannot be used: {error}") from None
            logger.info("creating bucket %s", self._bucket)
            await self._client.create_bucket(Bucket=self._bucket)
        except BotoCoreError as error:
            raise StorageUnavailable(f"The object store does not answer: {error}") from None

    async def save(self, key: str, staged: Path, content_type: str) -> None:
        try:
            with _store_errors(), staged.open("rb") as body:  # streamed, not read whole
                await self._client.put_object(
                    Bucket=self._bucket, Key=key, Body=body, ContentType=content_type
                )
        finally:
            await to_thread.run_sync(lambda: staged.unlink(missing_ok=True))

    async def open(self, key: str) -> StoredImage | None:
        try:
            with _store_errors():
                found = await self._client.get_object(Bucket=self._bucket, Key=key)
        except _NoSuchObject:
            return None
        return StoredImage(found["ContentLength"], _read_chunks(found))

    async def size(self, key: str) -> int | None:
        try:
            with _store_errors():
                found = await self._client.head_object(Bucket=self._bucket, Key=key)
        except _NoSuchObject:
            return None
        return found["ContentLength"]

    async def delete(self, key: str) -> None:
        with _store_errors():
            await self._client.delete_object(Bucket=self._bucket, Key=key)

    async def list_keys(self, after: str, limit: int) -> list[Listed]:
        with _store_errors():
            page = await self._client.list_objects_v2(
                Bucket=self._bucket, StartAfter=after, MaxKeys=limit
            )
        return [Listed(item["Key"], item["LastModified"]) for item in page.get("Contents", [])]

    async def check(self) -> None:
        try:
            with _store_errors():
                await self._client.head_bucket(Bucket=self._bucket)
        except _NoSuchObject:
            raise StorageUnavailable(f"Bucket {self._bucket} does not exist") from None

    async def close(self) -> None:
        await self._exits.aclose()
        for staged in self.staging_dir.iterdir():
            staged.unlink(missing_ok=True)
        self.staging_dir.rmdir()


async def _read_chunks(found: "GetObjectOutputTypeDef") -> AsyncGenerator[bytes, None]:
    body = found["Body"]
    try:
        async for chunk in body.iter_chunks(CHUNK):
            yield chunk
    finally:
        body.close()
