"""The lookups several domains share: the caller by api key or session, a person by id (404 if
there is none), and a picture's URL. Helpers here and in each domain's `actions`
never commit: the request's session commits once, after the handler returns."""

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import sessions
from app.core.config import Settings
from app.core.exceptions import NotFound
from app.core.models import Tweet, User
from app.core.security import hash_api_key
from app.core.sessions import KEY, Caller, Credential

# The hash is the lookup key: one index probe, no per-request slow hash.
USER_BY_KEY_HASH = select(User).where(User.api_key_hash == bindparam("api_key_hash"))


async def user_by_api_key(session: AsyncSession, api_key: str) -> User | None:
    result = await session.scalars(USER_BY_KEY_HASH, {"api_key_hash": hash_api_key(api_key)})
    return result.one_or_none()


async def caller(
    session: AsyncSession, credential: Credential, settings: Settings
) -> Caller | None:
    """Whose the credential is (a deactivated person's key finds them: the caller says
    why it is refused; a session of theirs no longer exists)."""
    if credential.kind == KEY:
        user = await user_by_api_key(session, credential.secret)
        return None if user is None else Caller(user)
    found = await sessions.by_token(session, credential.secret, settings)
    return None if found is None else Caller(found.user, found.session_id, found.expires_at)


def credential_label(caller: Caller) -> str:
    """How a live stream remembers what it was opened with (see valid_credentials)."""
    if caller.session_id is not None:
        return f"s:{caller.session_id}"
    return f"k:{caller.user.api_key_hash}"


async def valid_credentials(session: AsyncSession, user_ids: list[int]) -> dict[int, set[str]]:
    """The credential labels these people may still use: their key's, if they are
    active, and their live sessions' (a deactivated person has none)."""
    keys = await session.execute(
        select(User.id, User.api_key_hash).where(User.id.in_(user_ids), User.active)
    )
    valid: dict[int, set[str]] = {user_id: {f"k:{key_hash}"} for user_id, key_hash in keys}
    for user_id, ids in (await sessions.valid_ids(session, user_ids)).items():
        valid.setdefault(user_id, set()).update(f"s:{session_id}" for session_id in ids)
    return valid


async def get_user(session: AsyncSession, user_id: int) -> User:
    user = await session.get(User, user_id)
    if user is None:
        raise NotFound(f"User {user_id} does not exist")
    return user


def no_such_tweet(tweet_id: int) -> NotFound:
    return NotFound(f"Tweet {tweet_id} does not exist")


async def check_tweet(session: AsyncSession, tweet_id: int) -> None:
    """404 unless the tweet exists."""
    if await session.scalar(select(Tweet.id).where(Tweet.id == tweet_id)) is None:
        raise no_such_tweet(tweet_id)


def media_url(media_id: int) -> str:
    return f"/api/medias/{media_id}"
