"""`python -m app backup | backup --verify | restore`, with every part real: the test
PostgreSQL, image_saver processes on the file system or on SeaweedFS, `serve` taking
requests while the backup runs, the commands as processes of their own."""

import asyncio
import hashlib
import json
import shutil
import subprocess
import tempfile
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from alembic.script import ScriptDirectory
from botocore.exceptions import ClientError
from sqlalchemy.engine import make_url

from app.core import migrations
from app.core.embedded_db import postgres_bin
from app.core.security import hash_api_key
from app.handlers.media.locks import BACKUP_LOCK
from image_saver.tests.seaweed import S3Server, sync_client
from tests.helpers.api import Person, ServiceApi, png_picture
from tests.helpers.app import MAX_UPLOAD_BYTES
from tests.helpers.cli import (
    NEUTRAL_DIR,
    app_command,
    app_env,
    printed_admin_key,
    run_app,
    start_serve,
    stop_serve,
)
from tests.helpers.polling import eventually
from tests.helpers.topology import ImageSaverProcess

pytestmark = pytest.mark.processes

# The service under load: the janitor deletes unused files every second, no rate limit.
# The schema revision of this version: what a backup records and a restore migrates to.
HEAD = ScriptDirectory.from_config(migrations.alembic_config("")).get_current_head()

BUSY = {
    "MEDIA_CLEANUP_INTERVAL_SECONDS": "1",
    "RATE_LIMIT_READS_PER_MINUTE": "0",
    "RATE_LIMIT_WRITES_PER_MINUTE": "0",
    "RATE_LIMIT_UPLOADS_PER_MINUTE": "0",
}


@dataclass
class Site:
    """One installation: a database, and an image_saver with a store of its own."""

    database_url: str
    images: ImageSaverProcess
    data: Path
    s3: S3Server | None
    bucket: str

    @property
    def settings(self) -> dict[str, str]:
        return {
            "DATABASE_URL": self.database_url,
            "IMAGE_SAVER_URL": self.images.url,
            "IMAGE_SAVER_TOKEN": self.images.token,
            "DATA_DIR": str(self.data),
            "MAX_UPLOAD_BYTES": str(MAX_UPLOAD_BYTES),
        }

    def stored(self, key: str) -> bytes | None:
        """A picture's bytes as the store holds them, read behind image_saver's back."""
        if self.s3 is None:
            path = self.images.images_dir / key[:2] / key
            return path.read_bytes() if path.exists() else None
        try:
            found = sync_client(self.s3).get_object(Bucket=self.bucket, Key=key)
        except ClientError:
            return None
        body: bytes = found["Body"].read()
        return body

    def store_is_empty(self) -> bool:
        if self.s3 is None:
            return not [p for p in self.images.images_dir.glob("*/*") if ".staging" not in p.parts]
        listed = sync_client(self.s3).list_objects_v2(Bucket=self.bucket, MaxKeys=1)
        return not listed.get("Contents")


@contextmanager
def site(
    name: str, database_url: str, root: Path, monkeypatch: pytest.MonkeyPatch, s3: S3Server | None
) -> Iterator[Site]:
    bucket = f"backup-{name}-{uuid.uuid4().hex[:12]}"
    images = ImageSaverProcess(root / name / "images")
    with monkeypatch.context() as env:
        if s3 is not None:
            env.setenv("S3_ENDPOINT_URL", s3.endpoint_url)
            env.setenv("S3_BUCKET", bucket)
            env.setenv("S3_ACCESS_KEY_ID", s3.access_key)
            env.setenv("S3_SECRET_ACCESS_KEY", s3.secret_key)
        images.start(MAX_UPLOAD_BYTES)
    try:
        yield Site(database_url, images, root / name, s3, bucket)
    finally:
        images.stop()


