"""The tweet as every listing shows it (feed, a person's tweets, a thread): the SQL columns and
their response models, so each listing only says which tweets and in what order."""

from collections.abc import Iterable
from datetime import datetime
from typing import Any, NamedTuple

from pydantic import TypeAdapter
from pydantic_core import to_json
from sqlalchemy import (
    BigInteger,
    Select,
    String,
    and_,
    bindparam,
    false,
    func,
    literal_column,
    null,
    select,
    true,
    union_all,
)
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.orm import aliased

from app.core.hashtags import hashtags_in
from app.core.json_text import person
from app.core.models import Like, Media, Mention, Tweet, User
from app.handlers.shared.db_actions import media_url
from app.handlers.shared.schemas import TweetOut


class TweetRow(NamedTuple):
    """The columns of every tweet listing (see `tweet_rows`), in this order."""

    id: int
    content: str
    likes_count: int
    created_at: datetime
    author_id: int
    author_name: str
    author_handle: str
    # NULL (None) when there are none: array_agg over no rows.
    liker_ids: list[int] | None
    liker_names: list[str] | None
    liker_handles: list[str] | None
    media_ids: list[int] | None
    reply_to: int | None
    conversation_id: int
    replies_count: int
    reply_to_deleted: bool
    # In the order of first appearance; NULL (None) when there are none.
    mention_ids: list[int] | None
    mention_names: list[str] | None
    mention_handles: list[str] | None
    # NULL (None) if never edited.
    edited_at: datetime | None
    # False: a deactivated person, a former member.
    author_active: bool


TweetSelect = Select[
    int,
    str,
    int,
    datetime,
    int,
    str,
    str,
    Any,
    Any,
    Any,
    Any,
    Any,
    int,
    int,
    bool,
    Any,
    Any,
    Any,
    datetime | None,
    bool,
]


def tweet_rows(people_as_json: bool = False) -> TweetSelect:
    """A tweet with everything a listing shows, in one statement: its author, its first
    :cap likers (the :viewer_id's own like first, then in the order people liked it),
    its pictures, the people it mentions (by their current handles) and whether the
    post it answers is gone. Callers join the tweets they want and order them.

    Each tweet reads at most :cap + 1 entries of the likes index, however popular it
    is, so a page costs the same whatever its likes; likes_count stays exact.

    `people_as_json`: the likers and the people mentioned come as their lists' JSON
    (`likes` and `mentions` of TweetOut) in liker_ids and mention_ids, the names and
    handles columns NULL; for the answers PostgreSQL writes (app/handlers/fast/).
    Aggregated straight into JSON they cost less than arrays unnested again into
    JSON: the feed page's JSON came to +0.35 ms of PostgreSQL's time over its rows,
    from +0.47 (EXPLAIN ANALYZE, 300 pages).
    """
    viewer = bindparam("viewer_id", type_=BigInteger)
    cap = bindparam("cap", type_=BigInteger)
    # The viewer's own like needs no time (it sorts first), so the probe is one entry
    # of the primary key (tweet_id, user_id); with created_at it read every like of
    # the tweet in the (tweet_id, created_at, user_id) index: a fifth of a page's time.
    mine = (
        select(Like.user_id, null().label("created_at"), true().label("mine"))
        .where(Like.tweet_id == Tweet.id, Like.user_id == viewer)
        .correlate(Tweet)
    )
    others = (
        select(Like.user_id, Like.created_at, false().label("mine"))
        .where(Like.tweet_id == Tweet.id, Like.user_id != viewer)
        .correlate(Tweet)
        .order_by(Like.created_at, Like.user_id)
        .limit(cap)
    )
    both = union_all(mine, others).subquery("both_likers")
    first = (
        select(both)
        .order_by(both.c.mine.desc(), both.c.created_at, both.c.user_id)
        .limit(cap)
        .subquery("first_likers")
    )
    order = (first.c.mine.desc(), first.c.created_at, first.c.user_id)
    liker = aliased(User, name="liker")
    likers = (
        select(*_people_columns(liker, "liker", "user_id", people_as_json, order))
        .select_from(first)
        .join(liker, liker.id == first.c.user_id)
        .lateral("likers")
    )
    mentioned = aliased(User, name="mentioned")
    mentions = (
        select(*_people_columns(mentioned, "mentioned", "id", people_as_json, (Mention.position,)))
        .select_from(Mention)
        .join(mentioned, mentioned.id == Mention.user_id)
        .where(Mention.tweet_id == Tweet.id)
        .lateral("mentions")
    )
    parent = aliased(Tweet, name="parent")
    # A post answering one that was deleted (reply_to kept, no row behind it). A
    # scalar subquery, one probe of the key per reply: NOT EXISTS may be planned as a
    # hash of the whole table for a page of few rows.
    parent_gone = and_(
        Tweet.reply_to.is_not(None),
        select(parent.id)
        .where(parent.id == Tweet.reply_to)
        .correlate(Tweet)
        .scalar_subquery()
        .is_(None),
    )
    pictures = (
        select(func.array_agg(aggregate_order_by(Media.id, Media.id)))
        .where(Media.tweet_id == Tweet.id)
        .scalar_subquery()
    )
    return (
        select(
            Tweet.id,
            Tweet.content,
            Tweet.likes_count,
            Tweet.created_at,
            Tweet.author_id,
            User.name,
            User.handle,
            likers.c.ids,
            likers.c.names,
            likers.c.handles,
            pictures,
            Tweet.reply_to,
            # Tweets older than replies have none recorded: each started its own.
            func.coalesce(Tweet.conversation_id, Tweet.id),
            Tweet.replies_count,
            parent_gone,
            mentions.c.ids,
            mentions.c.names,
            mentions.c.handles,
            Tweet.edited_at,
            User.active,
        )
        .join(User, User.id == Tweet.author_id)
        .join(likers, true())
        .join(mentions, true())
    )


