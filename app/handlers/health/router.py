from fastapi import APIRouter, Request
from sqlalchemy import text

from app.core.exceptions import ServiceUnavailable
from app.handlers.deps import ImagesDep
from app.handlers.shared.schemas import Ok
from app.web.openapi import errors

router = APIRouter(tags=["operations"])


class Health(Ok):
    status: str = "ok"


@router.get("/health", summary="Liveness: the process answers")
async def health() -> Health:
    return Health()


@router.get(
    "/ready",
    responses=errors(ServiceUnavailable),
    summary="Readiness: the database and the image service answer",
)
async def ready(request: Request, images: ImagesDep) -> Health:
    try:
        async with request.app.state.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except Exception as error:
        raise ServiceUnavailable("The database does not answer") from error
    await images.check()
    return Health()
