from typing import Annotated, Any

from pydantic import Field

from app.handlers.shared.schemas import Ok
from app.web.openapi import ResponsesDict


class MediaCreated(Ok):
    media_id: int
    url: Annotated[str, Field(description="Where the picture is served, for `<img src>`")]


# The body is relayed to image_saver as it streams in, so FastAPI does not parse
# it; this describes it for the OpenAPI schema and the docs page.
UPLOAD_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {
                            "type": "string",
                            "format": "binary",
                            "description": "A JPEG, PNG, GIF or WebP picture, "
                            "at most MAX_UPLOAD_BYTES (10 MiB by default)",
                        }
                    },
                }
            }
        },
    }
}

PICTURE_TYPES = ("image/jpeg", "image/png", "image/gif", "image/webp")

# GET /api/medias/{id} answers bytes, not JSON.
PICTURE_RESPONSES: ResponsesDict = {
    200: {
        "description": "The picture's bytes",
        "content": {kind: {} for kind in PICTURE_TYPES},
        "headers": {
            "ETag": {"description": "Strong; it never changes", "schema": {"type": "string"}},
            "Cache-Control": {
                "description": "`public, max-age=31536000, immutable`; `private, "
                "max-age=3600` for the owner's look at an upload not yet in a tweet",
                "schema": {"type": "string"},
            },
        },
    },
    304: {"description": "Not modified: the `If-None-Match` ETag is current"},
}
