# ruff: noqa: S608 - SQL made of our own fragments; every value is a parameter
"""The hot reads' answers written by PostgreSQL: the statement returns the response
body itself, so the web process writes bytes without building an object per tweet,
author and liker.

Each answer is the app's own rows statement (the tweet listing of
app/handlers/tweets/listing.py, the feed's page of feed_sql.py) wrapped in one that
writes each row as the JSON the models describe, in the models' field order and
spelling: compact (`{"a":1}`: PostgreSQL's json_build_object would write `{"a" : 1}`,
and jsonb sorts keys), strings escaped by to_json as pydantic-core escapes them,
times as pydantic writes an aware UTC datetime (`…T10:20:30Z`, or `.123000Z` with
microseconds). tests/test_fast_reads.py compares every answer here with the models'
own rendering, byte for byte.

The rows come from a subquery that orders them; the aggregate keeps that order (a
plain aggregate over one sorted subquery reads it in order; nothing is joined
above it).
"""

from typing import Any

from sqlalchemy import Select

from app.core.json_text import boolean, moment, nullable, obj, person, text
from app.core.raw_statement import RawStatement
from app.handlers.tweets.listing import TweetRow, TweetSelect

# TweetRow's fields as the wrapped subquery's column names.
_COLUMNS = ", ".join(TweetRow._fields)


def array_of(arrays: dict[str, str], element: str, when: str | None = None) -> str:
    """A JSON array with one `element` per position of the parallel SQL `arrays`
    (name: array expression; `element` names them); [] when they are NULL, or
    unless `when` holds (a cheap test that spares most rows the subquery)."""
    names = ", ".join(arrays)
    unnested = ", ".join(arrays.values())
    when = when or f"{next(iter(arrays.values()))} IS NOT NULL"
    return (
        f"CASE WHEN {when} THEN '[' || coalesce((SELECT string_agg({element}, ',' "
        f"ORDER BY position) FROM unnest({unnested}) WITH ORDINALITY AS each_one({names}, "
        f"position)), '') || ']' ELSE '[]' END"
    )


# A post's hashtags, in order of first appearance. They are filed in tweet_hashtags by
# a trigger (migration 0010), a row per tag but without its place: a post with one is
# read there (a probe of the key), and only one with several runs the function for
# their order (the rule of app/core/hashtags.py; tests/test_hashtags.py checks that the
# two agree, tests/test_fast_reads.py both ways here).
_HASHTAGS = f"""CASE WHEN strpos(t.content, '#') = 0 THEN '[]' ELSE (
    SELECT CASE WHEN count(*) = 0 THEN '[]'
                WHEN count(*) = 1 THEN '[' || {text("min(filed.tag)")} || ']'
                ELSE {array_of({"tag": "tweet_hashtags_of(t.content)"}, text("tag"), "true")}
           END
    FROM tweet_hashtags AS filed WHERE filed.tweet_id = t.id
) END"""

TWEET = obj(
    ("id", "t.id::text"),
    ("content", text("t.content")),
    (
        "attachments",
        array_of({"media_id": "t.media_ids"}, """'"/api/medias/' || media_id || '"'"""),
    ),
    ("author", person("t.author_", ("active", boolean("t.author_active")))),
    ("likes", "t.liker_ids"),  # already the list's JSON (tweet_rows' people_as_json)
    ("likes_count", "t.likes_count::text"),
    ("created_at", moment("t.created_at")),
    ("edited_at", nullable(moment("t.edited_at"))),
    ("reply_to", nullable("t.reply_to::text")),
    ("reply_to_deleted", boolean("t.reply_to_deleted")),
    ("conversation_id", "t.conversation_id::text"),
    ("replies_count", "t.replies_count::text"),
    ("mentions", "t.mention_ids"),
    # The same rule as app/core/hashtags.py (tests/test_hashtags.py checks they agree).
    ("hashtags", _HASHTAGS),
)


# The parameters every answer here ends with: how the reader signed in (an api key's
# hash or None, a session token's hash or None, the idle time of sessions, minutes).
SIGNED_IN = ("key_hash", "session_hash", "idle_minutes")


def _still_signed_in(viewer: str, first: int) -> str:
    """The reader (`viewer`) is active and still signed in as they came: with an api
    key still theirs, or with a session still open (SIGNED_IN, from parameter
    `first` on). Checked in the answer's own snapshot, so a key replaced, a session
    ended or a person deactivated a moment ago is refused by every process, even one
    that has not yet heard of it (app/core/owners.py); on a replica, once it has
    replayed the change."""
    key, session, idle = (f"${first + n}" for n in range(3))
    return (
        f"EXISTS (SELECT 1 FROM users AS reader WHERE reader.id = {viewer} AND reader.active"
        f" AND ({key}::text IS NULL OR reader.api_key_hash = {key}::text)"
        f" AND ({session}::text IS NULL OR EXISTS (SELECT 1 FROM web_sessions AS s"
        f" WHERE s.token_hash = {session}::text AND s.user_id = reader.id"
        f" AND s.expires_at > now()"
        f" AND s.last_seen_at > now() - make_interval(mins => {idle}::int))))"
    )