def _people_columns(
    who: Any, alias: str, id_name: str, as_json: bool, order: tuple[Any, ...]
) -> list[Any]:
    """A lateral's people (`who`, named `alias` in the statement) aggregated in
    `order`: (ids, names, handles) arrays, or the JSON list of `{id_name, name,
    handle}` objects and two NULLs."""
    if not as_json:
        return [
            func.array_agg(aggregate_order_by(who.id, *order)).label("ids"),
            func.array_agg(aggregate_order_by(who.name, *order)).label("names"),
            func.array_agg(aggregate_order_by(who.handle, *order)).label("handles"),
        ]
    one = person(f"{alias}.", id_name=id_name)
    listed = func.string_agg(
        literal_column(one, String), aggregate_order_by(literal_column("','"), *order)
    )
    as_list = func.concat(literal_column("'['"), listed, literal_column("']'"))
    return [as_list.label("ids"), null().label("names"), null().label("handles")]


def viewing(viewer_id: int, likers_per_tweet: int) -> dict[str, int | None]:
    """`tweet_rows`' own parameters: who is looking, and how many likers each tweet lists."""
    return {"viewer_id": viewer_id, "cap": likers_per_tweet or None}  # LIMIT NULL: all


# One validation of the whole page in pydantic-core: far cheaper than building (or
# model_construct-ing, which is pure Python) hundreds of small models one by one.
_TWEET_VIEWS = TypeAdapter(list[TweetOut])


def _people(
    ids: list[int] | None, names: list[str] | None, handles: list[str] | None
) -> Iterable[tuple[int, str, str]]:
    """(id, name, handle) of people aggregated in parallel arrays (NULL: none)."""
    return zip(ids or (), names or (), handles or (), strict=True)


def tweet_views(rows: Iterable[Any]) -> list[TweetOut]:
    """The response models of `tweet_rows` rows."""
    return _TWEET_VIEWS.validate_python(tweet_values(rows))


def tweet_list_json(rows: Iterable[Any]) -> bytes:
    """The `TweetList` answer of `tweet_rows` rows, rendered from their values: the bytes
    `TweetList(tweets=tweet_views(rows)).model_dump_json()` gives (tests/test_feed.py
    compares the two), without a model for every tweet, author and liker. Building
    those (about 260 a feed page) was a fifth of a feed request's time in the web
    process, for values that come typed from our own statement."""
    return to_json({"result": True, "tweets": tweet_values(rows)})


def tweet_values(rows: Iterable[Any]) -> list[dict[str, Any]]:
    """Each tweet of `tweet_rows` rows as TweetOut's fields, in its order."""
    views = []
    for row in rows:
        tweet = TweetRow._make(row)
        views.append(
            {
                "id": tweet.id,
                "content": tweet.content,
                "attachments": [media_url(media_id) for media_id in tweet.media_ids or ()],
                "author": {
                    "id": tweet.author_id,
                    "name": tweet.author_name,
                    "handle": tweet.author_handle,
                    "active": tweet.author_active,
                },
                "likes": [
                    {"user_id": user_id, "name": name, "handle": handle}
                    for user_id, name, handle in _people(
                        tweet.liker_ids, tweet.liker_names, tweet.liker_handles
                    )
                ],
                "likes_count": tweet.likes_count,
                "created_at": tweet.created_at,
                "edited_at": tweet.edited_at,
                "reply_to": tweet.reply_to,
                "reply_to_deleted": tweet.reply_to_deleted,
                "conversation_id": tweet.conversation_id,
                "replies_count": tweet.replies_count,
                "mentions": [
                    {"id": user_id, "name": name, "handle": handle}
                    for user_id, name, handle in _people(
                        tweet.mention_ids, tweet.mention_names, tweet.mention_handles
                    )
                ],
                "hashtags": hashtags_in(tweet.content),
            }
        )
    return views
