"""People: creating them, profiles, the directory and following."""

import uuid
from typing import Any, Literal

from pydantic_core import to_json
from sqlalchemy import Select, delete, func, literal, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.exceptions import ValidationFailed
from app.core.models import Follow, Tweet, User
from app.core.security import hash_api_key, new_api_key
from app.handlers.shared.db_actions import get_user
from app.handlers.shared.schemas import UserRef
from app.handlers.users import handles
from app.handlers.users.schemas import Profile
from app.live import announce


async def create_user(
    session: AsyncSession,
    name: str,
    *,
    is_admin: bool = False,
    api_key: str | None = None,
    handle: str | None = None,
) -> tuple[User, str]:
    """Create a person with this handle (else one from their name); return them with
    their api key (the only time it exists in clear). 409 if the handle is taken."""
    api_key = api_key or new_api_key()
    if handle is not None:
        handle = handles.checked(handle)  # 422 before anything is written
    # The handle is claimed once the row has an id; a unique placeholder meanwhile,
    # never seen outside this transaction.
    placeholder = f"new.{uuid.uuid4().hex[:24]}"
    user = User(
        name=name, api_key_hash=hash_api_key(api_key), is_admin=is_admin, handle=placeholder
    )
    session.add(user)
    await session.flush()
    await handles.claim(session, user, handle)
    return user, api_key


async def rotate_api_key(session: AsyncSession, user_id: int) -> tuple[User, str]:
    """Give the person a new api key; the old one stops working with this commit, and
    the event streams opened with it end."""
    user = await get_user(session, user_id)
    api_key = new_api_key()
    user.api_key_hash = hash_api_key(api_key)
    await session.flush()
    await announce.credentials_changed(session, user_id)
    return user, api_key


# Alphabetical whatever the case; the id makes the order total, so pages never overlap.
BY_NAME = (func.lower(User.name), User.id)

Relation = Literal["followers", "following"]


async def people(
    session: AsyncSession, user_id: int, relation: Relation, offset: int, limit: int
) -> list[UserRef]:
    """The person's followers, or the people they follow, by name; 404 if there is
    no such person."""
    await get_user(session, user_id)
    return await _people(session, user_id, relation, offset, limit)


async def _people(
    session: AsyncSession, user_id: int, relation: Relation, offset: int, limit: int | None
) -> list[UserRef]:
    """`people` of a person known to exist; `limit` None: all."""
    if relation == "followers":
        them, person = Follow.follower_id, Follow.followee_id
    else:
        them, person = Follow.followee_id, Follow.follower_id
    rows = await session.execute(
        select(User.id, User.name, User.handle)
        .join(Follow, them == User.id)
        .where(person == user_id)
        .order_by(*BY_NAME)
        .offset(offset)
        .limit(limit)
    )
    return [UserRef(id=id_, name=name, handle=handle) for id_, name, handle in rows]


async def profile_of(
    session: AsyncSession, user_id: int, viewer: User, people_limit: int | None = None
) -> Profile:
    """`profile` of the person with this id; 404 if there is none."""
    return await profile(session, await get_user(session, user_id), viewer, people_limit)


async def profile(
    session: AsyncSession, user: User, viewer: User, people_limit: int | None = None
) -> Profile:
    """The profile with its exact counts; each list holds at most `people_limit`
    people (None: everyone, as the API has always answered). The person and
    administrators also see the e-mail and admin flag."""
    followers: list[UserRef] = []
    following: list[UserRef] = []
    if people_limit != 0:
        followers = await _people(session, user.id, "followers", 0, people_limit)
        following = await _people(session, user.id, "following", 0, people_limit)
    # Each count is an index-only scan: the tweets' (author_id, created_at, id) index,
    # ix_follows_followee_id and the follows key. Whole lists are their own counts.
    counts = [select(func.count()).where(Tweet.author_id == user.id).scalar_subquery()]
    if people_limit is not None:
        counts += [
            select(func.count()).where(Follow.followee_id == user.id).scalar_subquery(),
            select(func.count()).where(Follow.follower_id == user.id).scalar_subquery(),
        ]
    tweets_count, *follow_counts = (await session.execute(select(*counts))).one()
    followers_count, following_count = follow_counts or (len(followers), len(following))
    return Profile(
        id=user.id,
        name=user.name,
        handle=user.handle,
        followers=followers,
        following=following,
        followers_count=followers_count,
        following_count=following_count,
        tweets_count=tweets_count,
        active=user.active,
        **(
            {"is_admin": user.is_admin, "email": user.email}
            if viewer.id == user.id or viewer.is_admin
            else {}
        ),
    )


