from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field

from app.handlers.shared.schemas import Ok


class SessionOut(BaseModel):
    id: int
    created_at: datetime
    last_seen_at: Annotated[
        datetime, Field(description="The last request (to a minute); idle expiry counts from it")
    ]
    expires_at: Annotated[datetime, Field(description="The absolute end, whatever the activity")]
    user_agent: Annotated[str, Field(description="The browser that signed in, as it named itself")]
    current: Annotated[bool, Field(description="The session this request came with")]


class SessionList(Ok):
    sessions: list[SessionOut]


class SessionsEnded(Ok):
    ended: Annotated[int, Field(description="How many sessions ended")]
