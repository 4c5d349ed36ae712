"""Responses a handler renders itself."""

from starlette.responses import Response


class RenderedJson(Response):
    """JSON bytes a handler made itself, sent as they are. For the hot listings, whose
    route still declares its response model (the OpenAPI document and its checks):
    `app/handlers/tweets/listing.py` says why, and tests/test_feed.py checks that the
    bytes are those the model would give."""

    media_type = "application/json"
