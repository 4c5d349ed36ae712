"""`python -m app demo` (and `serve --demo`): the demo data set, loaded into an empty
database, its pictures stored by image_saver."""

import argparse

from sqlalchemy.ext.asyncio import AsyncSession

from app.commands.shared import Subcommands, image_service, prepare, run_in_session
from app.core.config import Settings
from app.core.image_service import ImageService
from app.demo import load_demo


def add_commands(commands: Subcommands) -> None:
    commands.add_parser("demo", help="load demo data into an empty database").set_defaults(
        func=demo
    )


def load_demo_data(settings: Settings) -> str:
    """The demo data set, its pictures stored by the image_saver in `settings`."""

    async def load(session: AsyncSession) -> str:
        images = ImageService.connect(settings)
        try:
            return await load_demo(session, images)
        finally:
            await images.aclose()

    return run_in_session(settings, load)


def demo(_args: argparse.Namespace, settings: Settings) -> int:
    with image_service(prepare(settings)) as ready:
        print(load_demo_data(ready))
    return 0