def libpq_url(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def rows(url: str) -> dict[str, list[str]]:
    """Every row of every table, as text, in a stable order."""

    async def read() -> dict[str, list[str]]:
        connection = await asyncpg.connect(libpq_url(url))
        try:
            tables = await connection.fetch(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                "AND tablename <> 'alembic_version' ORDER BY 1"
            )
            found = {}
            for (table,) in tables:
                texts = await connection.fetch(f'SELECT t::text FROM "{table}" t ORDER BY 1')
                found[table] = [row[0] for row in texts]
            return found
        finally:
            await connection.close()

    return asyncio.run(read())


def picture_keys(url: str) -> set[str]:
    async def read() -> set[str]:
        connection = await asyncpg.connect(libpq_url(url))
        try:
            return {row[0] for row in await connection.fetch("SELECT storage_key FROM media")}
        finally:
            await connection.close()

    return asyncio.run(read())


def manifest_of(folder: Path) -> dict[str, Any]:
    found: dict[str, Any] = json.loads((folder / "manifest.json").read_text())
    return found


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def failed_cleanly(done: subprocess.CompletedProcess[str], *words: str) -> None:
    """A non-zero exit with one line that says why, and no traceback."""
    assert done.returncode == 1, done.stdout + done.stderr
    message = done.stderr.strip()
    assert "Traceback" not in message
    assert len(message.splitlines()) == 1, message
    for word in words:
        assert word in message, message


def populate(api: ServiceApi, admin: str) -> tuple[list[Person], Person, list[int]]:
    """People who follow, post pictures and like; an upload never posted; and someone
    whose tweets (each with a picture of its own) are there to be deleted later."""
    ann, bob, cat = (api.create_person(admin, name) for name in ("Ann", "Bob", "Cat"))
    churner = api.create_person(admin, "Churner")
    for follower, followee in ((ann, bob), (bob, ann), (cat, ann), (ann, cat)):
        api.follow(follower, followee)
    first = api.tweet(ann, "A picture", [api.upload(ann, png_picture(colour="teal"))])
    pair = [api.upload(bob, png_picture(colour=c)) for c in ("navy", "plum")]
    second = api.tweet(bob, "Two pictures", pair)
    api.tweet(cat, "Words only")
    for person, tweet in ((bob, first), (cat, first), (ann, second)):
        api.like(person, tweet)
    api.upload(cat, png_picture(colour="gold"))  # never posted
    doomed = [
        api.tweet(churner, f"Soon gone {n}", [api.upload(churner, png_picture(8 + n, 8, "red"))])
        for n in range(12)
    ]
    return [ann, bob, cat], churner, doomed


def what_people_see(api: ServiceApi, people: list[Person]) -> dict[str, Any]:
    """Each person's feed, and the bytes of every picture in it."""
    feeds = {person.name: api.feed(person) for person in people}
    urls = {url for feed in feeds.values() for tweet in feed for url in tweet["attachments"]}
    return {"feeds": feeds, "pictures": {url: api("GET", url).content for url in sorted(urls)}}


@contextmanager
def churning(api_url: str, churner: Person) -> Iterator[Callable[[], int]]:
    """Someone posting, liking, uploading and deleting tweets with pictures, on and on,
    until the block ends; yields how many rounds they have made so far."""
    rounds = 0
    stop = threading.Event()
    failed: list[BaseException] = []

    def churn() -> None:
        try:
            go_on()
        except BaseException as error:  # the test fails with it, not just a warning
            failed.append(error)

    def go_on() -> None:
        nonlocal rounds
        with ServiceApi(api_url) as api:
            last: int | None = None
            for n in range(1000):
                if stop.is_set():
                    return
                picture = api.upload(churner, png_picture(100 + n, 8, "blue"))
                tweet = api.tweet(churner, f"More {n}", [picture])
                api.like(churner, tweet)
                api.upload(churner, png_picture(100 + n, 9, "green"))
                if last is not None:
                    api.delete_tweet(churner, last)
                last = tweet
                rounds += 1

    worker = threading.Thread(target=churn)
    worker.start()
    try:
        yield lambda: rounds
    finally:
        stop.set()
        worker.join(timeout=60)
    if failed:
        raise failed[0]


def backup_has_its_snapshot(url: str) -> bool:
    """Whether the backup holds its lock and is inside its snapshot's transaction."""

    async def ask() -> bool:
        connection = await asyncpg.connect(libpq_url(url))
        try:
            held = await connection.fetchval(
                "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a USING (pid) "
                "WHERE l.locktype = 'advisory' AND l.granted AND l.classid = 0 "
                "AND l.objid = $1 AND l.objsubid = 1 AND a.backend_xmin IS NOT NULL",
                BACKUP_LOCK,
            )
            return bool(held)
        finally:
            await connection.close()

    return asyncio.run(ask())


@pytest.mark.parametrize("store", ["filesystem", "s3"])
def test_a_backup_taken_while_people_post_restores_row_for_row_and_byte_for_byte(
    store: str,
    request: pytest.FixtureRequest,
    make_database: Callable[[], str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    s3 = request.getfixturevalue("s3_server") if store == "s3" else None
    backup = tmp_path / "backup"
    with ExitStack() as stack:
        source = stack.enter_context(site("source", make_database(), tmp_path, monkeypatch, s3))
        target = stack.enter_context(site("target", make_database(), tmp_path, monkeypatch, s3))
        log = tmp_path / "source.log"
        process, base = start_serve(log, settings=source.settings | BUSY)
        stack.callback(stop_serve, process)
        with ServiceApi(base) as api:
            people, churner, doomed = populate(api, printed_admin_key(log))
            before = what_people_see(api, people)
        with churning(base, churner) as rounds, ServiceApi(base) as api:
            eventually(lambda: rounds() >= 2, what="the churn to start")
            started = rounds()
            making = subprocess.Popen(
                app_command("backup", str(backup)),
                cwd=NEUTRAL_DIR,
                env=app_env(**source.settings),
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
            # Tweets deleted once the backup has its snapshot: their pictures must still
            # get into it, although the janitor would delete them within a second. (Should
            # the whole backup be over before the poll sees it, they are deleted after it:
            # in the snapshot all the same.)
            eventually(
                lambda: making.poll() is not None or backup_has_its_snapshot(source.database_url),
                what="the backup to start",
            )
            for tweet in doomed:
                api.delete_tweet(churner, tweet)
            output, _ = making.communicate(timeout=300)
            assert making.returncode == 0, output
            assert rounds() > started, "the backup ran while people posted and deleted"
        manifest = manifest_of(backup)
        listed = {picture["name"]: picture for picture in manifest["pictures"]}
        # Pictures of the snapshot were deleted from the source since: still in the backup.
        eventually(
            lambda: any(source.stored(key) is None for key in listed),
            what="a picture the backup holds to be deleted from the source",
        )

        verified = run_app("backup", "--verify", str(backup), settings=source.settings)
        assert verified.returncode == 0, verified.stdout + verified.stderr
        restored = run_app("restore", str(backup), settings=target.settings)
        assert restored.returncode == 0, restored.stdout + restored.stderr

        # Every row as the dump holds it (read back by pg_restore itself), as counted.
        check = make_database()
        subprocess.run(
            [
                str(postgres_bin() / "pg_restore"),
                "--no-owner",
                "--no-privileges",
                f"--dbname={libpq_url(check)}",
                str(backup / "database.dump"),
            ],
            check=True,
            capture_output=True,
        )
        restored_rows = rows(target.database_url)
        assert restored_rows == rows(check)
        assert {table: len(found) for table, found in restored_rows.items()} == manifest["counts"]
        assert manifest["schema_revision"] == HEAD
        # Every picture a row refers to, byte for byte as the manifest lists it.
        assert picture_keys(target.database_url) == set(listed)
        for key, picture in listed.items():
            data = target.stored(key)
            assert data is not None, key
            assert (len(data), sha256(data)) == (picture["size"], picture["sha256"])
            assert data == (backup / "pictures" / key).read_bytes()

        served_log = tmp_path / "target.log"
        served, target_base = start_serve(served_log, settings=target.settings)
        stack.callback(stop_serve, served)
        with ServiceApi(target_base) as api:
            assert what_people_see(api, people) == before


def test_a_damaged_backup_is_refused_and_changes_nothing(
    make_database: Callable[[], str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    backup = tmp_path / "backup"
    with ExitStack() as stack:
        source = stack.enter_context(site("source", make_database(), tmp_path, monkeypatch, None))
        target = stack.enter_context(site("target", make_database(), tmp_path, monkeypatch, None))
        assert run_app("demo", settings=source.settings).returncode == 0
        assert run_app("backup", str(backup), settings=source.settings).returncode == 0
        source_rows = rows(source.database_url)

        flipped = tmp_path / "flipped"
        shutil.copytree(backup, flipped)
        picture = flipped / "pictures" / manifest_of(backup)["pictures"][0]["name"]
        data = bytearray(picture.read_bytes())
        data[len(data) // 2] ^= 0x01
        picture.write_bytes(bytes(data))

        truncated = tmp_path / "truncated"
        shutil.copytree(backup, truncated)
        dump = truncated / "database.dump"
        dump.write_bytes(dump.read_bytes()[: dump.stat().st_size // 2])

        # A dump cut short whose manifest was made to match: pg_restore still notices.
        relisted = tmp_path / "relisted"
        shutil.copytree(truncated, relisted)
        manifest = manifest_of(relisted)
        cut = (relisted / "database.dump").read_bytes()
        manifest["database"] |= {"size": len(cut), "sha256": sha256(cut)}
        (relisted / "manifest.json").write_text(json.dumps(manifest))

        for damaged, words in (
            (flipped, ("damaged", picture.name, "sha256")),
            (truncated, ("damaged", "database.dump")),
            (relisted, ("damaged", "database.dump")),
        ):
            verified = run_app("backup", "--verify", str(damaged), settings=source.settings)
            failed_cleanly(verified, *words)
            failed_cleanly(run_app("restore", str(damaged), settings=target.settings), *words)
            forced = run_app("restore", "--force", str(damaged), settings=source.settings)
            failed_cleanly(forced, *words)

        assert rows(target.database_url) == {}
        assert target.store_is_empty()
        assert rows(source.database_url) == source_rows
        # And a whole backup is refused on an installation that has data, unless forced.
        refused = run_app("restore", str(backup), settings=source.settings)
        failed_cleanly(refused, "--force")
        # A backup never writes over anything, and one that fails leaves nothing.
        failed_cleanly(run_app("backup", str(flipped), settings=source.settings), "not an empty")
        nowhere = source.settings | {"PG_BIN_DIR": str(tmp_path / "no-such-folder")}
        failed_cleanly(run_app("backup", str(tmp_path / "new"), settings=nowhere), "PG_BIN_DIR")
        assert not (tmp_path / "new").exists()
        broken = tmp_path / "broken-bin"
        broken.mkdir()
        (broken / "pg_dump").write_text("#!/bin/sh\necho 'pg_dump: error: disk full' >&2\nexit 1\n")
        (broken / "pg_dump").chmod(0o755)
        failing = source.settings | {"PG_BIN_DIR": str(broken)}
        failed = run_app("backup", str(tmp_path / "new"), settings=failing)
        failed_cleanly(failed, "pg_dump failed: pg_dump: error: disk full")
        assert not (tmp_path / "new").exists()


def test_a_backup_of_an_older_schema_is_restored_into_a_fresh_data_dir_and_migrated(
    request: pytest.FixtureRequest,
    make_database: Callable[[], str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    backup = tmp_path / "backup"
    old = make_database()
    migrations.upgrade(old, "0001")
    with site("source", old, tmp_path, monkeypatch, None) as source:
        picture = png_picture(colour="orange")
        stored = httpx.post(
            f"{source.images.url}/images",
            files={"file": ("old.png", picture)},
            headers={"Authorization": f"Bearer {source.images.token}"},
        ).json()
        kept = source.stored(stored["key"])

        async def fill() -> None:
            connection = await asyncpg.connect(libpq_url(old))
            try:
                user = await connection.fetchval(
                    "INSERT INTO users (name, api_key_hash) VALUES ('Old Timer', $1) RETURNING id",
                    hash_api_key("an-old-api-key"),
                )
                tweet = await connection.fetchval(
                    "INSERT INTO tweets (author_id, content) VALUES ($1, 'From 0001') RETURNING id",
                    user,
                )
                await connection.execute(
                    "INSERT INTO media (owner_id, tweet_id, storage_key, content_type, size) "
                    "VALUES ($1, $2, $3, $4, $5)",
                    user,
                    tweet,
                    stored["key"],
                    stored["content_type"],
                    stored["size"],
                )
            finally:
                await connection.close()

        asyncio.run(fill())
        made = run_app("backup", str(backup), settings=source.settings)
        assert made.returncode == 0, made.stdout + made.stderr
    assert manifest_of(backup)["schema_revision"] == "0001"

    # A fresh DATA_DIR: the embedded PostgreSQL and an image_saver of its own (not under
    # pytest's folder, which another pytest run on the machine may close to the server's user).
    root = Path(tempfile.mkdtemp(prefix="microblog-restored-"))
    root.chmod(0o755)
    request.addfinalizer(lambda: shutil.rmtree(root, ignore_errors=True))
    fresh = {"DATA_DIR": str(root / "data")}
    restored = run_app("restore", str(backup), settings=fresh)
    assert restored.returncode == 0, restored.stdout + restored.stderr
    # A backup of the restored installation (which migrates nothing itself) says head.
    again = run_app("backup", str(tmp_path / "again"), settings=fresh)
    assert again.returncode == 0, again.stdout + again.stderr
    assert manifest_of(tmp_path / "again")["schema_revision"] == HEAD

    log = tmp_path / "fresh.log"
    process, base = start_serve(log, settings=fresh)
    try:
        with ServiceApi(base) as api:
            (tweet,) = api.feed("an-old-api-key")
            assert tweet["content"] == "From 0001"
            (url,) = tweet["attachments"]
            assert api("GET", url).content == kept
    finally:
        stop_serve(process)
