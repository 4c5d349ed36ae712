"""Reading one uploaded file from a multipart body, within a size limit."""

from collections.abc import AsyncGenerator, AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Request
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser

from image_saver.errors import PayloadTooLarge, UnsupportedMediaType, ValidationFailed

# Room for the multipart framing around the file: boundaries and part headers.
FRAMING_BYTES = 64 * 1024


def _too_large(limit: int) -> PayloadTooLarge:
    return PayloadTooLarge(f"The file is larger than {limit:,} bytes")


@asynccontextmanager
async def uploaded_file(request: Request, limit: int) -> AsyncIterator[UploadFile]:
    """The form field `file`, spooled to a temporary file (never whole in memory).

    A body declared or found to be over `limit` plus framing is refused before
    it is read further; the file itself must be at most `limit` bytes.
    """
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise UnsupportedMediaType("Send the picture as multipart/form-data, in the field `file`")
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit + FRAMING_BYTES:
        raise _too_large(limit)

    async def limited() -> AsyncGenerator[bytes, None]:
        received = 0
        async for chunk in request.stream():
            received += len(chunk)
            if received > limit + FRAMING_BYTES:
                raise _too_large(limit)
            yield chunk

    try:
        form = await MultiPartParser(request.headers, limited(), max_files=1, max_fields=8).parse()
    except MultiPartException as error:
        raise ValidationFailed(f"The multipart body is invalid: {error.message}") from None
    try:
        file = form.get("file")
        if not isinstance(file, UploadFile):
            raise ValidationFailed("Send the picture in the form field `file`")
        if file.size is not None and file.size > limit:
            raise _too_large(limit)
        if not file.size:
            raise UnsupportedMediaType("The file is empty; choose a JPEG, PNG, GIF or WebP picture")
        yield file
    finally:
        await form.close()
