"""What several commands use: one transaction, the database ready (embedded server
started, schema up to date), an image_saver to talk to."""

import argparse
import asyncio
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import TypeAlias, TypeVar

from pydantic import SecretStr
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import migrations
from app.core.config import Settings
from app.core.database import create_engine, create_sessionmaker, database_url
from app.core.embedded_images import image_saver_running

T = TypeVar("T")

# What `add_parser` is called on; each command module adds its own commands to it.
Subcommands: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"


def run_in_session(settings: Settings, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Run `work` in one transaction, committed when it returns."""

    async def runner() -> T:
        engine = create_engine(settings)
        try:
            async with create_sessionmaker(engine)() as session, session.begin():
                return await work(session)
        finally:
            await engine.dispose()

    return asyncio.run(runner())


def prepare(settings: Settings) -> Settings:
    """Start the embedded database if needed and bring the schema up to date."""
    url = database_url(settings)
    migrations.upgrade(url)
    return settings.model_copy(update={"database_url": url})


@contextmanager
def image_service(settings: Settings, announce: bool = False) -> Iterator[Settings]:
    """The settings with an image_saver to talk to: the configured one, or one started here."""
    if settings.image_saver_url:
        yield settings
        return
    images_dir = settings.data_dir / "images"
    # Its access log would repeat every picture request the app logs already.
    level = "debug" if settings.log_level == "debug" else "warning"
    with image_saver_running(
        images_dir, max_upload_bytes=settings.max_upload_bytes, log_level=level
    ) as running:
        if announce:
            print(
                f"image_saver is running at {running.url}, storing under {images_dir}",
                flush=True,
            )
        yield settings.model_copy(
            update={"image_saver_url": running.url, "image_saver_token": SecretStr(running.token)}
        )
