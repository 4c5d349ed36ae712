"""The single-page web app: files from the frontend folder, index.html for the rest."""

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse
from starlette.convertors import Convertor, register_url_convertor

from app.core.exceptions import NotFound


class _NotApiPath(Convertor[str]):
    """Any path outside /api, so unknown API routes stay 404/405 in the envelope."""

    regex = r"(?!api(?:/|$)).*"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("not_api", _NotApiPath())

router = APIRouter(include_in_schema=False)


def _inside(root: Path, path: str) -> bool:
    """Is `path` a file inside `root`? resolve() folds any "../" and symlinks."""
    try:
        candidate = (root / path).resolve()
        return candidate.is_relative_to(root) and candidate.is_file()
    except (OSError, ValueError):  # a name too long, a NUL byte: not one of our files
        return False


# Browsers check back (ETag) before reusing a file, so an upgrade reaches everyone at
# once. The page runs only our own files: no inline script or style, nothing from
# elsewhere (pictures being uploaded are previewed from blob: URLs), no framing.
_HEADERS = {
    "Cache-Control": "no-cache",
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' blob:; object-src 'none'; base-uri 'none'; "
        "form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


@router.api_route("/{path:not_api}", methods=["GET", "HEAD"])
async def frontend(path: str, request: Request) -> FileResponse:
    root: Path = request.app.state.settings.frontend_dir.resolve()
    if path and _inside(root, path):
        return FileResponse(root / path, headers=_HEADERS)
    last = path.rsplit("/", 1)[-1]
    if "." in last and not last.startswith("@"):
        # A missing script or picture; the page's own addresses (/users/5) have no dot,
        # but for a profile by handle (/@ann.lee).
        raise NotFound("There is no such file")
    index = root / "index.html"
    if not index.is_file():
        raise NotFound("The web app is not installed")
    return FileResponse(index, headers=_HEADERS)
