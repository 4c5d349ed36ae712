from fastapi import APIRouter, Request

from app.core.exceptions import ServiceUnavailable
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
async def ready(request: Request) -> Health:
    # actions.check_ready, found once for everyone asking meanwhile (app/main.py).
    await request.app.state.readiness.get()
    return Health()
