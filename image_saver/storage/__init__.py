"""Where image bytes live: one small interface, a file-system and an S3 backend."""

from collections.abc import AsyncGenerator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol

CHUNK = 64 * 1024


@dataclass
class StoredImage:
    size: int
    chunks: AsyncGenerator[bytes, None]


@dataclass(frozen=True)
class Listed:
    key: str
    modified_at: datetime


class Storage(Protocol):
    # Where new images are written before `save`; on the file system, the same
    # disk as the store, so moving one in is an atomic rename.
    staging_dir: Path

    async def save(self, key: str, staged: Path, content_type: str) -> None:
        """Store the staged file under `key`, all at once or not at all; it is consumed."""

    async def open(self, key: str) -> StoredImage | None:
        """The image's bytes, or None when nothing is stored under `key`."""

    async def size(self, key: str) -> int | None:
        """The stored image's size in bytes, or None when nothing is stored under `key`."""

    async def delete(self, key: str) -> None:
        """Remove the image; nothing stored under `key` is not an error."""

    async def list_keys(self, after: str, limit: int) -> list[Listed]:
        """Up to `limit` stored keys that sort after `after`, in key order."""

    async def check(self) -> None:
        """Raise StorageUnavailable when the store cannot be used."""

    async def close(self) -> None:
        """Release connections; the storage is not used afterwards."""
