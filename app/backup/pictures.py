"""Picture bytes, copied out of and back into the store through image_saver's HTTP API,
so a backup works the same on the file system and on S3 and never needs the store's
credentials."""

import asyncio
import hashlib
from collections.abc import Awaitable, Callable, Iterable
from pathlib import Path
from typing import TypeVar

from app.backup.manifest import PICTURES, BackupError, FileEntry
from app.core.image_service import ImageService

# Pictures copied at once: enough to hide each request's round trip.
PARALLEL = 8
T = TypeVar("T")
R = TypeVar("R")


async def copy_out(images: ImageService, keys: Iterable[str], folder: Path) -> list[FileEntry]:
    target = folder / PICTURES
    target.mkdir(exist_ok=True)

    async def copy(key: str) -> FileEntry:
        picture = await images.read(key, None)
        if picture is None:
            raise BackupError(
                f"The database refers to picture {key}, which the image store does not have"
            )
        digest = hashlib.sha256()
        size = 0
        partial = target / f"{key}.part"
        try:
            with partial.open("wb") as file:
                async for chunk in picture.chunks():
                    digest.update(chunk)
                    size += len(chunk)
                    file.write(chunk)
        finally:
            picture.close()
        partial.replace(target / key)
        return FileEntry(key, size, digest.hexdigest())

    return await _each(keys, copy)


async def put_back(images: ImageService, folder: Path, pictures: Iterable[FileEntry]) -> None:
    async def put(picture: FileEntry) -> None:
        await images.put_back(picture.name, (folder / PICTURES / picture.name).read_bytes())

    await _each(pictures, put)


async def store_is_empty(images: ImageService) -> bool:
    listed, _ = await images.list_keys("", 1)
    return not listed


async def _each(items: Iterable[T], work: Callable[[T], Awaitable[R]]) -> list[R]:
    """`work` on every item, PARALLEL at a time; the first failure is raised as it is."""
    slots = asyncio.Semaphore(PARALLEL)

    async def one(item: T) -> R:
        async with slots:
            return await work(item)

    tasks = [asyncio.ensure_future(one(item)) for item in items]
    try:
        return list(await asyncio.gather(*tasks))
    finally:
        for task in tasks:
            task.cancel()
