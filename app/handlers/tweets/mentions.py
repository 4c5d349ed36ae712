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
are looked up in one statement.
"""

import re

from sqlalchemy import String, any_, bindparam, insert, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import handles
from app.core.exceptions import ValidationFailed
from app.core.models import Mention, User, UserHandle

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


_WANTED = bindparam("handles", type_=ARRAY(String))

# Whose each handle is, now or before (user_handles holds both). The people are locked
# (FOR KEY SHARE) so that one removed meanwhile cannot break the mention rows' foreign key.
_OWNERS = (
    select(UserHandle.handle, User.id)
    .join(User, User.id == UserHandle.user_id)
    .where(UserHandle.handle == any_(_WANTED))
    .with_for_update(key_share=True, of=User)
)


async def resolve(session: AsyncSession, text: str) -> list[int]:
    """The people `text` mentions, each once, in order of first appearance; 422 when
    there are more than MAX_MENTIONS."""
    wanted = handles_in(text)
    if not wanted:
        return []
    rows = await session.execute(_OWNERS, {"handles": wanted})
    owner_of: dict[str, int] = {handle: user_id for handle, user_id in rows}  # noqa: C416
    people: dict[int, None] = {}
    for handle in wanted:
        if handle in owner_of:
            people.setdefault(owner_of[handle])
    if len(people) > MAX_MENTIONS:
        raise ValidationFailed(
            f"A post may mention at most {MAX_MENTIONS} people; this one mentions {len(people)}",
            field="tweet_data",
        )
    return list(people)


async def record(session: AsyncSession, tweet_id: int, people: list[int]) -> None:
    """The mention rows of a new tweet (their trigger notifies the people)."""
    if people:
        await session.execute(
            insert(Mention),
            [
                {"tweet_id": tweet_id, "user_id": user_id, "position": position}
                for position, user_id in enumerate(people)
            ],
        )
