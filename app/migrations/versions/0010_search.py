"""Search: posts by the forms of their words in Russian and English, hashtags, and
people by their names in either script (docs/search.md).

Never holds the writes of the big table up for more than a moment:

1. One transaction of catalogue changes, each a moment: the text search
   configuration `microblog`, `tweets.search` and `users.name_key` (nullable, no
   default: no rewrite), the new table tweet_hashtags, and the triggers that fill
   them for every row written from now on, whichever version of the app writes it.
2. The rows written before are filled in batches of BATCH ids, each its own short
   transaction: people's name keys, posts' `search` vectors and their hashtags.
   Writes wait at most for one batch's row locks.
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

from app.core.hashtags import HASHTAGS_OF_FUNCTION
from app.core.migrations import (
    Triggers,
    create_index_concurrently,
    create_triggers,
    drop_index_concurrently,
    drop_triggers,
)
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

# A post's words, and the day it was written as one more lexeme, `§d<days since
# 1970-01-01, UTC>` (no word has a `§`): search ANDs the days of its time window
# with the words, so the GIN index reads a common word's posts of those days only
# (app/handlers/search/ranking.py).
_SEARCH_VECTOR = """
CREATE OR REPLACE FUNCTION tweet_search_vector(content text, created_at timestamptz)
RETURNS tsvector LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
RETURN to_tsvector('public.microblog', content)
       || array_to_tsvector(ARRAY['§d' || floor(extract(epoch FROM created_at) / 86400)::bigint])
"""

# Kept by triggers, so no code path can forget them.
_TRIGGERS: Triggers = {
    # name: (table, when, function body)
    "tweets_search": (
        "tweets",
        "BEFORE INSERT OR UPDATE OF content, created_at",
        """
        NEW.search := tweet_search_vector(NEW.content, NEW.created_at);
        RETURN NEW;
        """,
    ),
    "tweets_hashtags": (
        "tweets",
        "AFTER INSERT OR UPDATE OF content, created_at",
        """
        IF TG_OP = 'UPDATE' THEN
            DELETE FROM tweet_hashtags WHERE tweet_id = NEW.id;
        END IF;
        INSERT INTO tweet_hashtags (tweet_id, tag, author_id, created_at)
        SELECT NEW.id, tag, NEW.author_id, NEW.created_at
        FROM unnest(tweet_hashtags_of(NEW.content)) AS tag;
        RETURN NULL;
        """,
    ),
    "users_name_key": (
        "users",
        "BEFORE INSERT OR UPDATE OF name",
        """
        NEW.name_key := people_key(NEW.name);
        RETURN NEW;
        """,
    ),
}

_FILL_SEARCH = sa.text(
    "UPDATE tweets SET search = tweet_search_vector(content, created_at) "
    "WHERE id >= :low AND id < :high AND search IS NULL"
)
_FILL_NAME_KEYS = sa.text(
    "UPDATE users SET name_key = people_key(name) "
    "WHERE id >= :low AND id < :high AND name_key IS NULL"
)
_FILE_HASHTAGS = sa.text(
    """
    INSERT INTO tweet_hashtags (tweet_id, tag, author_id, created_at)
    SELECT id, tag, author_id, created_at
    FROM tweets CROSS JOIN unnest(tweet_hashtags_of(content)) AS tag
    WHERE id >= :low AND id < :high AND strpos(content, '#') > 0
    ON CONFLICT DO NOTHING
    """
)


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
    op.execute(_CONFIGURATION)
    op.execute("ALTER TABLE tweets ADD COLUMN IF NOT EXISTS search tsvector")
    op.execute("ALTER TABLE users ADD COLUMN IF NOT EXISTS name_key text")
    op.execute(PEOPLE_KEY_FUNCTION)
    op.execute(_SEARCH_VECTOR)
    op.execute(HASHTAGS_OF_FUNCTION)
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
    create_triggers(_TRIGGERS)
    _backfill()
    create_index_concurrently("ix_tweets_search", "tweets", ["search"], postgresql_using="gin")
    create_index_concurrently(
        "ix_users_name_key_trgm",
        "users",
        ["name_key"],
        postgresql_using="gin",
        postgresql_ops={"name_key": "gin_trgm_ops"},
    )
    drop_index_concurrently("ix_users_name_trgm", "users")


def _backfill() -> None:
    """The rows written before this migration: name keys, search vectors and
    hashtags, a batch of ids per transaction, up to the newest post when it ends (the
    triggers have filled in every row written since the first step committed)."""
    context = op.get_context()
    if context.as_sql:
        return
    with context.autocommit_block():
        bind = op.get_bind()
        started = time.monotonic()
        # People: a small table, the same batches all the same.
        last = bind.scalar(sa.text("SELECT max(id) FROM users")) or 0
        for low in range(1, last + 1, BATCH):
            bind.execute(_FILL_NAME_KEYS, {"low": low, "high": low + BATCH})
        low = bind.scalar(sa.text("SELECT min(id) FROM tweets WHERE search IS NULL")) or 1
        while low <= (bind.scalar(sa.text("SELECT max(id) FROM tweets")) or 0):
            high = low + BATCH
            # Each statement commits on its own (autocommit): a batch's row locks
            # last as long as its UPDATE.
            bind.execute(_FILL_SEARCH, {"low": low, "high": high})
            bind.execute(_FILE_HASHTAGS, {"low": low, "high": high})
            low = high
        log.info("search vectors and hashtags filled in %.1f s", time.monotonic() - started)


def downgrade() -> None:
    create_index_concurrently(
        "ix_users_name_trgm",
        "users",
        ["name"],
        postgresql_using="gin",
        postgresql_ops={"name": "gin_trgm_ops"},
    )
    drop_index_concurrently("ix_users_name_key_trgm", "users")
    drop_index_concurrently("ix_tweets_search", "tweets")
    drop_triggers(_TRIGGERS)
    op.execute("DROP TABLE tweet_hashtags")
    op.execute("DROP FUNCTION tweet_hashtags_of(text)")
    op.execute("DROP FUNCTION tweet_search_vector(text, timestamptz)")
    op.execute("DROP FUNCTION people_key(text)")
    op.execute("ALTER TABLE users DROP COLUMN name_key")
    op.execute("ALTER TABLE tweets DROP COLUMN search")
    op.execute("DROP TEXT SEARCH CONFIGURATION public.microblog")
    op.execute("DROP EXTENSION unaccent")
