"""People, and the common moves through the API, for tests that are not about those
requests themselves.

`Api` makes them through an app in this process (the `api` fixture, or `Api(client)`
for an app of a test's own); `ServiceApi` over HTTP, to a service running as its own
process. Each move asserts the answer that means it worked (its status, `result`
true and the fields such an answer has), with the answer's text in the message, and
returns what a test goes on with: an id, a list, a person. A test about a request's
own answer makes that request itself (`api.client`, or `ServiceApi(...)(method, ...)`)
and checks the answer there.
"""

import io
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import httpx
from PIL import Image


@dataclass
class Person:
    id: int
    name: str
    api_key: str

    @property
    def headers(self) -> dict[str, str]:
        return {"api-key": self.api_key}


# The `make_person` fixture: `await make_person("Ann", admin=False)`.
MakePerson = Callable[..., Awaitable[Person]]

# Who makes a request: a person, or an api key as it is.
Who = Person | str
# Whom a request is about: a person, or their id.
Whom = Person | int


def png_picture(width: int = 32, height: int = 24, colour: str = "teal") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(out, "PNG")
    return out.getvalue()


def json_or_raw(body: object, headers: dict[str, str]) -> dict[str, Any]:
    """httpx arguments for a JSON body; a str is sent as raw JSON text."""
    if isinstance(body, str):
        raw_headers = headers | {"content-type": "application/json"}
        return {"content": body.encode(), "headers": raw_headers}
    return {"json": body, "headers": headers}


async def audit_entries(client: httpx.AsyncClient, admin: "Person") -> list[dict[str, Any]]:
    """The audit log, newest first, as the administrator `admin` reads it."""
    response = await client.get("/api/admin/audit", headers=admin.headers)
    assert response.status_code == 200, response.text
    entries: list[dict[str, Any]] = response.json()["entries"]
    return entries


def refused(response: httpx.Response, status: int, error_type: str | None = None) -> None:
    """`status` in the error envelope (of `error_type`, if given), with no stack trace."""
    assert response.status_code == status, response.text
    body = response.json()
    assert body["result"] is False
    if error_type is None:
        assert body["error_type"]
    else:
        assert body["error_type"] == error_type
    assert body["error_message"]
    assert "Traceback" not in response.text


def _key(who: Who) -> str:
    return who if isinstance(who, str) else who.api_key


def _id(whom: Whom) -> int:
    return whom if isinstance(whom, int) else whom.id


@dataclass(frozen=True)
class Move:
    """One request of the common moves, and the answer that means it worked."""

    method: str
    path: str
    who: Who | None
    status: int
    fields: frozenset[str]  # of the answer: {"result", ...}
    options: dict[str, Any] = field(default_factory=dict)  # json=, params=, files=

    @property
    def headers(self) -> dict[str, str]:
        return {} if self.who is None else {"api-key": _key(self.who)}

    def succeeded(self, response: httpx.Response) -> dict[str, Any]:
        """The answer's body, once it is shown to be this move's success."""
        said = f"{self.method} {self.path}: {response.status_code} {response.text}"
        assert response.status_code == self.status, said
        body: dict[str, Any] = response.json()
        assert body.get("result") is True, said
        assert set(body) == self.fields, said
        return body


def _answer(*fields: str) -> frozenset[str]:
    return frozenset({"result", *fields})


def tweet_move(author: Who, text: str, media: Iterable[int] | None) -> Move:
    body: dict[str, Any] = {"tweet_data": text}
    if media is not None:
        body["tweet_media_ids"] = list(media)
    return Move("POST", "/api/tweets", author, 201, _answer("tweet_id"), {"json": body})


def reply_move(author: Who, reply_to: int, text: str) -> Move:
    body = {"tweet_data": text, "reply_to": reply_to}
    return Move("POST", "/api/tweets", author, 201, _answer("tweet_id"), {"json": body})


def edit_move(author: Who, tweet_id: int, text: str) -> Move:
    body = {"tweet_data": text}
    return Move("PATCH", f"/api/tweets/{tweet_id}", author, 200, _answer(), {"json": body})


def history_move(viewer: Who, tweet_id: int, params: dict[str, int]) -> Move:
    path = f"/api/tweets/{tweet_id}/history"
    return Move("GET", path, viewer, 200, _answer("versions"), {"params": params})


def one_tweet_move(viewer: Who, tweet_id: int) -> Move:
    return Move("GET", f"/api/tweets/{tweet_id}", viewer, 200, _answer("tweet"))


def thread_move(viewer: Who, tweet_id: int) -> Move:
    fields = _answer("ancestors", "tweet", "replies")
    return Move("GET", f"/api/tweets/{tweet_id}/thread", viewer, 200, fields)


def replies_move(viewer: Who, tweet_id: int, params: dict[str, int]) -> Move:
    path = f"/api/tweets/{tweet_id}/replies"
    return Move("GET", path, viewer, 200, _answer("tweets"), {"params": params})


