"""Images as files under one folder: IMAGES_DIR/<first two key characters>/<key>."""

import os
import time
from collections.abc import AsyncGenerator
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from anyio import to_thread

from image_saver.errors import StorageUnavailable
from image_saver.storage import CHUNK, Listed, StoredImage

STAGING = ".staging"
# A staged file this old belongs to an upload that crashed; it is never a real image.
STALE_STAGED_SECONDS = 3600


class FileSystemStorage:
    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self.staging_dir = self.root / STAGING
        self.staging_dir.mkdir(parents=True, exist_ok=True)
        self._remove_stale_staged_files()

    def _path(self, key: str) -> Path:
        # Keys are checked against the service's own form before they get here;
        # the second check keeps this class safe on its own.
        path = self.root / key[:2] / key
        if path.parent.parent != self.root or key.startswith("."):
            raise ValueError(f"not a storage key: {key!r}")
        return path

    async def save(self, key: str, staged: Path, content_type: str) -> None:  # noqa: ARG002
        # The content type follows from the key's extension; a file keeps nothing else.
        await to_thread.run_sync(self._save, key, staged)

    def _save(self, key: str, staged: Path) -> None:
        with staged.open("rb") as file:
            os.fsync(file.fileno())  # the bytes are on disk before the name points at them
        target = self._path(key)
        target.parent.mkdir(exist_ok=True)
        os.replace(staged, target)

    async def open(self, key: str) -> StoredImage | None:
        try:
            file = await to_thread.run_sync(self._path(key).open, "rb")
        except FileNotFoundError:
            return None
        size = os.fstat(file.fileno()).st_size
        return StoredImage(size, _read_chunks(file))

    async def size(self, key: str) -> int | None:
        try:
            stat = await to_thread.run_sync(self._path(key).stat)
        except FileNotFoundError:
            return None
        return stat.st_size

    async def delete(self, key: str) -> None:
        await to_thread.run_sync(lambda: self._path(key).unlink(missing_ok=True))

    async def list_keys(self, after: str, limit: int) -> list[Listed]:
        return await to_thread.run_sync(self._list, after, limit)

    def _list(self, after: str, limit: int) -> list[Listed]:
        listed: list[Listed] = []
        folders = sorted(p.name for p in self.root.iterdir() if p.is_dir() and p.name != STAGING)
        for folder in folders:
            if folder < after[:2]:
                continue
            for name in sorted(os.listdir(self.root / folder)):
                if name <= after:
                    continue
                try:
                    modified = (self.root / folder / name).stat().st_mtime
                except FileNotFoundError:
                    continue  # deleted while we listed
                listed.append(Listed(name, datetime.fromtimestamp(modified, UTC)))
                if len(listed) == limit:
                    return listed
        return listed

    async def check(self) -> None:
        if not os.access(self.staging_dir, os.W_OK) or not os.access(self.root, os.W_OK):
            raise StorageUnavailable(f"The image folder {self.root} is not writable")

    async def close(self) -> None:
        return None

    def _remove_stale_staged_files(self) -> None:
        cutoff = time.time() - STALE_STAGED_SECONDS
        for staged in self.staging_dir.iterdir():
            if staged.stat().st_mtime < cutoff:
                staged.unlink(missing_ok=True)


async def _read_chunks(file: BinaryIO) -> AsyncGenerator[bytes, None]:
    try:
        while chunk := await to_thread.run_sync(file.read, CHUNK):
            yield chunk
    finally:
        file.close()
