"""A person's export as a ZIP archive made as it is sent: stdlib zipfile writing into
a sink the response takes each piece from, so neither the archive nor more than one
picture is ever held whole in memory.

The database part comes from one snapshot (a REPEATABLE READ transaction of its own:
the request's session has committed by the time the body is sent), written to a
spooled temporary file; its connection goes back before any of it is sent, and the
pictures are then fetched, one at a time, from image_saver. A picture that cannot be
fetched does not spoil the rest: the archive is finished all the same and
`missing-images.json` names what it lacks and why; once image_saver has failed, the
remaining pictures are listed there without asking it again, so an export never
waits on it more than once (IMAGE_SAVER_TIMEOUT_SECONDS). A failure of the database
mid-way cuts the response off without the archive's end: the client sees an
incomplete download, never a short archive that looks whole.
"""

import io
import logging
import tempfile
import time
import zipfile
from collections.abc import AsyncIterable, AsyncIterator
from typing import TYPE_CHECKING, Any

from pydantic_core import to_json
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.core.exceptions import AppError
from app.core.image_service import ImageService
from app.handlers.export import records

if TYPE_CHECKING:
    from _typeshed import ReadableBuffer

logger = logging.getLogger(__name__)

# The database part of an archive kept in memory up to this size, beyond on disk.
SPOOL_IN_MEMORY = 4 * 1024 * 1024
SEND_CHUNK = 64 * 1024


class _Sink(io.RawIOBase):
    """Where zipfile writes: the bytes wait here until the response takes them. Not
    seekable, so zipfile writes each entry's sizes after its data."""

    def __init__(self) -> None:
        super().__init__()
        self._pieces: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data: "ReadableBuffer") -> int:
        piece = bytes(data)
        self._pieces.append(piece)
        return len(piece)

    def take(self) -> bytes:
        taken = b"".join(self._pieces)
        self._pieces.clear()
        return taken


def _entry(name: str, compress: int) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, time.localtime()[:6])
    info.compress_type = compress
    return info


async def _json_list(parts: AsyncIterable[list[dict[str, Any]]]) -> AsyncIterator[bytes]:
    """A JSON array of the items of `parts`, written as they come."""
    first = True
    yield b"["
    async for part in parts:
        for item in part:
            yield (b"\n" if first else b",\n") + to_json(item)
            first = False
    yield b"\n]\n"


async def _follows(session: AsyncSession, user_id: int) -> AsyncIterator[bytes]:
    yield b'{"following": '
    async for piece in _json_list(records.people(session, user_id, followers=False)):
        yield piece
    yield b', "followers": '
    async for piece in _json_list(records.people(session, user_id, followers=True)):
        yield piece
    yield b"}\n"


async def _one(value: Any) -> AsyncIterator[bytes]:
    yield to_json(value, indent=2) + b"\n"


async def export(
    sessionmaker: async_sessionmaker[AsyncSession], images: ImageService, user_id: int
) -> AsyncIterator[bytes]:
    """The archive's bytes, a piece at a time."""
    sink = _Sink()
    # The database part is written here first and sent once its session is closed:
    # a slow (or stalled) reader must not hold a pooled connection and an old
    # snapshot for as long as it takes to read.
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY)  # noqa: SIM115
    with spool, zipfile.ZipFile(sink, "w") as archive:
        async with sessionmaker() as session:
            # One snapshot for every file, read only.
            await session.connection(
                execution_options={
                    "isolation_level": "REPEATABLE READ",
                    "postgresql_readonly": True,
                }
            )
            files: list[tuple[str, AsyncIterator[bytes]]] = [
                ("profile.json", _one(await records.profile(session, user_id))),
                ("posts.json", _json_list(records.posts(session, user_id))),
                ("likes.json", _json_list(records.likes(session, user_id))),
                ("follows.json", _follows(session, user_id)),
            ]
            for name, pieces in files:
                with archive.open(_entry(name, zipfile.ZIP_DEFLATED), "w") as entry:
                    async for piece in pieces:
                        entry.write(piece)
                        spool.write(sink.take())
            pictures = await records.pictures(session, user_id)
        spool.seek(0)
        while chunk := spool.read(SEND_CHUNK):
            yield chunk
        missing: list[dict[str, Any]] = []
        failed: str | None = None
        for picture in pictures:
            if failed is not None:
                missing.append(_missing(picture, failed))
                continue
            try:
                found = await images.read(picture.storage_key, None)
            except AppError as error:
                logger.warning("export: picture %s not fetched: %s", picture.media_id, error)
                failed = error.message
                missing.append(_missing(picture, failed))
                continue
            if found is None:
                missing.append(_missing(picture, "The picture's file is gone"))
                continue
            try:
                # Stored as they are: pictures are compressed already.
                with archive.open(_entry(picture.file_name, zipfile.ZIP_STORED), "w") as entry:
                    async for chunk in found.chunks():
                        entry.write(chunk)
                        yield sink.take()
            finally:
                found.close()
        if missing:
            with archive.open(_entry("missing-images.json", zipfile.ZIP_DEFLATED), "w") as entry:
                entry.write(to_json(missing, indent=2) + b"\n")
    yield sink.take()  # the last entries and the central directory


def _missing(picture: records.Picture, reason: str) -> dict[str, Any]:
    return {"media_id": picture.media_id, "file": picture.file_name, "reason": reason}
