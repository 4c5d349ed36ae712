from typing import Annotated

from fastapi import APIRouter, Header, Query

from app.core import exceptions as exc
from app.handlers.deps import CallerDep, CurrentUser, LiveDep, PageDep, SessionDep, SettingsDep
from app.handlers.notifications import actions
from app.handlers.notifications.schemas import MarkRead, NotificationList, UnreadCount
from app.handlers.shared import db_actions
from app.handlers.shared.schemas import MAX_ID, Ok
from app.live.sse import MEDIA_TYPE, EventStreamResponse
from app.web.openapi import AUTH, ResponsesDict, errors

router = APIRouter(prefix="/api", tags=["notifications"], responses=AUTH)

EVENTS_DESCRIPTION = """Server-Sent Events, for as long as the connection stays open:

- `notification`: a new notification of yours, as in `GET /api/notifications`;
- `unread_count`: `{"unread_count": N}`, sent first and whenever it changes;
- `feed`: `{"tweet_id", "author": {"id", "name", "handle"}}`, someone you follow
  started a conversation;
- `reply`: `{"tweet_id", "reply_to", "conversation_id"}`, someone replied in the
  conversation named by `?conversation=` (read the reply with `GET /api/tweets/{id}`).

Every event's `id:` is the id of the newest notification sent so far; reconnect with
it in `Last-Event-ID` and the notifications since (the newest 100) come first. A
comment (`: ping`) comes when nothing else has for a while.
"""

# Each event, as OpenAPI 3.2 describes a stream's items (and schemathesis checks them).
EVENT_SCHEMA = {
    "type": "object",
    "properties": {
        "event": {
            "type": "string",
            "enum": ["notification", "unread_count", "feed", "reply"],
        },
        "data": {"type": "string", "contentMediaType": "application/json"},
        "id": {"type": "string", "pattern": "^[0-9]+$"},
        "retry": {"type": "integer", "minimum": 0},
    },
}
STREAM_RESPONSES: ResponsesDict = {
    200: {"content": {MEDIA_TYPE: {"itemSchema": EVENT_SCHEMA}}, "description": "The events"},
    **errors(exc.TooManyRequests),
}


@router.get("/notifications", summary="Your notifications, newest first, and how many are unread")
async def notifications(user: CurrentUser, session: SessionDep, page: PageDep) -> NotificationList:
    found = await actions.page(session, user.id, page.offset, page.limit)
    return NotificationList(
        notifications=found, unread_count=await actions.unread_count(session, user.id)
    )


@router.get("/notifications/unread_count", summary="How many of your notifications are unread")
async def unread_count(user: CurrentUser, session: SessionDep) -> UnreadCount:
    return UnreadCount(unread_count=await actions.unread_count(session, user.id))


@router.post(
    "/notifications/read",
    responses=errors(exc.PayloadTooLarge, exc.UnsupportedMediaType),
    summary="Mark your notifications up to `up_to_id` (included) read",
)
async def mark_read(body: MarkRead, user: CurrentUser, session: SessionDep) -> Ok:
    await actions.mark_read(session, user.id, body.up_to_id)
    return Ok()


@router.get(
    "/events",
    response_class=EventStreamResponse,
    status_code=200,
    responses=STREAM_RESPONSES,
    summary="Live updates: your notifications, unread count, new conversations, and the "
    "replies in the one you have open",
    description=EVENTS_DESCRIPTION,
)
async def events(
    caller: CallerDep,
    session: SessionDep,
    live: LiveDep,
    settings: SettingsDep,
    last_event_id: Annotated[
        int | None,
        Header(ge=0, le=MAX_ID, description="The `id:` of the last event you had"),
    ] = None,
    conversation: Annotated[
        int | None,
        Query(
            ge=1,
            le=MAX_ID,
            description="A conversation (its `conversation_id`) whose new replies you "
            "want as `reply` events: the thread you have open",
        ),
    ] = None,
) -> EventStreamResponse:
    credential = db_actions.credential_label(caller)
    stream = await live.open_stream(session, caller.user, last_event_id, conversation, credential)
    # SessionDep commits as this returns, before the stream starts: its connection
    # goes back to the pool, and the stream holds none.
    return EventStreamResponse(
        live.broker, stream, settings.event_stream_heartbeat_seconds, caller.expires_at
    )
