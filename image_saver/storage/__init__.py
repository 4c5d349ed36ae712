"""Where image bytes live: one small interface, a file-system and an S3 backend."""

from collections.abc import AsyncGenerator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

CHUNK = 64 * 1024


@dataclass
class StoredImage:
    size: int
    chunks: AsyncGenerator[bytes, None]


class Storage(Protocol):
    # Where new images are written before `save`; on the file system, the same
    # disk as the store, so moving one in is an atomic rename.
    staging_dir: Path

    async def save(self, key: str, staged: Path, content_type: str) -> None:
        """Store the staged file under `key`, all at once or not at all; it is consumed."""

    async def open(self, key: str) -> StoredImage | None:
        """The image's bytes, or None when nothing is stored under `key`."""

    async def delete(self, key: str) -> None:
        """Remove the image; nothing stored under `key` is not an error."""

    async def check(self) -> None:
        """Raise StorageUnavailable when the store cannot be used."""

    async def close(self) -> None:
        """Release connections; the storage is not used afterwards."""
