"""Swagger UI at /docs, from files served here.

FastAPI's own page loads its scripts from a CDN, which a company intranet may not
reach; the `fastapi-offline` package ships the same scripts (MIT), and we serve them.
(No ReDoc: its page fetches a logo from its makers' CDN.)
"""

import base64
import functools
import hashlib
import re
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
    page = get_swagger_ui_html(
        openapi_url=str(request.app.openapi_url),
        title=f"{request.app.title} API",
        swagger_js_url=f"{ASSETS}/swagger-ui-bundle.js",
        swagger_css_url=f"{ASSETS}/swagger-ui.css",
        swagger_favicon_url=f"{ASSETS}/favicon.png",
        swagger_ui_parameters={"persistAuthorization": True},
    )
    page.headers["Content-Security-Policy"] = _policy(bytes(page.body))
    return page


@functools.cache  # the page is the same on every request: hash its script once
def _policy(html: bytes) -> str:
    """Our files only, plus the page's own inline start-up script by its hash; Swagger
    UI sets style attributes and draws icons from data: URLs."""
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(script).digest()).decode() + "'"
        for script in re.findall(rb"<script>(.*?)</script>", html, re.DOTALL)
    )
    return (
        f"default-src 'self'; script-src 'self' {hashes}; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
    )


def add_docs(app: FastAPI) -> None:
    """The page and its files; before the web app's catch-all route."""
    app.include_router(router)
    app.mount(ASSETS, StaticFiles(directory=_FILES), name="docs-assets")
