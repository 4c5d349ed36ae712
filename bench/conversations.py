"""`bench seed`'s conversations: which tweets answer which, who is mentioned, and the
rows the triggers of migration 0005 would have written had the tweets, mentions,
likes and follows been inserted one by one.

The shape: one tweet in five is a reply. A reply picks its conversation with a
heavy tail (power(random(), 3) over the starters, scattered over authors and time
like the likes), so most posts get no answer and a few get thousands. Inside a
conversation a reply answers the post itself (45%), the reply just before it (30%,
a back-and-forth) or any earlier reply (25%), which makes chains several levels
deep; one in ten is by the post's own author. Replies follow their conversation's
start at most 20 minutes apart, so each comes after what it answers; ids are handed
out in order of time, so an answer's id is above its post's too. One tweet in ten
mentions people (half of those one, a third two, the rest three), popular people
more often, as `@handle` at the end of the text.

Notifications are each event's, as the triggers write them: a reply to someone
else's post, a mention of someone else (not when the mentioned person is the one
replied to: the reply's notification is theirs), a like of someone else's post, a
new follower; timed as the event and numbered in order of time. Each person has
read everything up to a moment of their own: most within the last few days, some
within the last three months, a few never.
"""

from typing import TYPE_CHECKING

import asyncpg

if TYPE_CHECKING:
    from bench.seed import DataSet

REPLY_SHARE = 0.2
MENTION_SHARE = 0.1
HANDLE_PREFIX = "user"


def handle(user_id: int) -> str:
    """The handle seed gives person `user_id` (handle_sql makes the same string)."""
    return f"{HANDLE_PREFIX}{user_id}"


def handle_sql(column: str) -> str:
    return f"'{HANDLE_PREFIX}' || {column}"


async def draw_tweets(connection: asyncpg.Connection, data: "DataSet", replies: bool) -> None:
    """Temporary table bench_tweets (id, author_id, created_at, reply_to,
    conversation_id): every tweet's place, numbered in order of time."""
    reply_count = int(data.tweets * REPLY_SHARE) if replies and data.tweets > 1 else 0
    starters = data.tweets - reply_count
    await connection.execute(
        """
        CREATE TEMPORARY TABLE bench_starters AS
        SELECT s AS slot,
               1 + floor($2::bigint * power(random(), 1.6))::bigint AS author_id,
               now() - random() * interval '365 days' AS created_at
        FROM generate_series(1, $1::bigint) AS s
        """,
        starters,
        data.users,
    )
    # A reply's conversation, and its own draws for who writes it, what it answers,
    # and when within its conversation.
    await connection.execute(
        """
        CREATE TEMPORARY TABLE bench_replies AS
        SELECT slot, starter, who, answers, late,
               row_number() OVER (PARTITION BY starter ORDER BY slot) AS rank,
               count(*) OVER (PARTITION BY starter) AS siblings
        FROM (
            SELECT r AS slot,
                   1 + (floor($1::bigint * power(random(), 3))::bigint * 2654435761) % $1
                       AS starter,
                   random() AS who, random() AS answers, random() AS late
            FROM generate_series(1, $2::bigint) AS r
        ) AS drawn
        """,
        max(starters, 1),
        reply_count,
    )
    # Rank 0 is the starter; a reply answers rank `parent_rank` of its conversation.
    await connection.execute(
        """
        CREATE TEMPORARY TABLE bench_drawn AS
        SELECT row_number() OVER (ORDER BY created_at, starter, rank) AS id, *
        FROM (
            SELECT slot AS starter, 0::bigint AS rank, 0::bigint AS parent_rank,
                   author_id, created_at
            FROM bench_starters
            UNION ALL
            SELECT r.starter, r.rank,
                   CASE WHEN r.rank = 1 OR r.answers < 0.45 THEN 0
                        WHEN r.answers < 0.75 THEN r.rank - 1
                        ELSE 1 + floor((r.answers - 0.75) / 0.25 * (r.rank - 1))::bigint END,
                   CASE WHEN r.who < 0.1 THEN s.author_id
                        ELSE 1 + floor($1::bigint * power((r.who - 0.1) / 0.9, 1.6))::bigint END,
                   -- Strictly after the reply ranked before, and before now.
                   s.created_at + (r.rank - 0.95 + 0.9 * r.late)
                       * least(interval '20 minutes', (now() - s.created_at) / (r.siblings + 1))
            FROM bench_replies r JOIN bench_starters s ON s.slot = r.starter
        ) AS every_tweet
        """,
        data.users,
    )
    await connection.execute(
        """
        CREATE TEMPORARY TABLE bench_tweets AS
        SELECT t.id, t.author_id, t.created_at, parent.id AS reply_to,
               start.id AS conversation_id
        FROM bench_drawn t
        JOIN bench_drawn start ON start.starter = t.starter AND start.rank = 0
        LEFT JOIN bench_drawn parent
               ON t.rank > 0 AND parent.starter = t.starter AND parent.rank = t.parent_rank
        """
    )
    await connection.execute("ALTER TABLE bench_tweets ADD PRIMARY KEY (id)")
    await connection.execute("DROP TABLE bench_starters, bench_replies, bench_drawn")