def upload_move(owner: Who, data: bytes | None, name: str) -> Move:
    picture = data if data is not None else png_picture()
    files = {"file": (name, picture)}
    return Move("POST", "/api/medias", owner, 201, _answer("media_id", "url"), {"files": files})


def delete_tweet_move(author: Who, tweet_id: int) -> Move:
    return Move("DELETE", f"/api/tweets/{tweet_id}", author, 200, _answer())


def like_move(method: str, person: Who, tweet_id: int) -> Move:
    return Move(method, f"/api/tweets/{tweet_id}/likes", person, 200, _answer())


def follow_move(method: str, person: Who, followee: Whom) -> Move:
    return Move(method, f"/api/users/{_id(followee)}/follow", person, 200, _answer())


def feed_move(person: Who, params: dict[str, int]) -> Move:
    return Move("GET", "/api/tweets", person, 200, _answer("tweets"), {"params": params})


def search_move(viewer: Who, q: str, params: dict[str, int]) -> Move:
    options = {"params": {"q": q, **params}}
    return Move("GET", "/api/search/tweets", viewer, 200, _answer("tweets"), options)


def tagged_move(viewer: Who, tag: str, params: dict[str, int]) -> Move:
    path = f"/api/hashtags/{tag}/tweets"
    return Move("GET", path, viewer, 200, _answer("tweets"), {"params": params})


def trending_move(viewer: Who, params: dict[str, int]) -> Move:
    path = "/api/hashtags/trending"
    return Move("GET", path, viewer, 200, _answer("hashtags"), {"params": params})


def tweets_of_move(viewer: Who, author: Whom, params: dict[str, int]) -> Move:
    path = f"/api/users/{_id(author)}/tweets"
    return Move("GET", path, viewer, 200, _answer("tweets"), {"params": params})


def profile_move(viewer: Who, whom: Whom | None, params: dict[str, int]) -> Move:
    path = "/api/users/me" if whom is None else f"/api/users/{_id(whom)}"
    return Move("GET", path, viewer, 200, _answer("user"), {"params": params})


def create_person_move(admin: Who, name: str, is_admin: bool) -> Move:
    body = {"name": name, "is_admin": is_admin}
    return Move("POST", "/api/users", admin, 201, _answer("user"), {"json": body})


def _person(body: dict[str, Any]) -> Person:
    user = body["user"]
    return Person(user["id"], user["name"], user["api_key"])


class Api:
    """The common moves through `client`, an app in this process (see the module's doc)."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client

    async def _do(self, move: Move) -> dict[str, Any]:
        response = await self.client.request(
            move.method, move.path, headers=move.headers, **move.options
        )
        return move.succeeded(response)

    async def tweet(
        self, author: Who, text: str = "A tweet", media: Iterable[int] | None = None
    ) -> int:
        """Post a tweet (with the uploads `media`); its id."""
        return int((await self._do(tweet_move(author, text, media)))["tweet_id"])

    async def reply(self, author: Who, reply_to: int, text: str = "A reply") -> int:
        """Post a reply to the tweet `reply_to`; its id."""
        return int((await self._do(reply_move(author, reply_to, text)))["tweet_id"])

    async def edit(self, author: Who, tweet_id: int, text: str) -> None:
        """Give the tweet a new text (PATCH /api/tweets/{id})."""
        await self._do(edit_move(author, tweet_id, text))

    async def history(self, viewer: Who, tweet_id: int, **params: int) -> list[dict[str, Any]]:
        """A page of the tweet's earlier texts, newest first."""
        body = await self._do(history_move(viewer, tweet_id, params))
        versions: list[dict[str, Any]] = body["versions"]
        return versions

    async def one_tweet(self, viewer: Who, tweet_id: int) -> dict[str, Any]:
        """The tweet as `viewer` sees it (GET /api/tweets/{id})."""
        tweet: dict[str, Any] = (await self._do(one_tweet_move(viewer, tweet_id)))["tweet"]
        return tweet

    async def thread(self, viewer: Who, tweet_id: int) -> dict[str, Any]:
        """The tweet's thread: the answer's `ancestors`, `tweet` and `replies`."""
        return await self._do(thread_move(viewer, tweet_id))

    async def replies(self, viewer: Who, tweet_id: int, **params: int) -> list[dict[str, Any]]:
        """A page of the tweet's direct replies (`offset=`, `limit=`)."""
        tweets: list[dict[str, Any]] = (await self._do(replies_move(viewer, tweet_id, params)))[
            "tweets"
        ]
        return tweets

    async def upload(self, owner: Who, data: bytes | None = None, name: str = "picture.png") -> int:
        """Upload a picture (`data`, or a small PNG); its media id."""
        return int((await self._do(upload_move(owner, data, name)))["media_id"])

    async def delete_tweet(self, author: Who, tweet_id: int) -> None:
        await self._do(delete_tweet_move(author, tweet_id))

    async def like(self, person: Who, tweet_id: int) -> None:
        await self._do(like_move("POST", person, tweet_id))

    async def unlike(self, person: Who, tweet_id: int) -> None:
        await self._do(like_move("DELETE", person, tweet_id))

    async def follow(self, person: Who, followee: Whom) -> None:
        await self._do(follow_move("POST", person, followee))

    async def unfollow(self, person: Who, followee: Whom) -> None:
        await self._do(follow_move("DELETE", person, followee))

    async def feed(self, person: Who, **params: int) -> list[dict[str, Any]]:
        """A page of `person`'s feed (`offset=`, `limit=`)."""
        tweets: list[dict[str, Any]] = (await self._do(feed_move(person, params)))["tweets"]
        return tweets

    async def tweets_of(self, viewer: Who, author: Whom, **params: int) -> list[dict[str, Any]]:
        """A page of `author`'s own tweets, as `viewer` sees them."""
        body = await self._do(tweets_of_move(viewer, author, params))
        tweets: list[dict[str, Any]] = body["tweets"]
        return tweets

    async def search(self, viewer: Who, q: str, **params: int) -> list[dict[str, Any]]:
        """A page of the posts search finds for `q`, as `viewer` sees them."""
        tweets: list[dict[str, Any]] = (await self._do(search_move(viewer, q, params)))["tweets"]
        return tweets

    async def tagged(self, viewer: Who, tag: str, **params: int) -> list[dict[str, Any]]:
        """A page of the posts carrying `tag`."""
        tweets: list[dict[str, Any]] = (await self._do(tagged_move(viewer, tag, params)))["tweets"]
        return tweets

    async def trending(self, viewer: Who, **params: int) -> list[dict[str, Any]]:
        """What is trending (`hours=`, `limit=`)."""
        found: list[dict[str, Any]] = (await self._do(trending_move(viewer, params)))["hashtags"]
        return found

    async def profile(self, viewer: Who, whom: Whom | None = None, **params: int) -> dict[str, Any]:
        """`whom`'s profile (`viewer`'s own without one), as `viewer` sees it."""
        user: dict[str, Any] = (await self._do(profile_move(viewer, whom, params)))["user"]
        return user

    async def create_person(self, admin: Who, name: str, *, is_admin: bool = False) -> Person:
        """Create a person with `POST /api/users`, as the administrator `admin`."""
        return _person(await self._do(create_person_move(admin, name, is_admin)))


