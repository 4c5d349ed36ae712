"""`python -m app users create NAME [--admin] | list | rotate-key ID`: people and
their api keys, for operators (the API does the same for administrators)."""

import argparse
import sys
from datetime import UTC

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.commands.shared import Subcommands, prepare, run_in_session
from app.core.config import Settings
from app.core.exceptions import Conflict, NotFound, ValidationFailed
from app.core.models import User
from app.handlers.admin import people


def add_commands(commands: Subcommands) -> None:
    users = commands.add_parser("users", help="manage people").add_subparsers(
        dest="users_command", required=True
    )
    create = users.add_parser("create", help="create a person and print their api key")
    create.add_argument("name")
    create.add_argument("--admin", action="store_true", help="may create other people")
    create.add_argument("--handle", help="their unique @handle (else derived from the name)")
    create.set_defaults(func=users_create)
    users.add_parser("list", help="list everyone").set_defaults(func=users_list)
    rotate = users.add_parser(
        "rotate-key", help="give a person a new api key; the old one stops working at once"
    )
    rotate.add_argument("user_id", type=int, metavar="ID", help="their id (see users list)")
    rotate.set_defaults(func=users_rotate_key)


def users_create(args: argparse.Namespace, settings: Settings) -> int:
    from app.handlers.users.schemas import UserCreate

    admin: bool = args.admin
    handle: str | None = args.handle
    try:
        clean = UserCreate(name=args.name).name
    except ValueError as error:
        print(f"Invalid name: {error}", file=sys.stderr)
        return 2
    settings = prepare(settings)
    try:
        user, api_key = run_in_session(
            settings,
            lambda session: people.create(session, None, clean, is_admin=admin, handle=handle),
        )
    except (Conflict, ValidationFailed) as error:
        print(error.message, file=sys.stderr)
        return 2
    role = "administrator" if user.is_admin else "user"
    print(f"Created {role} {user.id} ({user.name}, @{user.handle}). Api key, shown only now:")
    print(api_key)
    return 0


def users_rotate_key(args: argparse.Namespace, settings: Settings) -> int:
    user_id: int = args.user_id
    try:
        user, api_key = run_in_session(
            prepare(settings), lambda session: people.rotate_key(session, None, user_id)
        )
    except NotFound as error:
        print(error.message, file=sys.stderr)
        return 1
    print(f"New api key of {user.id} ({user.name}); the old one no longer works. Shown only now:")
    print(api_key)
    return 0


def users_list(_args: argparse.Namespace, settings: Settings) -> int:
    async def fetch(session: AsyncSession) -> list[User]:
        return list(await session.scalars(select(User).order_by(User.id)))

    users = run_in_session(prepare(settings), fetch)
    print(f"{'id':>6}  {'admin':5}  {'created (UTC)':16}  {'handle':31}  name")
    for user in users:
        created = user.created_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M")
        admin = "yes" if user.is_admin else ""
        print(f"{user.id:>6}  {admin:5}  {created:16}  @{user.handle:30}  {user.name}")
    return 0
