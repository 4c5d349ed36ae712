"""Search: posts by the forms of their words in Russian and English, hashtags, and
people by their names in either script (docs/search.md).

Never holds the writes of the big table up for more than a moment:

1. One transaction of catalogue changes, each a moment: the text search
   configuration `microblog`, `tweets.search` (nullable, no default: no rewrite),
   the trigger that fills it for every post written from now on, the new table
   tweet_hashtags and the function people_key.
2. The posts written before are filled in batches of BATCH ids, each its own short
   transaction: their `search` vectors, and their hashtags (by the application's
   own rule, app/core/hashtags.py). Writes wait at most for one batch's row locks.
3. The indexes, built concurrently.

Every step may run again: an upgrade interrupted anywhere is started again and
picks up where it was (the catalogue changes are made only if missing, the batches
skip what is done, a half-built index is built again).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05
"""

import logging
import time
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from app.core import hashtags
from app.core.migrations import create_index_concurrently, drop_index_concurrently
from app.core.name_keys import PEOPLE_KEY_FUNCTION

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

log = logging.getLogger(__name__)

# Ids a backfill batch covers: about 50 ms of work on this project's bench machine.
BATCH = 5_000

# Russian stemming for words in Cyrillic (and other non-ASCII letters), English for
# words in Latin letters; accents and ё folded (unaccent) before stemming. The
# parser's other tokens (numbers, e-mail addresses, URLs) keep the `russian`
# configuration's `simple` mapping.
_CONFIGURATION = """
DO $$ BEGIN
    IF NOT EXISTS (SELECT FROM pg_ts_config WHERE cfgname = 'microblog'
                   AND cfgnamespace = 'public'::regnamespace) THEN
        CREATE TEXT SEARCH CONFIGURATION public.microblog (COPY = pg_catalog.russian);
        ALTER TEXT SEARCH CONFIGURATION public.microblog
            ALTER MAPPING FOR word, hword, hword_part WITH public.unaccent, russian_stem;
        ALTER TEXT SEARCH CONFIGURATION public.microblog
            ALTER MAPPING FOR asciiword, asciihword, hword_asciipart WITH english_stem;
    END IF;
END $$
"""

_SEARCH_TRIGGER = (
    """
    CREATE OR REPLACE FUNCTION tweets_search() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        NEW.search := to_tsvector('public.microblog', NEW.content);
        RETURN NEW;
    END $$
    """,
    """
    CREATE OR REPLACE TRIGGER tweets_search BEFORE INSERT OR UPDATE OF content ON tweets
        FOR EACH ROW EXECUTE FUNCTION tweets_search()
    """,
)