async def draw_mentions(connection: asyncpg.Connection, data: "DataSet", mentions: bool) -> None:
    """Temporary table bench_mentions (tweet_id, user_id, position), positions from 0
    in order of first appearance, as the app numbers them."""
    await connection.execute(
        f"""
        CREATE TEMPORARY TABLE bench_mentions AS
        WITH chosen AS MATERIALIZED (
            SELECT id, random() AS chance, random() AS many FROM bench_tweets
        ), drawn AS (
            SELECT c.id AS tweet_id, d AS draw,
                   1 + floor($1::bigint * power(random(), 2.5))::bigint AS user_id
            FROM chosen c
            CROSS JOIN LATERAL generate_series(
                1, CASE WHEN c.many < 0.5 THEN 1 WHEN c.many < 0.85 THEN 2 ELSE 3 END
            ) AS d
            WHERE c.chance < $2
        )
        SELECT tweet_id, user_id,
               (row_number() OVER (PARTITION BY tweet_id ORDER BY first) - 1)::smallint
                   AS position,
               {handle_sql("user_id")} AS handle
        FROM (SELECT tweet_id, user_id, min(draw) AS first FROM drawn
              GROUP BY tweet_id, user_id) AS once
        """,  # noqa: S608 - a fixed expression, no input
        data.users,
        MENTION_SHARE if mentions else 0.0,
    )


async def write_the_rest(connection: asyncpg.Connection) -> dict[str, int]:
    """Handles on record, mentions, who joined which conversation, and notifications;
    tweets, likes and follows are in their tables already."""
    await connection.execute(
        "INSERT INTO user_handles (handle, user_id, created_at) "
        "SELECT handle, id, created_at FROM users"
    )
    await connection.execute(
        "INSERT INTO mentions (tweet_id, user_id, position) "
        "SELECT tweet_id, user_id, position FROM bench_mentions"
    )
    # From migration 0007 on, a join carries its start's place in the feed's order.
    keyed = await connection.fetchval(
        "SELECT count(*) > 0 FROM information_schema.columns"
        " WHERE table_name = 'conversation_joins' AND column_name = 'started_at'"
    )
    await connection.execute(
        f"""
        INSERT INTO conversation_joins (user_id, conversation_id, created_at
                                        {", likes_count, started_at" if keyed else ""})
        SELECT reply.author_id, reply.conversation_id, min(reply.created_at)
               {", start.likes_count, start.created_at" if keyed else ""}
        FROM tweets reply JOIN tweets start ON start.id = reply.conversation_id
        WHERE reply.reply_to IS NOT NULL
        GROUP BY reply.author_id, reply.conversation_id, start.likes_count, start.created_at
        """  # noqa: S608 - fixed alternatives, no input
    )
    await connection.execute(
        """
        CREATE TEMPORARY TABLE bench_read_up_to AS
        WITH drawn AS MATERIALIZED (SELECT id, random() AS d FROM users)
        SELECT id AS user_id,
               CASE WHEN d < 0.03 THEN '-infinity'::timestamptz
                    WHEN d < 0.2 THEN now() - (d - 0.03) / 0.17 * interval '90 days'
                    ELSE now() - -ln(1 - (d - 0.2) / 0.8) * interval '1 day' END AS up_to
        FROM drawn
        """
    )
    await connection.execute(
        """
        INSERT INTO notifications (user_id, type, actor_id, tweet_id, read, created_at)
        SELECT e.user_id, e.type, e.actor_id, e.tweet_id, e.created_at <= r.up_to, e.created_at
        FROM (
            SELECT parent.author_id AS user_id, 'reply' AS type, t.author_id AS actor_id,
                   t.id AS tweet_id, t.created_at
            FROM tweets t JOIN tweets parent ON parent.id = t.reply_to
            WHERE parent.author_id <> t.author_id
            UNION ALL
            SELECT m.user_id, 'mention', t.author_id, t.id, t.created_at
            FROM mentions m JOIN tweets t ON t.id = m.tweet_id
            WHERE m.user_id <> t.author_id
              AND NOT EXISTS (SELECT FROM tweets parent
                              WHERE parent.id = t.reply_to AND parent.author_id = m.user_id)
            UNION ALL
            SELECT t.author_id, 'like', l.user_id, l.tweet_id, l.created_at
            FROM likes l JOIN tweets t ON t.id = l.tweet_id
            WHERE l.user_id <> t.author_id
            UNION ALL
            SELECT followee_id, 'follow', follower_id, NULL, created_at FROM follows
        ) AS e
        JOIN bench_read_up_to r ON r.user_id = e.user_id
        ORDER BY e.created_at, e.user_id, e.type, e.actor_id, e.tweet_id
        """
    )
    counts = await connection.fetchrow(
        """
        SELECT (SELECT count(*) FROM tweets WHERE reply_to IS NOT NULL) AS replies,
               (SELECT count(*) FROM mentions) AS mentions,
               (SELECT count(*) FROM notifications) AS notifications,
               (SELECT count(*) FROM notifications WHERE NOT read) AS unread
        """
    )
    assert counts is not None
    await connection.execute(
        "SELECT setval(pg_get_serial_sequence('notifications', 'id'), greatest($1, 1), $1 > 0)",
        counts["notifications"],
    )
    return {name: int(value) for name, value in counts.items()}
