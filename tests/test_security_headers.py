"""Browser safety headers on every answer, CORS off unless configured, and pictures
served only as what they are."""

import re
from collections.abc import Callable
from pathlib import Path

from fastapi import FastAPI
from httpx import AsyncClient, Headers

from app.core.config import Settings
from app.main import create_app
from tests.helpers.api import MakePerson, png_picture
from tests.helpers.app import running

ROOT = Path(__file__).resolve().parents[1]


def assert_safe(headers: Headers, path: str) -> None:
    get = headers.get
    assert get("x-content-type-options") == "nosniff", path
    assert get("x-frame-options") == "DENY", path
    assert get("referrer-policy") == "same-origin", path
    policy = get("content-security-policy")
    assert policy, path
    assert "frame-ancestors 'none'" in policy, path
    # Scripts: script-src if the policy has one, else default-src.
    script_src = re.search(r"script-src ([^;]*)", policy) or re.search(
        r"default-src ([^;]*)", policy
    )
    assert script_src, path
    assert "'unsafe-inline'" not in script_src.group(1), (path, policy)
    assert "'unsafe-eval'" not in script_src.group(1), (path, policy)
    assert "*" not in policy, (path, policy)


async def test_every_answer_carries_the_safety_headers(
    client: AsyncClient, make_person: MakePerson
) -> None:
    ann = await make_person("Ann")
    answers = {
        "/api/limits": await client.get("/api/limits"),
        "/api/users/me": await client.get("/api/users/me", headers=ann.headers),
        "401": await client.get("/api/users/me"),
        "404": await client.get("/api/tweets/5/likes", headers=ann.headers),
        "422": await client.get("/api/tweets?limit=0", headers=ann.headers),
        "/health": await client.get("/health"),
        "/": await client.get("/"),
        "/js/main.js": await client.get("/js/main.js"),
        "/docs": await client.get("/docs"),
        "/openapi.json": await client.get("/openapi.json"),
    }
    for path, response in answers.items():
        assert_safe(response.headers, path)
    # JSON and other non-pages may run nothing at all.
    assert (
        answers["/api/limits"].headers["content-security-policy"].startswith("default-src 'none'")
    )
    # The web app: our own scripts and styles only.
    page_policy = answers["/"].headers["content-security-policy"]
    assert "default-src 'self'" in page_policy
    assert "'unsafe-inline'" not in page_policy
    assert "'unsafe-eval'" not in page_policy
    # Swagger UI: its one inline start-up script is allowed by its hash, nothing else.
    docs_policy = answers["/docs"].headers["content-security-policy"]
    inline = re.findall(r"<script>(.*?)</script>", answers["/docs"].text, re.DOTALL)
    assert len(inline) == 1
    assert docs_policy.count("'sha256-") == 1


def test_the_web_app_has_no_inline_script_or_style() -> None:
    """What the policy forbids is not in our files either (the browser tests fail
    on any console error, which a policy violation is)."""
    index = (ROOT / "app/static/index.html").read_text()
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", index)
    assert "<style" not in index
    assert not re.search(r"\son\w+=", index)
    assert " style=" not in index


async def test_refusals_before_the_app_carry_them_too(
    app_settings: Callable[..., Settings], make_person: MakePerson
) -> None:
    """429 (rate limits) and 413 (body too large) are answered by middleware before
    any route runs; they carry the safety headers and a request id all the same."""
    strict: FastAPI = create_app(app_settings(rate_limit_reads_per_minute=1))
    ann = await make_person("Ann")
    async with running(strict) as (_, client):
        await client.get("/api/users/me", headers=ann.headers)
        limited = await client.get("/api/users/me", headers=ann.headers)
        assert limited.status_code == 429
        too_big = await client.post(
            "/api/tweets",
            content=b"x" * 100_000,
            headers=ann.headers | {"content-type": "application/json"},
        )
        assert too_big.status_code == 413
    for response in (limited, too_big):
        assert_safe(response.headers, str(response.status_code))
        assert response.headers["x-request-id"]


async def test_cors_is_off_unless_configured(
    client: AsyncClient, app_settings: Callable[..., Settings]
) -> None:
    preflight = {
        "origin": "https://evil.example",
        "access-control-request-method": "POST",
        "access-control-request-headers": "api-key",
    }
    refused = await client.options("/api/tweets", headers=preflight)
    assert "access-control-allow-origin" not in refused.headers
    plain = await client.get("/api/limits", headers={"origin": "https://evil.example"})
    assert "access-control-allow-origin" not in plain.headers

    opened: FastAPI = create_app(app_settings(cors_origins=["https://portal.example"]))
    async with running(opened) as (_, other):
        allowed = await other.options(
            "/api/tweets", headers=preflight | {"origin": "https://portal.example"}
        )
        assert allowed.headers["access-control-allow-origin"] == "https://portal.example"
        assert "api-key" in allowed.headers["access-control-allow-headers"].lower()
        still_refused = await other.options("/api/tweets", headers=preflight)
        assert "access-control-allow-origin" not in still_refused.headers


async def test_pictures_are_served_as_what_they_are(
    client: AsyncClient, make_person: MakePerson
) -> None:
    """A PNG uploaded as "photo.jpg", image/jpeg is a PNG; an HTML file with a picture's
    name is refused, so nothing but pictures is ever served from /api/medias."""
    ann = await make_person("Ann")
    upload = {"file": ("photo.jpg", png_picture(8, 8), "image/jpeg")}
    created = await client.post("/api/medias", files=upload, headers=ann.headers)
    assert created.status_code == 201
    served = await client.get(created.json()["url"], headers=ann.headers)  # not posted yet
    assert served.status_code == 200
    assert served.headers["content-type"] == "image/png"
    assert_safe(served.headers, "picture")
    html = b"<html><script>alert(document.cookie)</script></html>"
    disguised = {"file": ("cat.png", html, "image/png")}
    refused = await client.post("/api/medias", files=disguised, headers=ann.headers)
    assert refused.status_code == 415
    assert refused.json()["error_type"] == "UnsupportedMediaType"
