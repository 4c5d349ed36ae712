"""The single-page web app: files from the frontend folder, index.html for the rest."""

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse

from app.core.exceptions import NotFound

router = APIRouter(include_in_schema=False)


@router.get("/{path:path}")
async def frontend(path: str, request: Request) -> FileResponse:
    if path == "api" or path.startswith("api/"):
        raise NotFound(f"There is no /{path}")
    root: Path = request.app.state.settings.frontend_dir.resolve()
    candidate = (root / path).resolve()
    # resolve() folds any "../": only files inside the frontend folder are served.
    if path and candidate.is_relative_to(root) and candidate.is_file():
        return FileResponse(candidate)
    index = root / "index.html"
    if not index.is_file():
        raise NotFound("The web app is not installed")
    return FileResponse(index, headers={"Cache-Control": "no-cache"})