class ServiceApi:
    """The HTTP API of a service running as its own process: any request (call it), and
    the common moves of `Api`, the same but for not being awaited."""

    def __init__(self, base_url: str) -> None:
        self.http = httpx.Client(base_url=base_url, timeout=30)

    def __call__(
        self, method: str, path: str, key: str | None = None, **kwargs: Any
    ) -> httpx.Response:
        """Any request, as the person with `key` (none: anonymous); `kwargs` go to httpx
        (`json=`, `params=`, `files=`, `headers=`, ...)."""
        headers = dict(kwargs.pop("headers", None) or {})
        if key is not None:
            headers["api-key"] = key
        return self.http.request(method, path, headers=headers, **kwargs)

    def _do(self, move: Move) -> dict[str, Any]:
        response = self.http.request(move.method, move.path, headers=move.headers, **move.options)
        return move.succeeded(response)

    def tweet(self, author: Who, text: str = "A tweet", media: Iterable[int] | None = None) -> int:
        return int(self._do(tweet_move(author, text, media))["tweet_id"])

    def upload(self, owner: Who, data: bytes | None = None, name: str = "picture.png") -> int:
        return int(self._do(upload_move(owner, data, name))["media_id"])

    def delete_tweet(self, author: Who, tweet_id: int) -> None:
        self._do(delete_tweet_move(author, tweet_id))

    def like(self, person: Who, tweet_id: int) -> None:
        self._do(like_move("POST", person, tweet_id))

    def unlike(self, person: Who, tweet_id: int) -> None:
        self._do(like_move("DELETE", person, tweet_id))

    def follow(self, person: Who, followee: Whom) -> None:
        self._do(follow_move("POST", person, followee))

    def unfollow(self, person: Who, followee: Whom) -> None:
        self._do(follow_move("DELETE", person, followee))

    def feed(self, person: Who, **params: int) -> list[dict[str, Any]]:
        tweets: list[dict[str, Any]] = self._do(feed_move(person, params))["tweets"]
        return tweets

    def tweets_of(self, viewer: Who, author: Whom, **params: int) -> list[dict[str, Any]]:
        tweets: list[dict[str, Any]] = self._do(tweets_of_move(viewer, author, params))["tweets"]
        return tweets

    def profile(self, viewer: Who, whom: Whom | None = None, **params: int) -> dict[str, Any]:
        user: dict[str, Any] = self._do(profile_move(viewer, whom, params))["user"]
        return user

    def trending(self, viewer: Who, **params: int) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = self._do(trending_move(viewer, params))["hashtags"]
        return found

    def create_person(self, admin: Who, name: str, *, is_admin: bool = False) -> Person:
        """Create a person with `POST /api/users`, as the administrator `admin`."""
        return _person(self._do(create_person_move(admin, name, is_admin)))

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> "ServiceApi":
        return self

    def __exit__(self, *_: object) -> None:
        self.close()
