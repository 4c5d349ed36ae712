from typing import Annotated

from pydantic import BaseModel, Field

from app.handlers.shared.schemas import Ok


class Trend(BaseModel):
    tag: Annotated[str, Field(description="Lower case, without `#`")]
    posts: Annotated[int, Field(description="Posts carrying it in the window")]
    people: Annotated[int, Field(description="Different people who posted them")]


class TrendList(Ok):
    hashtags: Annotated[
        list[Trend], Field(description="Most people first, then most posts, then by tag")
    ]
