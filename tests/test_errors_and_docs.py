"""The error envelope everywhere, the OpenAPI document and the web app's routing."""

import re
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import exceptions as exc
from app.core.config import Settings
from app.main import create_app
from tests.helpers.api import MakePerson, refused
from tests.helpers.app import running


async def test_unknown_api_route_is_404_envelope(client: AsyncClient) -> None:
    for method in ("GET", "POST", "DELETE"):
        response = await client.request(method, "/api/no/such/thing")
        refused(response, 404, "NotFound")


async def test_wrong_method_is_405_envelope(client: AsyncClient) -> None:
    response = await client.put("/api/tweets")
    refused(response, 405, "MethodNotAllowed")
    assert "GET" in response.headers["allow"]


@pytest.mark.parametrize(
    ("content", "content_type"),
    [("{not json", "application/json"), ("", "application/json"), ("[1, 2", "application/json")],
)
async def test_broken_json_is_422_envelope(
    client: AsyncClient, make_person: MakePerson, content: str, content_type: str
) -> None:
    ann = await make_person("Ann")
    response = await client.post(
        "/api/tweets", content=content, headers=ann.headers | {"content-type": content_type}
    )
    refused(response, 422, "ValidationError")


@pytest.mark.parametrize(
    ("path", "content", "content_type"),
    [
        ("/api/tweets", "tweet_data=hi", "application/x-www-form-urlencoded"),
        ("/api/tweets", '{"tweet_data": "hi"}', "text/plain"),
        ("/api/users", "name=Ann", "application/x-www-form-urlencoded"),
    ],
)
async def test_non_json_bodies_are_415(
    client: AsyncClient, make_person: MakePerson, path: str, content: str, content_type: str
) -> None:
    admin = await make_person("Root", admin=True)
    response = await client.post(
        path, content=content, headers=admin.headers | {"content-type": content_type}
    )
    refused(response, 415, "UnsupportedMediaType")
    assert "application/json" in response.json()["error_message"]


async def test_unexpected_crash_is_500_without_internals(
    app_settings: Callable[..., Settings],
) -> None:
    crashing: FastAPI = create_app(app_settings())

    async def boom() -> None:
        raise RuntimeError("secret internal detail /etc/passwd")

    crashing.add_api_route("/api/boom", boom)
    async with running(crashing) as (_, client):
        response = await client.get("/api/boom")
    refused(response, 500, "InternalError")
    assert "secret" not in response.text
    assert "Traceback" not in response.text


async def test_database_down_is_503_and_ready_says_so(
    app_settings: Callable[..., Settings],
) -> None:
    # Nothing listens on port 1: the app must stay up and say the database is unavailable.
    down: FastAPI = create_app(
        app_settings(database_url="postgresql+asyncpg://nobody:x@127.0.0.1:1/none")
    )
    async with running(down) as (_, client):
        me = await client.get("/api/users/me", headers={"api-key": "whatever"})
        ready = await client.get("/ready")
        health = await client.get("/health")
    refused(me, 503, "ServiceUnavailable")
    refused(ready, 503, "ServiceUnavailable")
    assert health.status_code == 200


async def test_a_statement_stuck_on_a_lock_is_cancelled_with_503(
    app_settings: Callable[..., Settings], make_person: MakePerson, session: AsyncSession
) -> None:
    impatient: FastAPI = create_app(app_settings(db_statement_timeout_ms=1000))
    ann = await make_person("Ann")
    tweet_id = await session.scalar(
        text("INSERT INTO tweets (author_id, content) VALUES (:a, 'x') RETURNING id"), {"a": ann.id}
    )
    await session.commit()
    # Another transaction holds the tweet's row, as a slow delete would.
    await session.execute(text("SELECT 1 FROM tweets WHERE id = :id FOR UPDATE"), {"id": tweet_id})
    async with running(impatient) as (_, client):
        response = await client.post(f"/api/tweets/{tweet_id}/likes", headers=ann.headers)
    await session.rollback()
    refused(response, 503, "ServiceUnavailable")
    assert response.headers["retry-after"]
    assert await session.scalar(text("SELECT likes_count FROM tweets")) == 0
    assert await session.scalar(text("SELECT count(*) FROM likes")) == 0


async def test_health_and_ready(client: AsyncClient) -> None:
    assert (await client.get("/health")).json() == {"result": True, "status": "ok"}
    assert (await client.get("/ready")).json() == {"result": True, "status": "ok"}


async def test_api_docs_load_nothing_from_the_internet(client: AsyncClient) -> None:
    html = (await client.get("/docs")).text
    addresses = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert len(addresses) == 3
    assert "https://" not in html
    for address in addresses:
        assert address.startswith("/docs/assets/"), address
        assert (await client.get(address)).status_code == 200, address


