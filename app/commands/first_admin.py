"""The first administrator, made by `serve` on an empty database: their api key
printed once, or written to the file --admin-key-file names."""

import os
from pathlib import Path

from sqlalchemy import exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import advisory_locks
from app.core.models import User
from app.handlers.admin import people


class AdminKeyFileFailed(Exception):
    """The first administrator's key could not be written where --admin-key-file says."""


def _write_private(path: Path, text: str) -> None:
    """`text` in a new file at `path` that only this user may read; the file appears
    whole or not at all, replacing one there before."""
    staged = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    # Made 0600 from the start (the umask can only take rights away), never widened.
    descriptor = os.open(staged, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "w") as out:
            out.write(text + "\n")
        staged.replace(path)
    finally:
        staged.unlink(missing_ok=True)


async def bootstrap_admin(session: AsyncSession, key_file: Path | None) -> str | None:
    await session.execute(select(func.pg_advisory_xact_lock(advisory_locks.FIRST_ADMIN)))
    if await session.scalar(select(exists().select_from(User))):
        return None
    _, api_key = await people.create(session, None, "Administrator", is_admin=True)
    if key_file is not None:
        # Before the commit: a key nobody can read is no administrator; the next
        # start tries again.
        try:
            _write_private(key_file, api_key)
        except OSError as error:
            raise AdminKeyFileFailed(
                f"Stopped: cannot write the administrator's api key to {key_file}: "
                f"{error.strerror or error}"
            ) from error
    return api_key


def announce_admin(api_key: str, key_file: Path | None, host: str, port: int) -> None:
    if key_file is None:
        where = f"Their api key is shown only now:\n\n    {api_key}\n"
    else:
        # Logs are kept and shipped around; the key stays out of them.
        where = (
            f"Their api key is in {key_file}, which only this user may read.\n"
            "Keep it somewhere safe, then delete that file.\n"
        )
    print(
        f"\nCreated the first administrator. {where}\n"
        f"Open http://{host}:{port}/docs, press Authorize, paste it, and create people\n"
        "with POST /api/users (or: python3 dev.py users create NAME).\n",
        flush=True,
    )
