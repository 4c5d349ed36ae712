from typing import Annotated

from fastapi import APIRouter, Header, Request, Response, status
from fastapi.responses import StreamingResponse
from starlette.background import BackgroundTask

from app.core import exceptions as exc
from app.handlers.deps import (
    CurrentUser,
    ImagesDep,
    JanitorDep,
    ObjectId,
    OptionalUser,
    SessionDep,
)
from app.handlers.media import actions
from app.handlers.media.schemas import PICTURE_RESPONSES, UPLOAD_BODY, MediaCreated
from app.handlers.shared.db_actions import media_url
from app.web.openapi import AUTH, COMMON, errors

router = APIRouter(prefix="/api/medias", tags=["media"])


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses=AUTH | errors(exc.PayloadTooLarge, exc.UnsupportedMediaType, exc.RequestTimeout),
    openapi_extra=UPLOAD_BODY,
    summary="Upload a picture to attach to a tweet",
    description="Accepted: JPEG, PNG, GIF and WebP, proven by decoding the content. "
    "The stored picture is stripped of its metadata (EXIF, GPS). Attach it within "
    "UNATTACHED_MEDIA_TTL_MINUTES (a day by default) or it is removed. An upload that "
    "stalls or trickles is cut off (408); a person may have only a few under way at "
    "once (429).",
)
async def upload(
    request: Request,
    user: CurrentUser,
    session: SessionDep,
    images: ImagesDep,
    janitor: JanitorDep,
) -> MediaCreated:
    media_id = await actions.upload(
        session,
        images,
        janitor,
        user,
        request.stream(),
        request.headers.get("content-type", ""),
        request.headers.get("content-length"),
    )
    return MediaCreated(media_id=media_id, url=media_url(media_id))


@router.get(
    "/{media_id}",
    responses=PICTURE_RESPONSES | errors(exc.NotFound) | COMMON,
    response_class=Response,
    # The key is optional: {} means "no key", for everyone's `<img src>`.
    openapi_extra={"security": [{}]},
    summary="A picture's bytes; no api key needed, so `<img src>` works",
    description="Cached forever (the content never changes under an id); answers "
    "`304` to a matching `If-None-Match`. A picture not yet in a tweet is shown "
    "only to its owner (with their `api-key`). One client address may download only "
    "so many at once (429).",
)
async def download(
    media_id: ObjectId,
    request: Request,
    session: SessionDep,
    images: ImagesDep,
    viewer: OptionalUser,
    if_none_match: Annotated[str | None, Header()] = None,
) -> Response:
    posted, picture = await actions.read_picture(
        session, images, media_id, viewer, if_none_match, request.method
    )
    headers = dict(picture.headers)
    if not posted:
        headers["cache-control"] = "private, max-age=3600"
    headers["x-content-type-options"] = "nosniff"
    # Opened on its own, the browser's picture viewer styles itself inline; nothing runs.
    headers["content-security-policy"] = (
        "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox; "
        "frame-ancestors 'none'"
    )
    if picture.body is None:  # HEAD, 304
        return Response(status_code=picture.status_code, headers=headers)
    return StreamingResponse(
        picture.chunks(), headers=headers, background=BackgroundTask(picture.close)
    )


# HEAD answers as GET does, without the bytes; one documented operation is enough.
router.add_api_route(
    "/{media_id}", download, methods=["HEAD"], response_class=Response, include_in_schema=False
)
