"""Clients that read pictures slowly, at real sockets against `python -m app serve`.

A slow reader here asks for a picture and then reads nothing more: it announces a
tiny receive buffer and tiny segments, so neither its kernel nor the server's can
take the picture off the server's hands (Linux sizes a connection's send buffer by
the segment size the peer announces; on loopback, without this, it would swallow
megabytes and the server would be done at once). Each reader comes from an
address of its own on 127/8 unless a test means them to share one.
"""

import io
import random
import socket
import subprocess
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest
from PIL import Image

from tests.helpers.api import ServiceApi, png_picture, refused
from tests.helpers.cli import printed_admin_key, start_serve, stop_serve
from tests.helpers.polling import eventually

pytestmark = pytest.mark.processes

DOWNLOADS_PER_ADDRESS = 3
# What "promptly" means for the other clients: well under the 30 s that a request
# waiting for a connection to image_saver used to wait before its 503.
PROMPTLY = httpx.Timeout(5.0)


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """A service and the administrator's key."""
    folder = tmp_path_factory.mktemp("slow-clients")
    log = folder / "serve.log"
    settings = {
        "DATA_DIR": str(folder / "data"),
        "MAX_PICTURE_DOWNLOADS_PER_ADDRESS": str(DOWNLOADS_PER_ADDRESS),
    }
    process: subprocess.Popen[bytes]
    process, base = start_serve(log, settings=settings)
    try:
        yield base, printed_admin_key(log)
    finally:
        stop_serve(process)


def noise_picture(side: int = 320) -> bytes:
    """A PNG that does not compress: some 300 KB, far more than the slow reader's
    kernel and the server's can hold between them."""
    pixels = random.Random(side).randbytes(side * side * 3)
    out = io.BytesIO()
    Image.frombytes("RGB", (side, side), pixels).save(out, "PNG")
    return out.getvalue()


def posted_picture(base: str, admin: str, data: bytes) -> tuple[str, bytes]:
    """A picture in a tweet (for anyone to read without a key): its path and bytes."""
    with ServiceApi(base) as api:
        ann = api.create_person(admin, "Ann")
        media_id = api.upload(ann, data)
        api.tweet(ann, "noise", [media_id])
        path = f"/api/medias/{media_id}"
        served = api("GET", path)
    assert served.status_code == 200
    assert len(served.content) > 200_000
    return path, served.content


def slow_reader(base: str, path: str, address: str, stack: ExitStack) -> socket.socket:
    """A connection from `address` that has asked for `path` and reads nothing."""
    port = int(base.rsplit(":", 1)[1])
    sock = stack.enter_context(socket.socket())
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1024)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_MAXSEG, 536)
    sock.bind((address, 0))
    sock.connect(("127.0.0.1", port))
    sock.sendall(f"GET {path} HTTP/1.1\r\nHost: microblog\r\n\r\n".encode())
    return sock


def status_line(sock: socket.socket) -> bytes:
    """The start of the answer that has reached `sock` so far, left unread."""
    try:
        return sock.recv(12, socket.MSG_PEEK | socket.MSG_DONTWAIT)
    except BlockingIOError:
        return b""


def test_slow_picture_readers_cost_only_their_own_sockets(
    service: tuple[str, str], tmp_path: Path
) -> None:
    base, admin = service
    path, picture = posted_picture(base, admin, noise_picture())
    # Far more than the 100 connections a worker has to image_saver, each reader
    # from an address of its own, so no per-address cap is what saves the rest.
    addresses = [f"127.0.{1 + i // 250}.{1 + i % 250}" for i in range(300)]

    with ExitStack() as stack:
        readers = [slow_reader(base, path, address, stack) for address in addresses]

        def answered() -> int:
            return sum(status_line(reader) == b"HTTP/1.1 200" for reader in readers)

        # Every one is answered, though a worker has only 100 connections to image_saver
        # (before, the 101st waited for one, 30 s, and got a 503); then each holds its
        # socket open, reading nothing, while the others are served. (Not timed from
        # the first 100: under a loaded machine the rest of the 300 fetches from
        # image_saver are still ahead of the others' requests, which is fair queuing,
        # not starvation.)
        eventually(lambda: answered() == len(readers), what="every slow reader to be answered 200")

        # Meanwhile everyone else is served at once: pictures, uploads, the rest.
        with ServiceApi(base) as api, httpx.Client(base_url=base, timeout=PROMPTLY) as other:
            again = other.get(path)
            assert again.status_code == 200, again.text
            assert again.content == picture
            api.http.timeout = PROMPTLY
            bob = api.create_person(admin, "Bob")
            media_id = api.upload(bob, png_picture(colour="olive"))
            own = other.get(f"/api/medias/{media_id}", headers=bob.headers)
            assert own.status_code == 200
            assert api("GET", "/api/users/me", bob.api_key).status_code == 200

        # The slow readers were still being sent their pictures all along: none has
        # more than a sliver of it yet.
        for reader in readers:
            waiting = reader.recv(len(picture), socket.MSG_PEEK | socket.MSG_DONTWAIT)
            assert len(waiting) < len(picture) // 4


def test_a_client_address_gets_only_so_many_picture_downloads_at_once(
    service: tuple[str, str],
) -> None:
    base, admin = service
    path, picture = posted_picture(base, admin, noise_picture(330))
    greedy, modest = "127.0.3.1", "127.0.3.2"

    with ExitStack() as stack:
        readers = [slow_reader(base, path, greedy, stack) for _ in range(DOWNLOADS_PER_ADDRESS)]
        eventually(
            lambda: all(status_line(reader) == b"HTTP/1.1 200" for reader in readers),
            what="the greedy address's downloads to be answered 200",
        )

        def client(address: str) -> httpx.Client:
            transport = httpx.HTTPTransport(local_address=address)
            return httpx.Client(base_url=base, timeout=PROMPTLY, transport=transport)

        with client(greedy) as greedy_client, client(modest) as modest_client:
            one_more = greedy_client.get(path)
            assert one_more.status_code == 429, one_more.headers  # not the picture's bytes
            refused(one_more, 429, "TooManyRequests")
            assert int(one_more.headers["retry-after"]) >= 1
            assert modest_client.get(path).content == picture

            # A reader that hangs up gives its place back.
            readers.pop().close()
            eventually(
                lambda: greedy_client.get(path).status_code == 200,
                what="the greedy address to get a download again",
            )
