from typing import Annotated

from fastapi import APIRouter, Path, Query, status

from app.core import exceptions as exc
from app.core.models import User
from app.handlers.admin import people
from app.handlers.deps import (
    AdminUser,
    CurrentUser,
    ObjectId,
    PageDep,
    ReadSessionDep,
    SessionDep,
    SettingsDep,
)
from app.handlers.shared.schemas import Ok, TweetList
from app.handlers.tweets.actions import tweets_of
from app.handlers.users import actions, handles
from app.handlers.users.schemas import (
    NewUser,
    PeopleList,
    ProfileOut,
    SearchText,
    UserChange,
    UserCreate,
    UserCreatedOut,
    UserList,
)
from app.web.openapi import AUTH, errors
from app.web.responses import RenderedJson

router = APIRouter(prefix="/api/users", tags=["users"], responses=AUTH)

# Someone followed by thousands has a long profile; a client that shows the counts
# and pages through the lists asks for fewer (0: none) and uses the paged routes.
PeopleLimit = Annotated[
    int | None,
    Query(
        ge=0,
        le=100,
        description="At most this many people in `followers` and in `following` (by name; "
        "the counts stay exact). Without it, everyone.",
    ),
]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses=errors(exc.Forbidden, exc.Conflict, exc.PayloadTooLarge, exc.UnsupportedMediaType),
    summary="Create a person (administrators only); the api key is shown only here",
)
async def create_user(body: UserCreate, admin: AdminUser, session: SessionDep) -> UserCreatedOut:
    user, api_key = await people.create(
        session, admin, body.name, is_admin=body.is_admin, handle=body.handle, email=body.email
    )
    return _with_key(user, api_key)


@router.post(
    "/{user_id}/api-key",
    responses=errors(exc.Forbidden, exc.NotFound),
    summary="Give a person a new api key (administrators only); the old one stops at once",
)
async def rotate_key(user_id: ObjectId, admin: AdminUser, session: SessionDep) -> UserCreatedOut:
    user, api_key = await people.rotate_key(session, admin, user_id)
    return _with_key(user, api_key)


def _with_key(user: User, api_key: str) -> UserCreatedOut:
    return UserCreatedOut(
        user=NewUser(
            id=user.id,
            name=user.name,
            handle=user.handle,
            is_admin=user.is_admin,
            email=user.email,
            api_key=api_key,
        )
    )


@router.get(
    "/by-handle/{handle}",
    responses=errors(exc.NotFound),
    summary="A person's profile by their handle (a former handle of theirs finds them too)",
)
async def by_handle(
    handle: Annotated[str, Path(max_length=31)],
    user: CurrentUser,
    session: ReadSessionDep,
    people_limit: PeopleLimit = None,
) -> ProfileOut:
    person = await handles.by_handle(session, handle)
    return ProfileOut(user=await actions.profile(session, person, user, people_limit))


@router.patch(
    "/{user_id}",
    responses=errors(exc.Forbidden, exc.NotFound, exc.Conflict),
    summary="Change a person: name, handle (the old one stays theirs), e-mail, "
    "administrator, active (administrators only)",
    description="409 when the handle or e-mail is someone else's, or the change would "
    "leave no active administrator.",
)
async def change(
    user_id: ObjectId, body: UserChange, admin: AdminUser, session: SessionDep
) -> ProfileOut:
    person = await people.change(session, admin, user_id, body)
    return ProfileOut(user=await actions.profile(session, person, admin, 0))


@router.get(
    "",
    response_model=UserList,
    summary="The people directory, by name; `q` filters by part of the name or handle",
    description='With `q`: those whose handle or name (in either script: "anna" finds '
    '"Анна") holds it, those whose name or handle starts with it first.',
)
async def directory(
    _user: CurrentUser,
    session: ReadSessionDep,
    page: PageDep,
    q: Annotated[
        SearchText | None, Query(max_length=100, description="Part of a name or a handle")
    ] = None,
) -> RenderedJson:
    return RenderedJson(await actions.directory(session, q, page.offset, page.limit))


@router.get("/me", summary="Your profile")
async def me(
    user: CurrentUser, session: ReadSessionDep, people_limit: PeopleLimit = None
) -> ProfileOut:
    # Also answered by app/handlers/fast/ (a plain request with an api key): the same bytes.
    return ProfileOut(user=await actions.profile(session, user, user, people_limit))


@router.get("/{user_id}", responses=errors(exc.NotFound), summary="A person's profile")
async def profile(
    user_id: ObjectId, user: CurrentUser, session: ReadSessionDep, people_limit: PeopleLimit = None
) -> ProfileOut:
    # Also answered by app/handlers/fast/ (a plain request with an api key): the same bytes.
    return ProfileOut(user=await actions.profile_of(session, user_id, user, people_limit))


@router.get(
    "/{user_id}/followers",
    responses=errors(exc.NotFound),
    summary="A person's followers, by name",
    name="followers",
)
async def followers(
    user_id: ObjectId, _user: CurrentUser, session: ReadSessionDep, page: PageDep
) -> PeopleList:
    found = await actions.people(session, user_id, "followers", page.offset, page.limit)
    return PeopleList(users=found)


@router.get(
    "/{user_id}/following",
    responses=errors(exc.NotFound),
    summary="The people a person follows, by name",
    name="following",
)
async def following(
    user_id: ObjectId, _user: CurrentUser, session: ReadSessionDep, page: PageDep
) -> PeopleList:
    found = await actions.people(session, user_id, "following", page.offset, page.limit)
    return PeopleList(users=found)


@router.get(
    "/{user_id}/tweets",
    response_model=TweetList,
    responses=errors(exc.NotFound),
    summary="A person's tweets, newest first",
)
async def tweets(
    user_id: ObjectId,
    user: CurrentUser,
    session: ReadSessionDep,
    page: PageDep,
    settings: SettingsDep,
) -> RenderedJson:
    # Also answered by app/handlers/fast/ (a plain request with an api key): the same bytes.
    page_json = await tweets_of(
        session, user, user_id, page.offset, page.limit, settings.likers_per_tweet
    )
    return RenderedJson(page_json)


@router.post(
    "/{user_id}/follow",
    responses=errors(exc.NotFound),
    summary="Follow a person (following yourself is refused with 422)",
)
async def follow(user_id: ObjectId, user: CurrentUser, session: SessionDep) -> Ok:
    await actions.follow(session, user, user_id)
    return Ok()


@router.delete("/{user_id}/follow", responses=errors(exc.NotFound), summary="Unfollow a person")
async def unfollow(user_id: ObjectId, user: CurrentUser, session: SessionDep) -> Ok:
    await actions.unfollow(session, user, user_id)
    return Ok()