class TweetListJson:
    """`statement`'s tweets as the `TweetList` answer (`{"result":true,"tweets":[…]}`),
    or no row if the reader is no longer signed in (`_still_signed_in`: parameters
    SIGNED_IN); `statement` made by `tweet_rows(people_as_json=True)`."""

    def __init__(self, statement: TweetSelect) -> None:
        rows = RawStatement(statement)
        self.names = [*rows.names, *SIGNED_IN]
        viewer = f"${rows.names.index('viewer_id') + 1}"
        self.sql = (
            f"""SELECT '{{"result":true,"tweets":[' || coalesce(string_agg({TWEET}, ','), '') """
            f"|| ']}}' FROM ({rows.sql}) AS t({_COLUMNS}) "
            f"HAVING {_still_signed_in(viewer, len(rows.names) + 1)}"
        )

    def args(self, **values: object) -> list[object]:
        return [values[name] for name in self.names]


def _people_of(person_column: str, them_column: str) -> str:
    """The JSON list of the person's followers or followees (`UserRef`), by name, at
    most $3 of them (NULL: all), as app/handlers/users/actions.py lists them."""
    return (
        f"'[' || coalesce((SELECT string_agg({person('u.')}, ',') FROM ("
        f"SELECT u.id, u.name, u.handle FROM follows "
        f"JOIN users AS u ON u.id = follows.{them_column} "
        f"WHERE follows.{person_column} = p.id ORDER BY lower(u.name), u.id LIMIT $3"
        f") AS u), '') || ']'"
    )


def _count(table: str, column: str) -> str:
    return f"(SELECT count(*) FROM {table} WHERE {column} = p.id)::text"


# GET /api/users/{id} and /me as `ProfileOut` ($1 the person, $2 who asks, $3 the
# people_limit or NULL, then SIGNED_IN); '' when there is no such person (the route
# answers 404); no row when the reader is no longer signed in. is_admin and email only
# for the person and administrators, email only when set (as Profile excludes them).
PROFILE_JSON = f"""
SELECT CASE WHEN p.id IS NULL THEN '' ELSE '{{"result":true,"user":' || {
    person("p.", ("active", boolean("p.active")), closed=False)
} || CASE WHEN p.id = $2 OR (SELECT is_admin FROM users WHERE id = $2)
          THEN ',"is_admin":' || {boolean("p.is_admin")}
               || coalesce(',"email":' || {text("p.email")}, '')
          ELSE '' END
    || ',"followers":' || CASE WHEN $3 = 0 THEN '[]' ELSE {
    _people_of("followee_id", "follower_id")
} END
    || ',"following":' || CASE WHEN $3 = 0 THEN '[]' ELSE {
    _people_of("follower_id", "followee_id")
} END
    || ',"followers_count":' || {_count("follows", "followee_id")}
    || ',"following_count":' || {_count("follows", "follower_id")}
    || ',"tweets_count":' || {_count("tweets", "author_id")}
    || '}}}}' END
FROM (SELECT 1) AS asked LEFT JOIN users AS p ON p.id = $1
WHERE {_still_signed_in("$2", 4)}
"""


# The reader's unread notifications: an index-only count on ix_notifications_unread.
_UNREAD = "(SELECT count(*) FROM notifications WHERE user_id = $1 AND NOT read)::text"

_NOTIFICATION = obj(
    ("id", "n.id::text"),
    ("type", text("n.type")),
    ("actor", person("n.actor_")),
    ("tweet_id", nullable("n.tweet_id::text")),
    ("created_at", moment("n.created_at")),
    ("read", boolean("n.read")),
)


class NotificationListJson:
    """GET /api/notifications as `NotificationList` (app/handlers/notifications/: its
    PAGE statement, newest first, and the unread count), or no row if the reader
    is no longer signed in. Parameters: `args`."""

    def __init__(self, page: Select[*tuple[Any, ...]]) -> None:
        rows = RawStatement(page)
        self.names = [*rows.names, *SIGNED_IN]
        user = f"${rows.names.index('user_id') + 1}"
        self.sql = (
            f"""SELECT '{{"result":true,"notifications":[' """
            f"|| coalesce(string_agg({_NOTIFICATION}, ','), '') "
            f"""|| '],"unread_count":' || {_UNREAD.replace("$1", user)} || '}}' """
            f"FROM ({rows.sql}) AS n HAVING {_still_signed_in(user, len(rows.names) + 1)}"
        )

    def args(self, **values: object) -> list[object]:
        return [values[name] for name in self.names]


# GET /api/notifications/unread_count as `UnreadCount` ($1 the reader, then
# SIGNED_IN); no row if the reader is no longer signed in.
UNREAD_COUNT_JSON = f"""
SELECT '{{"result":true,"unread_count":' || {_UNREAD} || '}}'
WHERE {_still_signed_in("$1", 2)}
"""
