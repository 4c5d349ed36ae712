from fastapi import APIRouter, BackgroundTasks, status

from app.core import exceptions as exc
from app.handlers.deps import (
    CurrentUser,
    JanitorDep,
    ObjectId,
    PageDep,
    SessionDep,
    SettingsDep,
)
from app.handlers.shared.schemas import Ok, TweetList
from app.handlers.tweets import actions
from app.handlers.tweets.schemas import LikerList, TweetCreate, TweetCreated
from app.web.openapi import AUTH, errors

router = APIRouter(prefix="/api/tweets", tags=["tweets"], responses=AUTH)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses=errors(exc.NotFound, exc.Conflict, exc.PayloadTooLarge, exc.UnsupportedMediaType),
    summary="Post a tweet, optionally with up to 4 uploaded pictures",
)
async def create_tweet(
    body: TweetCreate, user: CurrentUser, session: SessionDep, settings: SettingsDep
) -> TweetCreated:
    tweet_id = await actions.create_tweet(
        session, user, body.tweet_data, body.tweet_media_ids or [], settings.max_tweet_length
    )
    return TweetCreated(tweet_id=tweet_id)


@router.get(
    "",
    summary="Your feed: the people you follow and you, most liked first",
    description="Each tweet lists up to LIKERS_PER_TWEET likers (yours first, then in the "
    "order people liked it); `likes_count` is always exact, and "
    "`GET /api/tweets/{id}/likes` pages through every liker.",
)
async def feed(
    user: CurrentUser, session: SessionDep, page: PageDep, settings: SettingsDep
) -> TweetList:
    tweets = await actions.feed(session, user, page.offset, page.limit, settings.likers_per_tweet)
    return TweetList(tweets=tweets)


@router.get(
    "/{tweet_id}/likes",
    responses=errors(exc.NotFound),
    summary="Everyone who liked a tweet, in the order they liked it",
)
async def likers(
    tweet_id: ObjectId, _user: CurrentUser, session: SessionDep, page: PageDep
) -> LikerList:
    return LikerList(likes=await actions.likers(session, tweet_id, page.offset, page.limit))


@router.delete(
    "/{tweet_id}",
    responses=errors(exc.Forbidden, exc.NotFound),
    summary="Delete your own tweet with its likes and pictures",
)
async def delete_tweet(
    tweet_id: ObjectId,
    user: CurrentUser,
    session: SessionDep,
    janitor: JanitorDep,
    after_response: BackgroundTasks,
) -> Ok:
    stored_files = await actions.delete_tweet(session, user, tweet_id)
    if stored_files:
        # After the commit; if image_saver is away, the periodic cleanup retries.
        after_response.add_task(janitor.delete_files, stored_files)
    return Ok()


@router.post("/{tweet_id}/likes", responses=errors(exc.NotFound), summary="Like a tweet")
async def like(tweet_id: ObjectId, user: CurrentUser, session: SessionDep) -> Ok:
    await actions.like(session, user, tweet_id)
    return Ok()


@router.delete("/{tweet_id}/likes", responses=errors(exc.NotFound), summary="Remove your like")
async def unlike(tweet_id: ObjectId, user: CurrentUser, session: SessionDep) -> Ok:
    await actions.unlike(session, user, tweet_id)
    return Ok()
