"""Removing what nobody uses: uploads never posted, and stored files whose rows are gone.

A trigger queues a file in `file_deletions` whenever a media row goes. Here the
queue is worked off: a file is deleted in image_saver only when no media row
uses it any more, and its queue row goes only once image_saver has confirmed.
If image_saver is away, the row stays and a later run retries.
"""

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, exists, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.core.config import Settings
from app.core.exceptions import ServiceUnavailable
from app.core.image_service import ImageService
from app.core.models import FileDeletion, Media
from app.handlers.media.locks import lock_stored_file, no_backup_running

logger = logging.getLogger(__name__)
BATCH = 100


@dataclass
class CleanupReport:
    expired_uploads: int = 0
    deleted_files: int = 0
    # Files still queued because image_saver could not be reached.
    postponed_files: int = 0
    # Stored files no upload used, found by looking through the whole store (if asked).
    orphans_found: int | None = None

    def __str__(self) -> str:
        text = ""
        if self.orphans_found is not None:
            text = f"Found {self.orphans_found} stored file(s) no upload uses. "
        text += (
            f"Removed {self.expired_uploads} unposted upload(s); deleted {self.deleted_files} "
            f"stored file(s)"
        )
        if self.postponed_files:
            text += f"; {self.postponed_files} file(s) wait for the image service to answer"
        return text + "."


@dataclass
class BatchResult:
    deleted: int = 0
    # Queue rows settled: the file deleted, or found to be in use again.
    dequeued: int = 0
    postponed: bool = False


class MediaJanitor:
    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        images: ImageService,
        settings: Settings,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._images = images
        self._unattached_ttl = timedelta(minutes=settings.unattached_media_ttl_minutes)

    async def run(self) -> CleanupReport:
        """Expire old unposted uploads, then work off the whole deletion queue."""
        report = CleanupReport(expired_uploads=await self.expire_uploads())
        while True:
            batch = await self._next_batch()
            result = await self.delete_files(batch)
            report.deleted_files += result.deleted
            # Stop when image_saver is away, the queue is empty, or all left is busy.
            if result.postponed or len(batch) < BATCH or not result.dequeued:
                report.postponed_files = await self._queued() if result.postponed else 0
                return report

    async def run_periodically(self, interval_seconds: float) -> None:
        while True:
            await asyncio.sleep(interval_seconds)
            try:
                report = await self.run()
            except Exception:
                logger.exception("media cleanup failed; it runs again in %ss", interval_seconds)
            else:
                if report.expired_uploads or report.deleted_files or report.postponed_files:
                    logger.info("media cleanup: %s", report)

    async def queue_orphans(self, min_age: timedelta) -> int:
        """Queue stored files that no media row uses and that are older than `min_age`.

        Such files come from an upload whose database write failed after image_saver
        had stored the picture. Younger files are left alone: their upload may still
        be on its way to the database.
        """
        queued = 0
        after: str | None = ""
        while after is not None:
            listed, after = await self._images.list_keys(after, BATCH * 10)
            cutoff = datetime.now(UTC) - min_age
            old = [item.key for item in listed if item.modified_at < cutoff]
            if not old:
                continue
            async with self._sessionmaker() as session:
                used = set(
                    await session.scalars(
                        select(Media.storage_key).where(Media.storage_key.in_(old)).distinct()
                    )
                )
            orphans = [key for key in old if key not in used]
            if orphans:
                queued += await self.queue_files(orphans)
        return queued

    async def queue_files(self, keys: Sequence[str], not_before: timedelta | None = None) -> int:
        """Put stored files on the deletion list (they go only if no media row uses them),
        due now or, with `not_before`, only after that long."""
        async with self._sessionmaker() as session, session.begin():
            due = None if not_before is None else func.now() + not_before
            statement = pg_insert(FileDeletion).values(
                [{"storage_key": key, "not_before": due} for key in keys]
            )
            if not_before is None:
                statement = statement.on_conflict_do_nothing()
            else:  # a file queued already waits as long too
                statement = statement.on_conflict_do_update(
                    index_elements=[FileDeletion.storage_key],
                    set_={"not_before": statement.excluded.not_before},
                )
            added = await session.scalars(statement.returning(FileDeletion.storage_key))
            return len(added.all())

    async def expire_uploads(self) -> int:
        async with self._sessionmaker() as session, session.begin():
            removed = await session.scalars(
                delete(Media)
                .where(
                    Media.tweet_id.is_(None),
                    Media.created_at < func.now() - self._unattached_ttl,
                )
                .returning(Media.id)
            )
            return len(removed.all())

    async def delete_files(self, keys: Sequence[str]) -> "BatchResult":
        """Delete these queued files, one at a time.

        If image_saver is away, the rest of the batch waits for the next run.
        """
        result = BatchResult()
        for key in keys:
            try:
                outcome = await self._delete_file(key)
            except ServiceUnavailable:
                result.postponed = True
                return result
            result.deleted += outcome == "deleted"
            result.dequeued += outcome in ("deleted", "still used")
        return result

    async def _delete_file(self, key: str) -> str:
        # The attempt is on record before the request goes out: a delete that is not
        # confirmed (timed out, cancelled as the app stops, the process killed) may
        # still be carried out later, and uploads of this picture must know that.
        async with self._sessionmaker() as session, session.begin():
            queued = await self._due(session, key)
            if isinstance(queued, str):
                return queued
            await session.execute(
                update(FileDeletion)
                .where(FileDeletion.storage_key == key)
                .values(attempts=FileDeletion.attempts + 1, last_attempt_at=func.now())
            )
        async with self._sessionmaker() as session, session.begin():
            queued = await self._due(session, key)
            if isinstance(queued, str):
                return queued
            await self._images.delete(key)
            await session.delete(queued)
            return "deleted"

    @staticmethod
    async def _due(session: AsyncSession, key: str) -> FileDeletion | str:
        """The queue row of a file to delete now, under its lock; else why not."""
        # Skip a file someone else is deciding on: an upload of the same picture
        # or another cleaner. It stays queued for the next run if still due.
        if not await lock_stored_file(session, key, wait=False):
            return "busy"
        queued = await session.get(FileDeletion, key)
        if queued is None:
            return "gone"  # done already, or the picture was uploaded again
        if await session.scalar(select(exists().where(Media.storage_key == key))):
            await session.delete(queued)
            return "still used"
        if queued.not_before is not None and await session.scalar(
            select(
                exists().where(
                    FileDeletion.storage_key == key, FileDeletion.not_before > func.now()
                )
            )
        ):
            return "busy"  # an upload of it may still write its row
        if not await no_backup_running(session):
            return "busy"  # a backup may still copy it: after the backup
        return queued

    async def _next_batch(self) -> list[str]:
        async with self._sessionmaker() as session:
            keys = await session.scalars(
                select(FileDeletion.storage_key)
                .where(
                    or_(FileDeletion.not_before.is_(None), FileDeletion.not_before <= func.now())
                )
                .order_by(FileDeletion.last_attempt_at.nulls_first(), FileDeletion.created_at)
                .limit(BATCH)
            )
            return list(keys)

    async def _queued(self) -> int:
        async with self._sessionmaker() as session:
            return int(await session.scalar(select(func.count()).select_from(FileDeletion)) or 0)
