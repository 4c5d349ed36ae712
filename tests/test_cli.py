"""`python -m app`: creating and listing people, demo data, settings errors."""

from pathlib import Path

import pytest
from httpx import AsyncClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.embedded_images import RunningImageSaver
from tests.helpers.api import Api, MakePerson
from tests.helpers.cli import run_app

# Runs `python -m app` commands as processes.
pytestmark = pytest.mark.processes


async def test_users_create_prints_a_working_key_last(
    client: AsyncClient, database_url: str
) -> None:
    result = run_app("users", "create", "Ann Lee", settings={"DATABASE_URL": database_url})
    assert result.returncode == 0, result.stderr
    key = result.stdout.strip().splitlines()[-1]
    me = await client.get("/api/users/me", headers={"api-key": key})
    assert me.status_code == 200
    assert me.json()["user"]["name"] == "Ann Lee"
    # Not an admin: may not create people.
    denied = await client.post("/api/users", json={"name": "X"}, headers={"api-key": key})
    assert denied.status_code == 403


async def test_users_create_admin_can_create_people(client: AsyncClient, database_url: str) -> None:
    result = run_app("users", "create", "Root", "--admin", settings={"DATABASE_URL": database_url})
    assert result.returncode == 0, result.stderr
    key = result.stdout.strip().splitlines()[-1]
    created = await client.post("/api/users", json={"name": "Bob"}, headers={"api-key": key})
    assert created.status_code == 201


async def test_users_create_refuses_a_bad_name(database_url: str, make_person: MakePerson) -> None:
    result = run_app("users", "create", "   ", settings={"DATABASE_URL": database_url})
    assert result.returncode == 2
    assert "name" in result.stderr.lower()


async def test_users_rotate_key_replaces_the_key_at_once(
    client: AsyncClient, database_url: str, make_person: MakePerson
) -> None:
    boss = await make_person("Boss", admin=True)
    other = await make_person("Other")
    # The app is running (the client's app) while the key changes under it.
    assert (await client.get("/api/users/me", headers=boss.headers)).status_code == 200
    result = run_app("users", "rotate-key", str(boss.id), settings={"DATABASE_URL": database_url})
    assert result.returncode == 0, result.stderr
    new_key = result.stdout.strip().splitlines()[-1]
    assert new_key != boss.api_key
    assert len(new_key) >= 40
    old = await client.get("/api/users/me", headers=boss.headers)
    assert old.status_code == 401
    assert old.json()["error_type"] == "Unauthorized"
    me = await client.get("/api/users/me", headers={"api-key": new_key})
    assert me.json()["user"]["id"] == boss.id
    created = await client.post("/api/users", json={"name": "X"}, headers={"api-key": new_key})
    assert created.status_code == 201
    # Nobody else's key changed.
    assert (await client.get("/api/users/me", headers=other.headers)).status_code == 200

    missing = run_app("users", "rotate-key", "999", settings={"DATABASE_URL": database_url})
    assert missing.returncode == 1
    assert "999" in missing.stderr
    assert missing.stdout == ""


async def test_users_list_shows_everyone(make_person: MakePerson, database_url: str) -> None:
    await make_person("Ann")
    await make_person("Boss", admin=True)
    result = run_app("users", "list", settings={"DATABASE_URL": database_url})
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[1].split()[0] == "1"
    assert lines[1].endswith("Ann")
    assert lines[2].split()[:2] == ["2", "yes"]
    assert lines[2].endswith("Boss")


async def test_demo_fills_an_empty_database_once(
    client: AsyncClient,
    api: Api,
    database_url: str,
    image_saver: RunningImageSaver,
    session: AsyncSession,
) -> None:
    settings = {
        "DATABASE_URL": database_url,
        "IMAGE_SAVER_URL": image_saver.url,
        "IMAGE_SAVER_TOKEN": image_saver.token,
    }
    first = run_app("demo", settings=settings)
    assert first.returncode == 0, first.stderr
    assert "Loaded demo data" in first.stdout
    tweets = await api.feed("test")  # the demo's own person, Sam
    assert len(tweets) >= 10
    assert tweets[0]["likes_count"] >= tweets[-1]["likes_count"]
    assert all(t["likes_count"] == len(t["likes"]) for t in tweets)
    assert await session.scalar(text("SELECT count(*) FROM media WHERE tweet_id IS NOT NULL")) == 3
    pictures = [url for t in tweets for url in t["attachments"]]
    assert pictures  # Sam follows two of the three authors with a picture
    for url in pictures:
        served = await client.get(url)
        assert served.status_code == 200
        assert served.headers["content-type"] == "image/png"
    me = await api.profile("test")
    assert me["following"]
    assert me["followers"]

    count = "SELECT count(*) FROM tweets"
    before = await session.scalar(text(count))
    second = run_app("demo", settings=settings)
    assert second.returncode == 0
    assert "already" in second.stdout
    assert await session.scalar(text(count)) == before


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("MAX_TWEET_LENGTH", "lots"),
        ("MAX_TWEET_LENGTH", "0"),
        ("DATABASE_URL", "mysql://root@localhost/db"),
        ("LOG_LEVEL", "chatty"),
        ("DB_POOL_SIZE", "-3"),
        ("DATA_DIR", "/tmp/a folder with spaces"),
        ("IMAGE_SAVER_URL", "ftp://images"),
        ("MAX_UPLOAD_BYTES", "10"),
        ("METRICS_TOKEN", "too-short"),
    ],
)
def test_invalid_settings_fail_in_one_line_naming_the_variable(variable: str, value: str) -> None:
    result = run_app("migrate", settings={variable: value})
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"Invalid setting {variable}:")


def test_an_image_saver_url_needs_its_token() -> None:
    result = run_app("migrate", settings={"IMAGE_SAVER_URL": "http://images:9000"})

    assert result.returncode == 2
    assert result.stderr.startswith("Invalid setting IMAGE_SAVER_TOKEN: must be set")


async def test_demo_without_image_saver_stops_in_one_line_and_loads_nothing(
    database_url: str, session: AsyncSession
) -> None:
    from app.core.embedded_images import free_port

    result = run_app(
        "demo",
        settings={
            "DATABASE_URL": database_url,
            "IMAGE_SAVER_URL": f"http://127.0.0.1:{free_port()}",
            "IMAGE_SAVER_TOKEN": "x" * 20,
        },
    )

    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith("Stopped: The image service")
    assert await session.scalar(text("SELECT count(*) FROM users")) == 0


@pytest.mark.parametrize(
    "args",
    [("frobnicate",), ("users", "frobnicate"), ("media", "frobnicate"), ("bench", "seed")],
)
def test_an_unknown_command_is_an_error_with_usage_and_runs_nothing(
    args: tuple[str, ...], tmp_path: Path
) -> None:
    """Nothing falls through to another command (it once ran the migrations, or listed
    people): argparse refuses what it does not know, before any setting is read."""
    data = tmp_path / "data"
    result = run_app(*args, settings={"DATA_DIR": str(data)})
    assert result.returncode == 2, result.stdout + result.stderr
    assert "usage: python -m app" in result.stderr
    assert "invalid choice" in result.stderr
    assert result.stdout == ""
    assert not data.exists()  # no embedded database was started or made
