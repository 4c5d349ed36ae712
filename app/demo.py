"""A small believable data set, so the first look at the product is a living feed."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import exists, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.image_service import ImageService
from app.core.models import Tweet, User
from app.core.security import hash_api_key
from app.demo_pictures import PICTURES
from app.handlers.media import actions as media_actions
from app.handlers.tweets import actions as tweet_actions
from app.handlers.users import actions as user_actions

DEMO_API_KEY = "test"

PEOPLE = [
    "Sam Taylor",  # the demo account, api key "test"
    "Anna Petrova",
    "Boris Ivanov",
    "Chloe Martin",
    "Dmitry Sokolov",
    "Elena Kuznetsova",
    "Farid Haddad",
]

# (author index, hours ago, text, indexes of the people who like it)
TWEETS = [
    (
        1,
        2,
        "The new build pipeline is live: merge requests now get feedback in 6 minutes "
        "instead of 25. Thanks to everyone who tested it! #ci #devex",
        [0, 2, 3, 4, 5],
    ),
    (
        2,
        5,
        "Reminder: the office kitchen gets a new coffee machine on Monday. Please label your mugs.",
        [0, 1],
    ),
    (
        3,
        9,
        "Our team is hiring a frontend engineer. Know someone great? Send them my way. #hiring",
        [0, 1, 4],
    ),
    (
        0,
        12,
        "First week here, and everyone has been incredibly welcoming. "
        "Looking forward to shipping something soon!",
        [1, 2, 3, 4, 5, 6],
    ),
    (
        4,
        20,
        "Postmortem for Tuesday's outage is published in the wiki. "
        "Short version: a missing index. Long version: read it, it's worth it. #postmortem #ci",
        [0, 1, 2],
    ),
    (5, 26, "Quarterly planning slides are up. Comments welcome before Friday.", [1]),
    (
        6,
        30,
        "Bike to work week starts tomorrow. 14 people signed up so far! #biketowork",
        [0, 3, 5],
    ),
    (
        1,
        48,
        "Tip: `git worktree` lets you review a branch without stashing your work. #devex",
        [2, 4, 6],
    ),
    (2, 54, "The design review for the mobile app moved to Thursday 15:00.", []),
    (3, 72, "Lunch & learn today: accessibility basics for web forms. Room 3B, 12:30.", [0, 4]),
    (4, 80, "We just crossed one million processed orders this month.", [0, 1, 2, 3, 5, 6]),
    (0, 96, "Does anyone have a spare USB-C to HDMI adapter for the demo room?", [6]),
]

# Conversations: (the post answered: an index into TWEETS and then into REPLIES, as
# one list, author index, minutes after that post, text, indexes of likers). Farid's
# bike post comes to Sam's feed though Sam does not follow Farid: Dmitry, whom Sam
# follows, answers it.
REPLIES = [
    (0, 2, 20, "6 minutes! @anna.petrova, does that include the integration tests?", [1]),
    (
        12,
        1,
        15,
        "It does: they run in parallel now. @dmitry.sokolov split them into four shards.",
        [2, 4],
    ),
    (13, 4, 50, "Eight shards next week, if the runners hold up.", [1]),
    (3, 5, 30, "Welcome aboard, @sam.taylor! Ping me if planning gets confusing.", [0]),
    (15, 0, 60, "Thank you! I will, probably on Friday.", []),
    (6, 4, 45, "Count me in. @chloe.martin, you said you would join too?", [6]),
    (17, 3, 90, "Yes! I will take the route through the park.", [4, 6]),
    (11, 6, 15, "There is one in the drawer under the projector.", [0]),
]

# (follower index, followee indexes)
FOLLOWS = [
    (0, [1, 2, 3, 4, 5]),
    (1, [0, 2, 4]),
    (2, [1, 3]),
    (3, [0, 1, 5, 6]),
    (4, [1, 2, 3]),
    (5, [0, 4, 6]),
    (6, [3, 5]),
]


async def load_demo(session: AsyncSession, images: ImageService) -> str:
    """Fill an empty database; return a sentence saying what happened."""
    if await session.scalar(
        select(exists().where(User.api_key_hash == hash_api_key(DEMO_API_KEY)))
    ):
        return f'Demo data is already loaded (api key "{DEMO_API_KEY}").'
    if await session.scalar(select(exists().select_from(Tweet))):
        return "The database already has tweets; demo data goes only into an empty one."

    people: list[User] = []
    for index, name in enumerate(PEOPLE):
        user, _ = await user_actions.create_user(
            session, name, api_key=DEMO_API_KEY if index == 0 else None
        )
        people.append(user)
    for follower, followees in FOLLOWS:
        for followee in followees:
            await user_actions.follow(session, people[follower], people[followee].id)
    now = datetime.now(UTC)
    # Each post's (id, time), TWEETS then REPLIES: what a reply answers.
    posted: list[tuple[int, datetime]] = []
    for author, hours_ago, text, likers in TWEETS:
        tweet_id = await tweet_actions.create_tweet(session, people[author], text, [], 280)
        for opening, draw in PICTURES.items():
            if text.startswith(opening):
                stored = await images.store_file("demo.png", draw())
                await media_actions.record(
                    session, images, people[author].id, stored, tweet_id=tweet_id
                )
        posted.append(await _dated(session, tweet_id, now - timedelta(hours=hours_ago)))
        for liker in likers:
            await tweet_actions.like(session, people[liker], tweet_id)
    for answered, author, minutes_after, text, likers in REPLIES:
        parent_id, parent_at = posted[answered]
        tweet_id = await tweet_actions.create_tweet(
            session, people[author], text, [], 280, reply_to=parent_id
        )
        posted.append(await _dated(session, tweet_id, parent_at + timedelta(minutes=minutes_after)))
        for liker in likers:
            await tweet_actions.like(session, people[liker], tweet_id)
    return (
        f"Loaded demo data: {len(PEOPLE)} colleagues, {len(TWEETS)} tweets and "
        f"{len(REPLIES)} replies, {len(PICTURES)} with a picture. "
        f'Sign in as {PEOPLE[0]} with the api key "{DEMO_API_KEY}".'
    )


async def _dated(session: AsyncSession, tweet_id: int, at: datetime) -> tuple[int, datetime]:
    """Give the tweet its time in the story; its (id, time)."""
    await session.execute(update(Tweet).where(Tweet.id == tweet_id).values(created_at=at))
    return tweet_id, at
