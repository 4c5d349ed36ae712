"""What GET /ready checks. The lifespan wraps it in a Recent (app/core/recent.py), so a
flood of probes costs each worker one check at a time, reused for READY_FOR_SECONDS."""

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.core.exceptions import ServiceUnavailable
from app.core.image_service import ImageService

# A readiness answer is reused this long: probes see a change a second late at most.
READY_FOR_SECONDS = 1.0


async def check_ready(engine: AsyncEngine, images: ImageService) -> None:
    """Raise ServiceUnavailable unless the database and image_saver answer."""
    try:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except Exception as error:
        raise ServiceUnavailable("The database does not answer") from error
    await images.check()
