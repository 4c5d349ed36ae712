"""The deployment docker-compose.yml describes, as separate real processes (see
tests/helpers/topology.py): the app rides out image_saver and the database going away and
coming back, lets a request under way finish on SIGTERM, and after everything is
stopped and started again every row and picture is there; then two worker
processes serve the same database and image_saver."""

import json
import signal
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.helpers.api import ServiceApi, png_picture, refused
from tests.helpers.app import MAX_UPLOAD_BYTES
from tests.helpers.cli import ADMIN_KEY, printed_admin_key, start_serve, stop_serve
from tests.helpers.polling import eventually
from tests.helpers.topology import (
    ImageSaverProcess,
    answers,
    postgres_server,
    settings_for,
    upload_during,
)

# Runs the compose topology as processes: PostgreSQL, image_saver, serve.
pytestmark = pytest.mark.processes


def test_the_compose_topology_survives_outages_and_restarts(tmp_path: Path) -> None:
    with postgres_server() as pg:
        images = ImageSaverProcess(tmp_path / "images")
        images.start(MAX_UPLOAD_BYTES)
        settings = settings_for(pg, images, tmp_path / "app-data")
        log = tmp_path / "app.log"
        app, base = start_serve(log, "--host", "127.0.0.1", settings=settings)
        try:
            admin = printed_admin_key(log)
            api = ServiceApi(base)

            # People, a follow, a tweet with a picture, a like.
            ann = api.create_person(admin, "Ann")
            boris = api.create_person(admin, "Boris")
            api.follow(boris, ann)
            picture = png_picture(64, 48, "teal")
            media_id = api.upload(ann, picture, "a.png")
            tweet_id = api.tweet(ann, "Before the restart", [media_id])
            api.like(boris, tweet_id)
            served = api("GET", f"/api/medias/{media_id}").content
            assert served

            # image_saver goes away: the app stays up and says 503 where pictures are
            # needed; the rest works; when image_saver is back, so are the pictures.
            images.stop()
            assert api("GET", "/health").status_code == 200
            refused(api("GET", "/ready"), 503)
            refused(
                api("POST", "/api/medias", ann.api_key, files={"file": ("b.png", picture)}), 503
            )
            refused(api("GET", f"/api/medias/{media_id}"), 503)
            assert api("GET", "/api/tweets", boris.api_key).status_code == 200
            images.start(MAX_UPLOAD_BYTES)
            eventually(lambda: api("GET", "/ready").status_code == 200)
            assert api("GET", f"/api/medias/{media_id}").content == served

            # The database goes away and comes back: 503s meanwhile, then the same
            # app process answers again, without a restart.
            pg.stop()
            refused(api("GET", "/api/tweets", boris.api_key), 503)
            # Its answer of a moment ago, 200, may be reused for a second.
            eventually(lambda: api("GET", "/ready").status_code == 503)
            refused(api("GET", "/ready"), 503)
            assert api("GET", "/health").status_code == 200
            pg.start()
            eventually(lambda: answers(api, "/api/tweets", boris.api_key))

            # SIGTERM while an upload trickles in: it is finished, then the app exits.
            finished = upload_during(
                api,
                ann.api_key,
                png_picture(40, 30, "navy"),
                lambda: app.send_signal(signal.SIGTERM),
            )
            assert finished.status_code == 201, finished.text
            late_media = finished.json()["media_id"]
            assert app.wait(timeout=60) == 0
        finally:
            stop_serve(app)

        # Everything stops and starts again: nothing is lost. Now two worker processes.
        images.stop()
        pg.stop()
        pg.start()
        images.start(MAX_UPLOAD_BYTES)
        log = tmp_path / "app-again.log"
        app, base = start_serve(log, "--host", "127.0.0.1", "--workers", "2", settings=settings)
        try:
            assert not ADMIN_KEY.search(log.read_text()), "a second administrator was made"
            api = ServiceApi(base)
            profile = api.profile(ann, ann)
            assert profile["followers"] == [{"id": boris.id, "name": "Boris", "handle": "boris"}]
            assert profile["tweets_count"] == 1
            (tweet,) = api.feed(boris)
            assert tweet["content"] == "Before the restart"
            assert [like["user_id"] for like in tweet["likes"]] == [boris.id]
            assert api("GET", tweet["attachments"][0]).content == served
            # The upload finished during shutdown is there too (its owner may see it).
            assert api("GET", f"/api/medias/{late_media}", ann.api_key).status_code == 200

            # Ten colleagues like it at once, through both workers: every like counts.
            keys = [api.create_person(admin, f"Colleague {n}").api_key for n in range(10)]
            with ThreadPoolExecutor(10) as pool:
                likes = list(
                    pool.map(lambda key: api("POST", f"/api/tweets/{tweet_id}/likes", key), keys)
                )
            assert [like.status_code for like in likes] == [200] * 10
            (tweet,) = api.feed(boris)
            assert tweet["likes_count"] == 11
            likers = api("GET", f"/api/tweets/{tweet_id}/likes", boris.api_key).json()["likes"]
            assert len(likers) == 11
            # /metrics answers for both workers, whichever answers it (a new
            # connection each time, so both get asked). A request is counted just
            # after its answer has gone out, hence `eventually`.
            route = 'method="POST",route="/api/tweets/{tweet_id}/likes",status="200"'
            counted = f"microblog_http_requests_total{{{route}}} 10.0"
            eventually(
                lambda: all(
                    counted in api("GET", "/metrics", headers={"connection": "close"}).text
                    for _ in range(6)
                ),
                within=10,
                what="both workers to count the likes",
            )

            # SIGTERM stops the workers and their supervisor cleanly.
            app.send_signal(signal.SIGTERM)
            assert app.wait(timeout=60) == 0
        finally:
            stop_serve(app)
            images.stop()
        # Every line uvicorn and the app logged is a JSON object (prints aside).
        logged = [line for line in log.read_text().splitlines() if line.strip()]
        assert not [line for line in logged if line.startswith(("INFO:", "WARNING:", "ERROR:"))]
        access = [json.loads(line) for line in logged if '"logger": "app.access"' in line]
        assert len(access) >= 20
        assert len({line["request_id"] for line in access}) == len(access)
