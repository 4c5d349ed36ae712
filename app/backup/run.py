"""`backup`, `backup --verify` and `restore`, put together from the other modules."""

import asyncio
import shutil
from datetime import UTC, datetime
from pathlib import Path

from app import __version__
from app.backup import database, pictures
from app.backup.manifest import (
    DUMP,
    BackupError,
    FileEntry,
    Manifest,
    check_files,
    entry_for,
    read,
)
from app.core import migrations
from app.core.config import Settings
from app.core.image_service import ImageService

__all__ = ["Manifest", "backup", "restore", "verify"]


def _new_folder(dest: Path) -> None:
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise BackupError(f"{dest} exists and is not an empty folder; choose a new one")
    dest.mkdir(parents=True, exist_ok=True)


def _remove_what_was_written(dest: Path, created: bool) -> None:
    """A failed backup leaves nothing: the folder was new or empty before."""
    if created:
        shutil.rmtree(dest, ignore_errors=True)
        return
    for child in dest.iterdir():
        if child.is_dir():
            shutil.rmtree(child, ignore_errors=True)
        else:
            child.unlink(missing_ok=True)


def backup(settings: Settings, dest: Path) -> Manifest:
    """Dump the database from one snapshot and copy every picture its rows refer to;
    no stored file is deleted from the snapshot until the last picture is copied."""
    url = settings.database_url
    assert url is not None  # resolved by the caller
    pg_dump = database.program("pg_dump", settings)
    created = not dest.exists()
    _new_folder(dest)

    async def take() -> tuple[database.Snapshot, list[FileEntry]]:
        images = ImageService.connect(settings)
        try:
            async with database.deletions_held(url) as connection:
                async with database.snapshot(connection) as snapshot:
                    await asyncio.to_thread(database.dump, pg_dump, url, snapshot.id, dest / DUMP)
                return snapshot, await pictures.copy_out(images, snapshot.picture_keys, dest)
        finally:
            await images.aclose()

    try:
        snapshot, copied = asyncio.run(take())
    except BaseException:
        _remove_what_was_written(dest, created)
        raise
    manifest = Manifest(
        service_version=__version__,
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        schema_revision=snapshot.schema_revision,
        database=entry_for(dest / DUMP, DUMP),
        pg_dump_version=database.version(pg_dump),
        counts=snapshot.counts,
        pictures=copied,
    )
    manifest.write(dest)
    return manifest


def verify(settings: Settings, src: Path) -> Manifest:
    """The manifest of a whole backup: every file's size and sha256 as listed, and a
    dump pg_restore can read; else BackupError."""
    manifest = read(src)
    check_files(src, manifest)
    database.check_dump(database.program("pg_restore", settings), src / DUMP)
    return manifest


def restore(settings: Settings, src: Path, *, force: bool) -> Manifest:
    """Verify the whole backup, then put back its pictures, its database, and migrate
    the schema to this version's. Nothing is touched unless the backup is whole and
    (without `force`) the database and the store are empty."""
    assert settings.database_url is not None
    manifest = verify(settings, src)
    url = settings.database_url
    pg_restore = database.program("pg_restore", settings)

    async def put_back() -> list[str]:
        images = ImageService.connect(settings)
        try:
            tables = await database.tables_in(url)
            store_empty = await pictures.store_is_empty(images)
            if not force and (tables or not store_empty):
                what = " and ".join(
                    ([f"the database has {len(tables)} tables"] if tables else [])
                    + ([] if store_empty else ["the image store has pictures"])
                )
                raise BackupError(
                    f"Not restoring: {what}; restore into an empty installation, "
                    "or give --force to replace what is there"
                )
            # Pictures first: should anything fail, no row refers to a missing picture.
            await pictures.put_back(images, src, manifest.pictures)
            return tables
        finally:
            await images.aclose()

    if asyncio.run(put_back()):
        asyncio.run(database.wipe(url))
    database.restore_dump(pg_restore, url, src / DUMP)
    migrations.upgrade(url)
    return manifest
