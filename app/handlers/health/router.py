from fastapi import APIRouter, Request
from pydantic import BaseModel

from app.core.exceptions import ServiceUnavailable
from app.handlers.shared.schemas import Ok
from app.web.openapi import errors

router = APIRouter(tags=["operations"])


class Health(Ok):
    status: str = "ok"


class ReplicaHealth(BaseModel):
    name: str
    up: bool  # answered its last poll
    usable: bool  # up and lagging at most REPLICA_MAX_LAG_SECONDS: it takes reads
    replayed: str  # the WAL position it has replayed to
    # Left out while not known (the replica, or the primary, does not answer).
    lag_seconds: float | None
    lag_bytes: int | None


class Ready(Health):
    # Only with DATABASE_REPLICA_URLS set; a replica away makes the status "degraded"
    # (reads go to the primary), not the answer a 503.
    replicas: list[ReplicaHealth] | None = None


@router.get("/health", summary="Liveness: the process answers")
async def health() -> Health:
    return Health()


@router.get(
    "/ready",
    responses=errors(ServiceUnavailable),
    summary="Readiness: the database and the image service answer; with read replicas, "
    "each replica's state and lag",
    response_model_exclude_none=True,
)
async def ready(request: Request) -> Ready:
    # actions.check_ready, found once for everyone asking meanwhile (app/main.py).
    await request.app.state.readiness.get()
    replicas = request.app.state.reads.health()
    if not replicas:
        return Ready()
    degraded = not all(replica["usable"] for replica in replicas)
    return Ready(
        status="degraded" if degraded else "ok",
        replicas=[ReplicaHealth.model_validate(replica) for replica in replicas],
    )