async def test_openapi_documents_errors_and_the_api_key_scheme(client: AsyncClient) -> None:
    docs = await client.get("/docs")
    assert docs.status_code == 200
    assert "swagger" in docs.text.lower()
    schema = (await client.get("/openapi.json")).json()
    assert schema["components"]["securitySchemes"]["APIKeyHeader"] == {
        "type": "apiKey",
        "in": "header",
        "name": "api-key",
        "description": "Your personal api key, as the administrator gave it to you",
    }
    assert "HTTPValidationError" not in schema["components"]["schemas"]
    operations = [
        (path, method, op)
        for path, item in schema["paths"].items()
        if path.startswith("/api")
        for method, op in item.items()
    ]
    assert len(operations) == 44
    # Pictures are served without a key, so that `<img src>` works; the limits are
    # the same for everyone.
    public = {("/api/medias/{media_id}", "get")}
    keyless = {("/api/limits", "get")}
    for path, method, op in operations:
        codes = set(op["responses"])
        if (path, method) in keyless:
            assert "security" not in op
            assert "401" not in codes
            continue
        assert {"422", "503"} <= codes, (path, method)
        assert ("401" in codes) == ((path, method) not in public), (path, method)
        key_optional: list[dict[str, list[str]]] = [{"APIKeyHeader": []}, {}]
        expected = key_optional if (path, method) in public else [{"APIKeyHeader": []}]
        assert op["security"] == expected, (path, method)
        created = (
            "/api/tweets",
            "/api/users",
            "/api/medias",
            "/api/announcements",
            "/api/tweets/{tweet_id}/report",
        )
        success = "201" if method == "post" and path in created else "200"
        assert success in codes, (path, method)
        for code, response in op["responses"].items():
            if code.startswith(("4", "5")):
                ref = response["content"]["application/json"]["schema"]["$ref"]
                assert ref.endswith("/ErrorResponse"), (path, method, code)
    assert "404" in schema["paths"]["/api/tweets/{tweet_id}"]["delete"]["responses"]
    assert "403" in schema["paths"]["/api/tweets/{tweet_id}"]["delete"]["responses"]
    assert "403" in schema["paths"]["/api/users"]["post"]["responses"]
    assert "404" in schema["paths"]["/api/tweets/{tweet_id}/likes"]["get"]["responses"]
    for conversation in ("", "/thread", "/replies"):
        assert "404" in schema["paths"]["/api/tweets/{tweet_id}" + conversation]["get"]["responses"]
    assert "404" in schema["paths"]["/api/tweets"]["post"]["responses"]  # reply_to
    upload = schema["paths"]["/api/medias"]["post"]
    assert {"408", "413", "415"} <= set(upload["responses"])
    form = upload["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert form["required"] == ["file"]
    assert form["properties"]["file"]["format"] == "binary"
    picture = schema["paths"]["/api/medias/{media_id}"]["get"]["responses"]["200"]
    assert set(picture["content"]) == {"image/jpeg", "image/png", "image/gif", "image/webp"}
    assert {"ETag", "Cache-Control"} <= set(picture["headers"])
    assert "304" in schema["paths"]["/api/medias/{media_id}"]["get"]["responses"]


async def test_web_app_is_served_for_non_api_paths(client: AsyncClient) -> None:
    index = await client.get("/")
    assert index.status_code == 200
    assert index.headers["content-type"].startswith("text/html")
    assert index.headers["cache-control"] == "no-cache"
    policy = index.headers["content-security-policy"]
    assert "default-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy
    assert index.headers["x-content-type-options"] == "nosniff"
    for page in ("/users/12", "/users/12/followers", "/people"):
        deep = await client.get(page)
        assert deep.status_code == 200, page
        assert deep.text == index.text, page
    script = await client.get("/js/main.js")
    assert script.headers["content-type"].startswith("text/javascript")
    assert script.headers["cache-control"] == "no-cache"
    # A missing file is a 404, not the page: a broken script or picture link shows as such.
    missing = await client.get("/js/nowhere.js")
    refused(missing, 404, "NotFound")


async def test_limits_tell_clients_what_the_server_accepts(
    app_settings: Callable[..., Settings],
) -> None:
    settings = app_settings(
        max_tweet_length=500, max_upload_bytes=2 * 1024 * 1024, likers_per_tweet=7
    )
    web: FastAPI = create_app(settings)
    async with AsyncClient(transport=ASGITransport(app=web), base_url="http://test") as client:
        response = await client.get("/api/limits")
    assert response.status_code == 200
    assert response.json() == {
        "result": True,
        "max_tweet_length": 500,
        "max_media_per_tweet": 4,
        "max_upload_bytes": 2 * 1024 * 1024,
        "picture_types": ["image/jpeg", "image/png", "image/gif", "image/webp"],
        "likers_per_tweet": 7,
    }


async def test_web_app_never_serves_files_outside_its_folder(
    app_settings: Callable[..., Settings], tmp_path: Path
) -> None:
    frontend = tmp_path / "web"
    frontend.mkdir()
    (frontend / "index.html").write_text("<p>index</p>")
    (frontend / "app.js").write_text("console.log(1)")
    (tmp_path / "secret.txt").write_text("TOP SECRET CONTENT")
    web: FastAPI = create_app(app_settings(frontend_dir=frontend))
    async with AsyncClient(transport=ASGITransport(app=web), base_url="http://test") as client:
        assert (await client.get("/app.js")).text == "console.log(1)"
        # httpx would fold a literal "/../", so the dots and slashes arrive encoded,
        # and the server decodes them into the path the route sees.
        for path in (
            "/%2e%2e/secret.txt",
            "/..%2Fsecret.txt",
            "/%2E%2E%2F%2E%2E%2Fsecret.txt",
            f"/{'%2F'.join(str(tmp_path / 'secret.txt').split('/'))}",
            "/%00",
            "/app.js%00.html",
            "/" + "a" * 300,  # longer than a file name may be
        ):
            response = await client.get(path)
            assert "TOP SECRET" not in response.text, path
            if "." in path.rsplit("/", 1)[-1]:  # looks like a file name: not found
                assert response.status_code == 404, path
                refused(response, 404, "NotFound")
            else:
                assert response.status_code == 200, path
                assert response.text == "<p>index</p>", path


async def test_web_app_answers_get_and_head_only(client: AsyncClient) -> None:
    head = await client.head("/")
    assert head.status_code == 200
    post = await client.post("/some/page")
    refused(post, 405, "MethodNotAllowed")
    assert post.headers["allow"] == "GET, HEAD"


async def test_oversized_bodies_are_413_and_change_nothing(
    client: AsyncClient, make_person: MakePerson, app: FastAPI
) -> None:
    ann = await make_person("Ann")
    limit = app.state.settings.max_request_bytes
    huge = {"tweet_data": "x" * (limit + 1)}
    declared = await client.post("/api/tweets", json=huge, headers=ann.headers)
    refused(declared, 413, "PayloadTooLarge")

    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"tweet_data": "'
        for _ in range(limit // 1024 + 1):
            yield b"y" * 1024
        yield b'"}'

    streamed = await client.post(
        "/api/tweets", content=chunks(), headers=ann.headers | {"content-type": "application/json"}
    )
    assert "content-length" not in streamed.request.headers
    refused(streamed, 413, "PayloadTooLarge")
    feed = await client.get("/api/tweets", headers=ann.headers)
    assert feed.json()["tweets"] == []


async def test_validation_errors_name_each_field(
    client: AsyncClient, make_person: MakePerson
) -> None:
    ann = await make_person("Ann")
    response = await client.post(
        "/api/tweets", json={"tweet_media_ids": ["a"]}, headers=ann.headers
    )
    assert response.status_code == 422
    fields = {d["field"] for d in response.json()["details"]}
    assert fields == {"tweet_data", "tweet_media_ids.0"}
    assert "tweet_data" in response.json()["error_message"]
    broken = await client.post(
        "/api/tweets", content="{oops", headers=ann.headers | {"content-type": "application/json"}
    )
    assert broken.json()["details"][0]["field"] == "body"


def _error_classes(base: type[exc.AppError]) -> list[type[exc.AppError]]:
    return [base] + [kind for sub in base.__subclasses__() for kind in _error_classes(sub)]


async def test_every_documented_error_is_described_by_its_exception_class(
    client: AsyncClient,
) -> None:
    """The `responses=` of each route come from the exception classes' own
    descriptions, so the document cannot say one thing while the code says another."""
    described = {kind.status_code: kind.description for kind in _error_classes(exc.AppError)}
    assert len(set(described.values())) == len(described)  # each status its own words
    schema = (await client.get("/openapi.json")).json()
    seen = set()
    for path, item in schema["paths"].items():
        for method, op in item.items():
            for code, response in op["responses"].items():
                if code.startswith(("4", "5")):
                    assert response["description"] == described[int(code)], (path, method, code)
                    seen.add(int(code))
    assert {401, 403, 404, 408, 409, 413, 415, 422, 429, 503} <= seen
