"""GET /api/users/me/export: the caller's data as a ZIP archive (archive.py)."""

from datetime import UTC, datetime

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse

from app.handlers.deps import CurrentUser, ImagesDep
from app.handlers.export.archive import export
from app.web.openapi import AUTH, ResponsesDict

# Declared before the users' routes, and a path of two segments, so `me` is never
# read as a person's id (GET /api/users/{user_id}).
router = APIRouter(prefix="/api/users", tags=["users"], responses=AUTH)

_ZIP: ResponsesDict = {
    200: {
        "description": "A ZIP archive: profile.json, posts.json, likes.json, follows.json "
        "and images/<media id>.<ext>; missing-images.json lists pictures that could not "
        "be fetched",
        "content": {"application/zip": {"schema": {"type": "string", "format": "binary"}}},
    }
}


@router.get(
    "/me/export",
    response_class=StreamingResponse,
    responses=_ZIP,
    summary="Download your data: your profile, posts, likes, follows and pictures",
    description="Streamed as it is made. Counted against the uploads' rate limit. Should "
    "the image service fail, the archive is complete but for the pictures, which "
    "`missing-images.json` names; should the database fail mid-way, the download is cut "
    "off (an incomplete transfer, never a short archive that looks whole).",
)
async def export_my_data(
    request: Request, user: CurrentUser, images: ImagesDep
) -> StreamingResponse:
    day = datetime.now(UTC).date().isoformat()
    return StreamingResponse(
        export(request.app.state.sessionmaker, images, user.id),
        media_type="application/zip",
        headers={
            "content-disposition": f'attachment; filename="microblog-{user.handle}-{day}.zip"',
            "cache-control": "no-store",
        },
    )
