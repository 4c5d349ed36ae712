"""Mentions: `@handle` in a post's text, resolved to people when the post is written.

The rules (docs/conversations.md says the same for people):

- `@` followed by handle characters (`a-z 0-9 _ .`, any case) is a candidate,
  compared case-insensitively.
- Not inside a word or an e-mail address: the `@` must not follow a letter, digit or
  `_` of any script, nor `@ . + -` (`a@b.com`, `x@ann`, `first.last@corp` and
  `@@ann` are text), and the handle must not run on into a letter of any script or
  another `@` (`@annа` with a Cyrillic `а`, `@ann@corp.com`).
- Dots at the end are punctuation, not the handle: `@anna.petrova.` is `anna.petrova`.
- What is then not a possible handle (shorter than 3 or longer than 30 characters) is
  text. So is a handle nobody has or had: unknown handles are not an error.
- A handle resolves to the person who has it now or had it before (user_handles):
  mentions made before a handle changed keep pointing at the person.
- Each person once, in order of first appearance; at most MAX_MENTIONS people per
  post (more is 422, nothing created).
- Anything else is a boundary: spaces, punctuation, and invisible characters such as
  zero-width spaces or right-to-left marks (Unicode category Cf), so `\\u200f@ann` is a
  mention of ann, and so is `@ann\\u200b`.

The scan is one linear pass of the regular expression (possessive, no backtracking),
so an `@` storm costs no more than any other text of its length; the handles found
are looked up and recorded in one statement.
"""

import re

from sqlalchemy import BigInteger, String, bindparam, delete, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import handles
from app.core.exceptions import ValidationFailed
from app.core.models import Mention

MAX_MENTIONS = 10

# The lookbehind keeps e-mail addresses and words out; `[\w@]` after the handle
# (possessive, so never a shorter handle) keeps `@annа` and `@ann@corp` out.
_MENTION = re.compile(r"(?<![\w@.+\-])@([a-zA-Z0-9_.]++)(?![\w@])")


def handles_in(text: str) -> list[str]:
    """The possible handles mentioned in `text`, normalised, each once, in order of
    first appearance (not yet known to be anyone's)."""
    found: dict[str, None] = {}
    for match in _MENTION.finditer(text):
        handle = match.group(1).rstrip(".").lower()
        if handles.is_valid(handle):
            found.setdefault(handle)
    return list(found)


# The mention rows of a new tweet, from the possible handles in order: whose each
# handle is, now or before (user_handles holds both), each person once at the place of
# their first handle. One statement: resolving first and inserting after cost a round
# trip more, a tenth of posting a reply. The people are locked (FOR KEY SHARE) so that
# one removed meanwhile is skipped rather than breaking the rows' foreign key.
_RECORD = text(
    """
    WITH wanted AS (
        SELECT handle, place FROM unnest(:handles) WITH ORDINALITY AS w (handle, place)
    ),
    owners AS (
        SELECT users.id AS user_id, wanted.place
        FROM wanted
        JOIN user_handles ON user_handles.handle = wanted.handle
        JOIN users ON users.id = user_handles.user_id
        FOR KEY SHARE OF users
    ),
    people AS (
        SELECT user_id, min(place) AS place FROM owners GROUP BY user_id
    )
    INSERT INTO mentions (tweet_id, user_id, position)
    SELECT :tweet_id, user_id, CAST(row_number() OVER (ORDER BY place) - 1 AS SMALLINT)
    FROM people
    RETURNING user_id
    """
).bindparams(bindparam("handles", type_=ARRAY(String)), bindparam("tweet_id", type_=BigInteger))


async def record(session: AsyncSession, tweet_id: int, text: str) -> None:
    """The people a new tweet's `text` mentions, recorded (their trigger notifies them);
    422 when there are more than MAX_MENTIONS, and the caller's transaction, the tweet
    with it, is not committed."""
    wanted = handles_in(text)
    if not wanted:
        return
    people = (await session.execute(_RECORD, {"handles": wanted, "tweet_id": tweet_id})).all()
    if len(people) > MAX_MENTIONS:
        raise ValidationFailed(
            f"A post may mention at most {MAX_MENTIONS} people; this one mentions {len(people)}",
            field="tweet_data",
        )


async def rewrite(session: AsyncSession, tweet_id: int, text: str) -> None:
    """The mentions of an edited tweet's new `text`, in place of those it had. Only the
    people newly mentioned are notified: the others have their notification of this
    tweet already, and the trigger's insert of it again is a conflict that does
    nothing (ix_notifications_one_per_tweet)."""
    await session.execute(delete(Mention).where(Mention.tweet_id == tweet_id))
    await record(session, tweet_id, text)
