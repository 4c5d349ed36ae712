from fastapi import APIRouter, BackgroundTasks, status

from app.core import exceptions as exc
from app.handlers.deps import (
    CurrentUser,
    JanitorDep,
    ObjectId,
    PageDep,
    ReadSessionDep,
    SessionDep,
    SettingsDep,
)
from app.handlers.shared.schemas import Ok, TweetList
from app.handlers.tweets import actions, editing, threads
from app.handlers.tweets.schemas import (
    LikerList,
    Thread,
    TweetCreate,
    TweetCreated,
    TweetEdit,
    TweetHistory,
    TweetOne,
)
from app.web.openapi import AUTH, errors
from app.web.responses import RenderedJson

router = APIRouter(prefix="/api/tweets", tags=["tweets"], responses=AUTH)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses=errors(exc.NotFound, exc.Conflict, exc.PayloadTooLarge, exc.UnsupportedMediaType),
    summary="Post a tweet, optionally with up to 4 uploaded pictures, or a reply",
    description="With `reply_to`, the tweet answers that one (404 if it does not exist). "
    "`@handle` in the text mentions that person (a current or former handle; unknown "
    "ones stay text); more than 10 people mentioned is 422.",
)
async def create_tweet(
    body: TweetCreate, user: CurrentUser, session: SessionDep, settings: SettingsDep
) -> TweetCreated:
    tweet_id = await actions.create_tweet(
        session,
        user,
        body.tweet_data,
        body.tweet_media_ids or [],
        settings.max_tweet_length,
        body.reply_to,
    )
    return TweetCreated(tweet_id=tweet_id)


@router.get(
    "",
    response_model=TweetList,
    summary="Your feed: the people you follow and you, most liked first",
    description="Each tweet lists up to LIKERS_PER_TWEET likers (yours first, then in the "
    "order people liked it); `likes_count` is always exact, and "
    "`GET /api/tweets/{id}/likes` pages through every liker.",
)
async def feed(
    user: CurrentUser, session: ReadSessionDep, page: PageDep, settings: SettingsDep
) -> RenderedJson:
    # A plain request with an api key is answered before it gets here, with the same
    # bytes, by app/handlers/fast/ (one statement); this route answers the rest.
    page_json = await actions.feed(
        session, user, page.offset, page.limit, settings.likers_per_tweet
    )
    return RenderedJson(page_json)


@router.get("/{tweet_id}", responses=errors(exc.NotFound), summary="One tweet")
async def one_tweet(
    tweet_id: ObjectId, user: CurrentUser, session: ReadSessionDep, settings: SettingsDep
) -> TweetOne:
    return TweetOne(tweet=await threads.one(session, user.id, tweet_id, settings.likers_per_tweet))


@router.patch(
    "/{tweet_id}",
    responses=errors(exc.Forbidden, exc.NotFound),
    summary="Edit your own tweet's text",
    description="Validated as a new tweet's text. The earlier text is kept (see "
    "`/history`) and `edited_at` set; mentions and hashtags follow the new text, and "
    "only people it newly mentions are notified. The same text again changes nothing. "
    "Pictures and replies stay.",
)
async def edit_tweet(
    tweet_id: ObjectId,
    body: TweetEdit,
    user: CurrentUser,
    session: SessionDep,
    settings: SettingsDep,
) -> Ok:
    await editing.edit_tweet(session, user, tweet_id, body.tweet_data, settings.max_tweet_length)
    return Ok()


@router.get(
    "/{tweet_id}/history",
    responses=errors(exc.NotFound),
    summary="A tweet's earlier texts, newest first",
    description="Each with `edited_at`, when it was written, and `replaced_at`, when an "
    "edit replaced it; the current text is the tweet's own.",
)
async def history(
    tweet_id: ObjectId, _user: CurrentUser, session: ReadSessionDep, page: PageDep
) -> TweetHistory:
    return TweetHistory(versions=await editing.history(session, tweet_id, page.offset, page.limit))


@router.get(
    "/{tweet_id}/thread",
    responses=errors(exc.NotFound),
    summary="A tweet in its conversation: what it answers, it, and its first replies",
    description="`ancestors` oldest first, up to the conversation's start; `replies` the "
    "first page of its direct replies, its author's own first, then oldest first.",
)
async def thread(
    tweet_id: ObjectId, user: CurrentUser, session: ReadSessionDep, settings: SettingsDep
) -> Thread:
    ancestors, tweet, replies = await threads.thread(
        session, user.id, tweet_id, settings.likers_per_tweet
    )
    return Thread(ancestors=ancestors, tweet=tweet, replies=replies)


@router.get(
    "/{tweet_id}/replies",
    responses=errors(exc.NotFound),
    summary="A tweet's direct replies: its author's own first, then oldest first",
)
async def replies(
    tweet_id: ObjectId,
    user: CurrentUser,
    session: ReadSessionDep,
    page: PageDep,
    settings: SettingsDep,
) -> TweetList:
    tweets = await threads.replies(
        session, user.id, tweet_id, page.offset, page.limit, settings.likers_per_tweet
    )
    return TweetList(tweets=tweets)


@router.get(
    "/{tweet_id}/likes",
    responses=errors(exc.NotFound),
    summary="Everyone who liked a tweet, in the order they liked it",
)
async def likers(
    tweet_id: ObjectId, _user: CurrentUser, session: ReadSessionDep, page: PageDep
) -> LikerList:
    return LikerList(likes=await actions.likers(session, tweet_id, page.offset, page.limit))


@router.delete(
    "/{tweet_id}",
    responses=errors(exc.Forbidden, exc.NotFound),
    summary="Delete your own tweet with its likes and pictures (administrators: anyone's, "
    "on record in the audit log)",
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
