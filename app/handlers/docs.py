"""Swagger UI at /docs, from files served here.

FastAPI's own page loads its scripts from a CDN, which a company intranet may not
reach; the `fastapi-offline` package ships the same scripts (MIT), and we serve them.
(No ReDoc: its page fetches a logo from its makers' CDN.)
"""

from importlib.resources import files
from pathlib import Path

from fastapi import APIRouter, FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

ASSETS = "/docs/assets"
_FILES = Path(str(files("fastapi_offline") / "static"))

router = APIRouter(include_in_schema=False)


@router.get("/docs")
async def swagger_ui(request: Request) -> HTMLResponse:
    return get_swagger_ui_html(
        openapi_url=str(request.app.openapi_url),
        title=f"{request.app.title} API",
        swagger_js_url=f"{ASSETS}/swagger-ui-bundle.js",
        swagger_css_url=f"{ASSETS}/swagger-ui.css",
        swagger_favicon_url=f"{ASSETS}/favicon.png",
        swagger_ui_parameters={"persistAuthorization": True},
    )


def add_docs(app: FastAPI) -> None:
    """The page and its files; before the web app's catch-all route."""
    app.include_router(router)
    app.mount(ASSETS, StaticFiles(directory=_FILES), name="docs-assets")
