"""Faults while requests are under way, on the compose topology as real processes:
the database restarted under load, image_saver killed mid-upload, the app killed
mid-request, and malformed HTTP at the socket. Every request in the window fails in
the envelope (never 500, never half-done) and the service recovers by itself."""

import os
import signal
import socket
import subprocess
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from app.core.embedded_db import postgres_bin
from bench.load import descendants
from tests.helpers.api import ServiceApi, png_picture, refused
from tests.helpers.app import MAX_UPLOAD_BYTES
from tests.helpers.cli import printed_admin_key, start_serve, stop_serve
from tests.helpers.polling import eventually
from tests.helpers.topology import (
    ImageSaverProcess,
    PostgresServer,
    postgres_server,
    settings_for,
    upload_during,
)

# Runs the compose topology as processes and breaks them on purpose.
pytestmark = pytest.mark.processes


def _psql(pg: PostgresServer, sql: str) -> str:
    done = subprocess.run(
        [str(postgres_bin() / "psql"), "-X", "-tA", "-v", "ON_ERROR_STOP=1", "-c", sql, pg.url()],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    return done.stdout.strip()


def test_faults_under_way(tmp_path: Path) -> None:
    with postgres_server() as pg:
        images = ImageSaverProcess(tmp_path / "images")
        images.start(MAX_UPLOAD_BYTES)
        # One person makes the load here: their budgets would answer 429 long before.
        settings = settings_for(pg, images, tmp_path / "app-data") | {
            "RATE_LIMIT_READS_PER_MINUTE": "0",
            "RATE_LIMIT_WRITES_PER_MINUTE": "0",
        }
        log = tmp_path / "app.log"
        app, base = start_serve(log, "--host", "127.0.0.1", "--workers", "2", settings=settings)
        try:
            api = ServiceApi(base)
            ann = api.create_person(printed_admin_key(log), "Ann")
            tweet_id = api.tweet(ann, "steady")

            _database_restarted_under_load(pg, api, ann.api_key, tweet_id)
            _image_saver_killed_mid_upload(images, api, ann.api_key, pg)
            _malformed_http_at_the_socket(base, api, ann.api_key)
            app = _app_killed_mid_request(pg, app, api, ann.api_key, log, settings, tmp_path)
        finally:
            stop_serve(app)
            images.stop()


def _database_restarted_under_load(
    pg: PostgresServer, api: ServiceApi, key: str, tweet_id: int
) -> None:
    """Eight clients read and like while the database restarts: each answer is 200 or
    a 503 envelope with Retry-After; afterwards every one is 200 again, same process."""
    stop = threading.Event()
    answers: list[httpx.Response] = []

    def client(n: int) -> None:
        own = ServiceApi(api.http.base_url.__str__())
        try:
            while not stop.is_set():
                if n % 2:
                    answers.append(own("GET", "/api/tweets", key))
                else:
                    answers.append(own("POST", f"/api/tweets/{tweet_id}/likes", key))
        finally:
            own.close()

    def answered(status: int, since: int = 0, count: int = 1) -> bool:
        """At least `count` answers of `status` since answer number `since` (and every
        client still at it: one that failed fails the test at once)."""
        for future in running:
            if future.done():
                future.result()
                raise AssertionError("a client stopped")
        return sum(r.status_code == status for r in answers[since:]) >= count

    with ThreadPoolExecutor(8) as pool:
        running = [pool.submit(client, n) for n in range(8)]
        eventually(lambda: answered(200, count=16), what="the load to be under way")
        stopped = len(answers)
        pg.stop()
        eventually(lambda: answered(503, stopped), what="the outage to be noticed")
        restarted = len(answers)
        pg.start()
        eventually(lambda: answered(200, restarted, count=16), what="answers after the restart")
        stop.set()
        for future in running:
            future.result()
    statuses = Counter(r.status_code for r in answers)
    assert set(statuses) <= {200, 503}, statuses
    assert statuses[503] > 0, "the restart should have been noticed"
    for answer in answers:
        if answer.status_code == 503:
            refused(answer, 503)
            assert answer.headers["retry-after"]
    # Recovered by itself: the last answers of every client are 200s.
    eventually(lambda: api("GET", "/api/tweets", key).status_code == 200)
    assert all(api("GET", "/api/tweets", key).status_code == 200 for _ in range(10))
    assert _psql(pg, f"SELECT likes_count FROM tweets WHERE id = {tweet_id}") == "1"


def _image_saver_killed_mid_upload(
    images: ImageSaverProcess, api: ServiceApi, key: str, pg: PostgresServer
) -> None:
    """image_saver dies (SIGKILL) while an upload trickles through to it: 503, no
    media row, no file, and uploads work again once it is back."""
    media_before = _psql(pg, "SELECT count(*) FROM media")
    files_before = sorted(p.name for p in images.images_dir.rglob("*") if p.is_file())

    def kill_image_saver() -> None:
        assert images.running is not None
        images.running.process.kill()
        images.running.process.wait()
        images.running = None

    answer = upload_during(api, key, png_picture(60, 40, "olive"), kill_image_saver)
    refused(answer, 503)
    assert _psql(pg, "SELECT count(*) FROM media") == media_before
    assert sorted(p.name for p in images.images_dir.rglob("*") if p.is_file()) == files_before
    images.start(MAX_UPLOAD_BYTES)
    picture = {"file": ("ok.png", png_picture(10, 10, "red"))}
    eventually(lambda: api("POST", "/api/medias", key, files=picture).status_code == 201)


def _malformed_http_at_the_socket(base: str, api: ServiceApi, key: str) -> None:
    """Header injection and oversized or broken requests never reach the app as such;
    the server answers 4xx or closes, and goes on serving."""
    host, port = base.removeprefix("http://").split(":")
    attacks = [
        b"GET /api/users/me HTTP/1.1\r\nHost: x\r\napi-key: a\rX-Injected: 1\r\n\r\n",
        b"GET /api/users/me HTTP/1.1\r\nHost: x\r\napi-key: a\x00b\r\n\r\n",
        b"GET /api/users/me HTTP/1.1\r\nHost: x\r\napi-key: " + b"k" * 200_000 + b"\r\n\r\n",
        b"GET /api/\x00users HTTP/1.1\r\nHost: x\r\n\r\n",
        b"POST /api/tweets HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
        b"Content-Length: 9\r\n\r\nhello",
        b"POST /api/tweets HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
        b"Content-Length: 3\r\n\r\nzz\r\n",
    ]
    for attack in attacks:
        with socket.create_connection((host, int(port)), timeout=10) as conn:
            try:  # the server may refuse and close while the attack is still being sent
                conn.sendall(attack)
                reply = conn.recv(65536)
            except (BrokenPipeError, ConnectionResetError, TimeoutError):
                reply = b""
        status = reply.split(b" ", 2)[1] if reply.startswith(b"HTTP/1.1 ") else b""
        assert status == b"" or status.startswith(b"4"), (attack[:60], reply[:200])
    assert api("GET", "/api/users/me", key).status_code == 200


def _app_killed_mid_request(
    pg: PostgresServer,
    app: subprocess.Popen[bytes],
    api: ServiceApi,
    key: str,
    log: Path,
    settings: dict[str, str],
    tmp_path: Path,
) -> subprocess.Popen[bytes]:
    """A tweet with a picture is under way (its row written, waiting to take the
    picture, which another transaction holds) when the app is killed: the tweet's
    one transaction never commits, so there is no tweet without its picture."""
    media_id = api.upload(key, png_picture(12, 12), "x.png")
    tweets_before = _psql(pg, "SELECT count(*) FROM tweets")
    # The holder keeps the picture's row locked (pg_sleep: until it is killed below).
    holder = subprocess.Popen(
        [
            str(postgres_bin() / "psql"), "-X", "-c",
            f"BEGIN; SELECT 1 FROM media WHERE id = {media_id} FOR UPDATE; SELECT pg_sleep(60);",
            pg.url(),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        # The holder must have the lock before the tweet asks for it: psql starting up
        # on a busy machine can be slower than the whole request.
        sleeping = "SELECT count(*) FROM pg_stat_activity WHERE wait_event = 'PgSleep'"
        eventually(lambda: _psql(pg, sleeping) == "1", within=20, what="the holder's lock")
        waiting = "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
        with ThreadPoolExecutor(1) as pool:
            body = {"tweet_data": "half-made?", "tweet_media_ids": [media_id]}
            tweet = pool.submit(api, "POST", "/api/tweets", key, json=body)

            def tweet_waits() -> bool:
                if tweet.done():
                    answer = tweet.result()
                    raise AssertionError(f"not held up: {answer.status_code} {answer.text}")
                return _psql(pg, waiting) == "1"

            eventually(tweet_waits, within=20, what="the tweet waiting for the lock")
            # The whole service at once, as the machine losing power would.
            for pid in [*descendants(app.pid), app.pid]:
                os.kill(pid, signal.SIGKILL)
            app.wait(timeout=10)
    finally:
        holder.kill()
        holder.wait()
    eventually(lambda: _psql(pg, waiting) == "0", within=30)
    assert _psql(pg, "SELECT count(*) FROM tweets") == tweets_before
    assert (
        _psql(pg, f"SELECT count(*) FROM media WHERE id = {media_id} AND tweet_id IS NULL") == "1"
    )
    # A new app process finds everything as it was.
    process, base = start_serve(
        tmp_path / "app-after-kill.log", "--host", "127.0.0.1", settings=settings
    )
    assert ServiceApi(base)("GET", "/api/users/me", key).status_code == 200
    return process