def _once(value: Any) -> Any:
    """`value` computed once per statement (an InitPlan), not once per row: the
    generic plan cannot fold an expression of parameters, and the key's function is
    a dozen string operations."""
    return select(value).scalar_subquery()


def _literal_in_like(value: Any) -> Any:
    """The SQL text `value` with LIKE's wildcards and escape character made literal."""
    for special in ("\\", "%", "_"):
        value = func.replace(value, special, "\\" + special)
    return value


def directory_statement(query: str | None, offset: int, limit: int) -> Select[Any]:
    """Everyone active by name; with `query`, those whose handle or name holds it, the name in
    either script ("anna" finds "Анна": app/core/name_keys.py), those whose name or
    handle starts with it first."""
    followers_count = select(func.count()).where(Follow.followee_id == User.id).scalar_subquery()
    following_count = select(func.count()).where(Follow.follower_id == User.id).scalar_subquery()
    statement = select(User.id, User.name, User.handle, followers_count, following_count).where(
        User.active
    )
    order: tuple[Any, ...] = BY_NAME
    if query:
        # Both trigram indexes serve it (a BitmapOr); `@ann` finds handles too.
        text = query.removeprefix("@")
        # Handles are lower case (a CHECK): LIKE, cheaper than ILIKE on every candidate.
        typed = _literal_in_like(func.lower(literal(text)))
        key = _literal_in_like(func.people_key(text))
        name_key = User.name_key
        statement = statement.where(
            or_(
                User.handle.like(_once("%" + typed + "%"), escape="\\"),
                name_key.like(_once("%" + key + "%"), escape="\\"),
            )
        )
        # A name's words, and the handle, starting with what was typed come first.
        starts = or_(
            User.handle.like(_once(typed + "%"), escape="\\"),
            name_key.like(_once(key + "%"), escape="\\"),
            name_key.like(_once("% " + key + "%"), escape="\\"),
        )
        order = (starts.desc(), *BY_NAME)
    return statement.order_by(*order).offset(offset).limit(limit)


async def directory(session: AsyncSession, query: str | None, offset: int, limit: int) -> bytes:
    """A page of the directory as the `UserList` answer's bytes, rendered from the
    row values (as the feed is: app/handlers/tweets/listing.py says why)."""
    rows = await session.execute(directory_statement(query, offset, limit))
    users = [
        {
            "id": id_,
            "name": name,
            "handle": handle,
            "followers_count": followers,
            "following_count": following,
        }
        for id_, name, handle, followers, following in rows
    ]
    return to_json({"result": True, "users": users})


async def follow(session: AsyncSession, user: User, followee_id: int) -> None:
    if followee_id == user.id:
        raise ValidationFailed("You cannot follow yourself", field="user_id")
    await get_user(session, followee_id)
    await session.execute(
        pg_insert(Follow)
        .values(follower_id=user.id, followee_id=followee_id)
        .on_conflict_do_nothing()
    )


async def unfollow(session: AsyncSession, user: User, followee_id: int) -> None:
    if followee_id != user.id:
        await get_user(session, followee_id)
    await session.execute(
        delete(Follow).where(Follow.follower_id == user.id, Follow.followee_id == followee_id)
    )
