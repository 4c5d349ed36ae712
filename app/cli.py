"""Command line: `python -m app serve | users create NAME | users list | demo | migrate`."""

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC
from typing import TypeVar

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import migrations
from app.core.config import Settings, SettingsError, load_settings
from app.core.database import create_engine, create_sessionmaker, database_url
from app.core.models import User
from app.demo import load_demo
from app.handlers.users import actions as user_actions

T = TypeVar("T")


def _run_in_session(settings: Settings, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Run `work` in one transaction, committed when it returns."""

    async def runner() -> T:
        engine = create_engine(settings)
        try:
            async with create_sessionmaker(engine)() as session, session.begin():
                return await work(session)
        finally:
            await engine.dispose()

    return asyncio.run(runner())


def _prepare(settings: Settings) -> Settings:
    """Start the embedded database if needed and bring the schema up to date."""
    url = database_url(settings)
    migrations.upgrade(url)
    return settings.model_copy(update={"database_url": url})


async def _bootstrap_admin(session: AsyncSession) -> str | None:
    if await session.scalar(select(exists().select_from(User))):
        return None
    _, api_key = await user_actions.create_user(session, "Administrator", is_admin=True)
    return api_key


def serve(settings: Settings, host: str, port: int, demo: bool) -> int:
    import uvicorn

    from app.main import create_app

    settings = _prepare(settings)
    admin_key = _run_in_session(settings, _bootstrap_admin)
    if admin_key:
        print(
            "\nCreated the first administrator. Their api key is shown only now:\n"
            f"\n    {admin_key}\n\n"
            f"Open http://{host}:{port}/docs, press Authorize, paste it, and create people\n"
            "with POST /api/users (or: python3 dev.py users create NAME).\n",
            flush=True,
        )
    if demo:
        print(_run_in_session(settings, load_demo), flush=True)
    uvicorn.run(
        create_app(settings),
        host=host,
        port=port,
        log_level=settings.log_level,
        proxy_headers=True,
    )
    return 0


def users_create(settings: Settings, name: str, admin: bool) -> int:
    from app.handlers.users.schemas import UserCreate

    try:
        clean = UserCreate(name=name).name
    except ValueError as error:
        print(f"Invalid name: {error}", file=sys.stderr)
        return 2
    settings = _prepare(settings)
    user, api_key = _run_in_session(
        settings, lambda session: user_actions.create_user(session, clean, is_admin=admin)
    )
    role = "administrator" if user.is_admin else "user"
    print(f"Created {role} {user.id} ({user.name}). Api key, shown only now:")
    print(api_key)
    return 0


def users_list(settings: Settings) -> int:
    async def fetch(session: AsyncSession) -> list[User]:
        return list(await session.scalars(select(User).order_by(User.id)))

    users = _run_in_session(_prepare(settings), fetch)
    print(f"{'id':>6}  {'admin':5}  {'created (UTC)':16}  name")
    for user in users:
        created = user.created_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M")
        print(f"{user.id:>6}  {'yes' if user.is_admin else '':5}  {created:16}  {user.name}")
    return 0


def demo(settings: Settings) -> int:
    print(_run_in_session(_prepare(settings), load_demo))
    return 0


def migrate(settings: Settings) -> int:
    _prepare(settings)
    print("The database schema is up to date.")
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m app", description="Corporate microblog")
    commands = parser.add_subparsers(dest="command", required=True)

    serve_cmd = commands.add_parser("serve", help="start the service (API and web app)")
    serve_cmd.add_argument("--host", default="127.0.0.1", help="address to listen on")
    serve_cmd.add_argument("--port", type=int, default=8000, help="port to listen on")
    serve_cmd.add_argument(
        "--demo", action="store_true", help="load demo data into an empty database"
    )

    users = commands.add_parser("users", help="manage people").add_subparsers(
        dest="users_command", required=True
    )
    create = users.add_parser("create", help="create a person and print their api key")
    create.add_argument("name")
    create.add_argument("--admin", action="store_true", help="may create other people")
    users.add_parser("list", help="list everyone")

    commands.add_parser("demo", help="load demo data into an empty database")
    commands.add_parser("migrate", help="apply database migrations")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = load_settings()
    except SettingsError as error:
        print(error, file=sys.stderr)
        return 2
    if args.command == "serve":
        return serve(settings, args.host, args.port, args.demo)
    if args.command == "users" and args.users_command == "create":
        return users_create(settings, args.name, args.admin)
    if args.command == "users":
        return users_list(settings)
    if args.command == "demo":
        return demo(settings)
    return migrate(settings)