_FILL_SEARCH = sa.text(
    "UPDATE tweets SET search = to_tsvector('public.microblog', content) "
    "WHERE id >= :low AND id < :high AND search IS NULL"
)
_WITH_HASH = sa.text(
    "SELECT id, author_id, created_at, content FROM tweets "
    "WHERE id >= :low AND id < :high AND strpos(content, '#') > 0"
)
_FILE_HASHTAGS = sa.text(
    """
    INSERT INTO tweet_hashtags (tweet_id, tag, author_id, created_at)
    SELECT * FROM unnest(CAST(:tweet_ids AS BIGINT[]), CAST(:tags AS TEXT[]),
                         CAST(:author_ids AS BIGINT[]), CAST(:times AS TIMESTAMPTZ[]))
    ON CONFLICT DO NOTHING
    """
)


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
    op.execute(_CONFIGURATION)
    op.execute("ALTER TABLE tweets ADD COLUMN IF NOT EXISTS search tsvector")
    for statement in _SEARCH_TRIGGER:
        op.execute(statement)
    op.execute(
        """
        CREATE TABLE IF NOT EXISTS tweet_hashtags (
            tweet_id BIGINT NOT NULL,
            tag TEXT NOT NULL,
            author_id BIGINT NOT NULL,
            created_at TIMESTAMP WITH TIME ZONE NOT NULL,
            CONSTRAINT pk_tweet_hashtags PRIMARY KEY (tweet_id, tag),
            CONSTRAINT fk_tweet_hashtags_tweet_id_tweets FOREIGN KEY (tweet_id)
                REFERENCES tweets (id) ON DELETE CASCADE,
            CONSTRAINT fk_tweet_hashtags_author_id_users FOREIGN KEY (author_id)
                REFERENCES users (id) ON DELETE CASCADE
        )
        """
    )
    op.execute(
        "CREATE INDEX IF NOT EXISTS ix_tweet_hashtags_tag_newest "
        "ON tweet_hashtags (tag, created_at DESC, tweet_id DESC)"
    )
    op.execute(
        "CREATE INDEX IF NOT EXISTS ix_tweet_hashtags_recent "
        "ON tweet_hashtags (created_at, tag, author_id)"
    )
    op.execute(PEOPLE_KEY_FUNCTION)
    _backfill()
    create_index_concurrently("ix_tweets_search", "tweets", ["search"], postgresql_using="gin")
    create_index_concurrently(
        "ix_tweets_created_at_brin", "tweets", ["created_at"], postgresql_using="brin"
    )
    create_index_concurrently(
        "ix_users_people_key_trgm",
        "users",
        [sa.text("people_key(name) gin_trgm_ops")],
        postgresql_using="gin",
    )
    drop_index_concurrently("ix_users_name_trgm", "users")


def _backfill() -> None:
    """The posts written before this migration: search vectors and hashtags, a batch
    of ids per transaction, up to the newest post when it ends (the trigger has
    filled the vectors of every post written since the first step committed; the
    application files hashtags of new posts itself once it runs this version)."""
    context = op.get_context()
    if context.as_sql:
        return
    with context.autocommit_block():
        bind = op.get_bind()
        started = time.monotonic()
        low = bind.scalar(sa.text("SELECT min(id) FROM tweets WHERE search IS NULL")) or 1
        while low <= (bind.scalar(sa.text("SELECT max(id) FROM tweets")) or 0):
            high = low + BATCH
            # Each statement commits on its own (autocommit): a batch's row locks
            # last as long as its UPDATE.
            bind.execute(_FILL_SEARCH, {"low": low, "high": high})
            _file_hashtags(bind, low, high)
            low = high
        log.info("search vectors and hashtags filled in %.1f s", time.monotonic() - started)


def _file_hashtags(bind: sa.Connection, low: int, high: int) -> None:
    rows: list[tuple[int, str, int, object]] = []
    for tweet_id, author_id, created_at, content in bind.execute(
        _WITH_HASH, {"low": low, "high": high}
    ):
        rows += [(tweet_id, tag, author_id, created_at) for tag in hashtags.hashtags_in(content)]
    if rows:
        tweet_ids, tags, author_ids, times = zip(*rows, strict=True)
        bind.execute(
            _FILE_HASHTAGS,
            {
                "tweet_ids": list(tweet_ids),
                "tags": list(tags),
                "author_ids": list(author_ids),
                "times": list(times),
            },
        )


def downgrade() -> None:
    create_index_concurrently(
        "ix_users_name_trgm",
        "users",
        ["name"],
        postgresql_using="gin",
        postgresql_ops={"name": "gin_trgm_ops"},
    )
    drop_index_concurrently("ix_users_people_key_trgm", "users")
    drop_index_concurrently("ix_tweets_created_at_brin", "tweets")
    drop_index_concurrently("ix_tweets_search", "tweets")
    op.execute("DROP FUNCTION people_key(text)")
    op.execute("DROP TABLE tweet_hashtags")
    op.execute("DROP TRIGGER tweets_search ON tweets")
    op.execute("DROP FUNCTION tweets_search()")
    op.execute("ALTER TABLE tweets DROP COLUMN search")
    op.execute("DROP TEXT SEARCH CONFIGURATION public.microblog")
    op.execute("DROP EXTENSION unaccent")
