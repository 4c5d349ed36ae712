"""Signing in with the company's identity provider, against a real OpenID provider
(tests/helpers/oidc.py), and the browser sessions it makes: their expiry, the
cross-site defence of their writes, their owner's list, signing out."""

import base64
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient
from joserfc.jwk import KeySet
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.config import Settings
from app.core.sessions import COOKIE
from app.handlers.auth.provider import OidcProvider, ProviderError
from app.web.session_cookie import SIGN_IN_COOKIE
from tests.helpers.api import MakePerson, Person, refused
from tests.helpers.app import count, running
from tests.helpers.oidc import CLIENT_ID, Provider
from tests.helpers.sessions import cookie_headers

PUBLIC_URL = "http://test"  # the in-process client's base URL
CSRF = {"X-Requested-With": "microblog"}


@dataclass
class SignIn:
    """An app signing in at the provider, as a browser would go through it."""

    app: FastAPI
    http: AsyncClient
    provider: Provider

    async def begin(self, return_to: str = "/") -> str:
        """The provider's address our login sends the browser to."""
        response = await self.http.get("/auth/oidc/login", params={"return_to": return_to})
        assert response.status_code == 302, response.text
        location = response.headers["location"]
        assert location.startswith(self.provider.url), location
        return location

    async def callback_for(self, email: str, return_to: str = "/") -> str:
        """Our callback's address as the provider sends `email` back to it."""
        back = await self.provider.authorize(await self.begin(return_to), email)
        assert back.startswith(f"{PUBLIC_URL}/auth/oidc/callback?"), back
        return back

    async def through(self, email: str, return_to: str = "/") -> httpx.Response:
        """The whole sign-in; the callback's answer."""
        return await self.http.get(await self.callback_for(email, return_to))

    async def cookie(self, email: str) -> str:
        """A session's token, as a browser of its own would hold it (this client keeps
        none: signing in again here would end it)."""
        response = await self.through(email)
        assert response.status_code == 302, response.text
        assert response.headers["location"] == "/", response.headers
        token = response.cookies.get(COOKIE)
        assert token
        self.http.cookies.clear()
        return token


def refusal(response: httpx.Response) -> str:
    """The web app's sign-in page with the refusal's code; no cookie given."""
    assert response.status_code == 302, response.text
    location = urlsplit(response.headers["location"])
    assert location.path == "/"
    assert COOKIE not in response.headers.get("set-cookie", "")
    return parse_qs(location.query)["signin_error"][0]


@pytest.fixture
def oidc_settings(
    app_settings: Callable[..., Settings], oidc_provider: Provider
) -> Callable[..., Settings]:
    def make(public_url: str = PUBLIC_URL, **overrides: object) -> Settings:
        return app_settings(**oidc_provider.settings(public_url, **overrides))

    return make


@pytest.fixture
async def signin(
    oidc_settings: Callable[..., Settings], oidc_provider: Provider
) -> AsyncIterator[SignIn]:
    async with running(oidc_settings()) as (application, http):
        yield SignIn(application, http, oidc_provider)


async def with_email(session: AsyncSession, person: Person, email: str) -> Person:
    await session.execute(
        text("UPDATE users SET email = :email WHERE id = :id"), {"email": email, "id": person.id}
    )
    await session.commit()
    return person


async def ann_at(make_person: MakePerson, session: AsyncSession, provider: Provider) -> Person:
    """Ann, with her e-mail, as the provider knows her (verified)."""
    provider.person("ann@example.com")
    return await with_email(session, await make_person("Ann"), "ann@example.com")


def cookie(token: str, **more: str) -> dict[str, str]:
    return {"cookie": f"{COOKIE}={token}"} | more


# The provider's side.


async def test_the_whole_sign_in_lands_signed_in_with_a_safe_cookie(
    signin: SignIn, make_person: MakePerson, session: AsyncSession
) -> None:
    ann = await with_email(session, await make_person("Ann"), "ann@example.com")
    # The e-mail matches whatever its case.
    signin.provider.person("Ann@Example.COM", name="Ann at the provider")
    authorization = urlsplit(await signin.begin("/people?q=x"))
    asked = parse_qs(authorization.query)
    assert asked["code_challenge_method"] == ["S256"]
    assert asked["client_id"] == [CLIENT_ID]
    assert asked["redirect_uri"] == [f"{PUBLIC_URL}/auth/oidc/callback"]
    assert {"state", "nonce", "code_challenge"} <= asked.keys()
    assert "openid" in asked["scope"][0].split()

    response = await signin.through("Ann@Example.COM", "/people?q=x")
    assert response.status_code == 302
    assert response.headers["location"] == "/people?q=x"
    set_cookie = response.headers["set-cookie"]
    assert set_cookie.startswith(f"{COOKIE}=")
    for attribute in ("HttpOnly", "SameSite=lax", "Path=/", f"Max-Age={30 * 24 * 60 * 60}"):
        assert attribute.lower() in set_cookie.lower(), set_cookie
    assert "secure" not in set_cookie.lower()  # PUBLIC_URL is http here

    token = response.cookies[COOKIE]
    me = await signin.http.get("/api/users/me", headers=cookie(token))
    assert me.status_code == 200, me.text
    assert me.json()["user"]["id"] == ann.id
    # The state worked once: only the sign-in begun above to look at is left.
    assert await count(session, "SELECT count(*) FROM oidc_logins") == 1
    # A write with the cookie, as the web app sends it.
    posted = await signin.http.post(
        "/api/tweets", json={"tweet_data": "signed in"}, headers=cookie(token, **CSRF)
    )
    assert posted.status_code == 201, posted.text


async def test_the_cookie_is_secure_when_the_service_is_https(
    oidc_settings: Callable[..., Settings],
    oidc_provider: Provider,
    make_person: MakePerson,
    session: AsyncSession,
) -> None:
    await ann_at(make_person, session, oidc_provider)
    async with running(oidc_settings(public_url="https://test")) as (_app, http):
        login = await http.get("/auth/oidc/login")
        began = login.cookies[SIGN_IN_COOKIE]
        assert "secure" in login.headers["set-cookie"].lower()
        back = await oidc_provider.authorize(login.headers["location"], "ann@example.com")
        assert back.startswith("https://test/auth/oidc/callback?")
        # The client speaks http to the app: it would not send a Secure cookie back.
        response = await http.get(
            back.replace("https://test", ""), headers={"cookie": f"{SIGN_IN_COOKIE}={began}"}
        )
    assert response.status_code == 302, response.text
    assert "secure" in response.headers["set-cookie"].lower()


async def test_a_wrong_or_used_state_is_refused(
    signin: SignIn, make_person: MakePerson, session: AsyncSession
) -> None:
    await ann_at(make_person, session, signin.provider)
    back = await signin.callback_for("ann@example.com")
    query = parse_qs(urlsplit(back).query)
    forged = f"/auth/oidc/callback?code={query['code'][0]}&state=made-up"
    assert refusal(await signin.http.get(forged)) == "expired"
    assert refusal(await signin.http.get("/auth/oidc/callback?code=x")) == "failed"
    # The right state still works once, and only once.
    assert (await signin.http.get(back)).status_code == 302
    assert refusal(await signin.http.get(back)) == "expired"
    assert await count(session, "SELECT count(*) FROM web_sessions") == 1


async def test_a_callback_link_works_only_in_the_browser_that_began_the_sign_in(
    signin: SignIn, make_person: MakePerson, session: AsyncSession
) -> None:
    """Login CSRF: someone signs in as themselves, stops before the callback and sends
    the link to a colleague, whose browser would then be signed in as the sender (and
    what the colleague posts, the sender's). Refused: the link's state is not one this
    browser began, and the sign-in stays unused."""
    await with_email(session, await make_person("Mallory"), "mallory@example.com")
    signin.provider.person("mallory@example.com", name="Mallory")
    link = await signin.callback_for("mallory@example.com")
    transport = ASGITransport(app=signin.app)
    async with AsyncClient(transport=transport, base_url=PUBLIC_URL) as victims_browser:
        refused = await victims_browser.get(link)
    assert refusal(refused) == "expired"
    assert await count(session, "SELECT count(*) FROM web_sessions") == 0
    assert await count(session, "SELECT count(*) FROM oidc_logins") == 1
    # In the browser that began it, it still works.
    assert (await signin.http.get(link)).status_code == 302
    assert await count(session, "SELECT count(*) FROM web_sessions") == 1


async def test_a_sign_in_left_for_over_ten_minutes_is_refused(
    signin: SignIn, make_person: MakePerson, session: AsyncSession
) -> None:
    await ann_at(make_person, session, signin.provider)
    back = await signin.callback_for("ann@example.com")
    await session.execute(text("UPDATE oidc_logins SET created_at = now() - interval '11 min'"))
    await session.commit()
    assert refusal(await signin.http.get(back)) == "expired"
    assert await count(session, "SELECT count(*) FROM oidc_logins") == 0
    assert await count(session, "SELECT count(*) FROM web_sessions") == 0


async def test_a_replayed_code_is_refused_by_the_provider_and_by_us(
    signin: SignIn, make_person: MakePerson, session: AsyncSession
) -> None:
    await ann_at(make_person, session, signin.provider)
    used = await signin.callback_for("ann@example.com")
    assert (await signin.http.get(used)).status_code == 302
    # An attacker who saw the code starts a sign-in of their own and brings it along:
    # the state is fresh, the provider refuses the code's second exchange.
    fresh_state = parse_qs(urlsplit(await signin.begin()).query)["state"][0]
    code = parse_qs(urlsplit(used).query)["code"][0]
    replay = await signin.http.get(f"/auth/oidc/callback?code={code}&state={fresh_state}")
    assert refusal(replay) == "failed"
    assert await count(session, "SELECT count(*) FROM web_sessions") == 1


async def test_the_provider_saying_no_is_a_refusal(signin: SignIn) -> None:
    state = parse_qs(urlsplit(await signin.begin()).query)["state"][0]
    response = await signin.http.get(f"/auth/oidc/callback?error=access_denied&state={state}")
    assert refusal(response) == "denied"


async def test_an_id_token_for_another_audience_is_refused(
    oidc_settings: Callable[..., Settings], oidc_provider: Provider
) -> None:
    oidc_provider.person("ann@example.com")
    theirs = await oidc_provider.id_token_for("another-app", "ann@example.com", nonce="n1")
    ours = OidcProvider(oidc_settings())
    try:
        with pytest.raises(ProviderError, match="aud"):
            await ours.claims(theirs["id_token"], "n1", theirs["access_token"])
        # The same token is fine for the client it was made for (the check can pass).
        other = OidcProvider(oidc_settings(oidc_client_id="another-app"))
        claims = await other.claims(theirs["id_token"], "n1", theirs["access_token"])
        assert claims["email"] == "ann@example.com"
        # ... with the nonce it was asked with only.
        with pytest.raises(ProviderError, match="nonce"):
            await other.claims(theirs["id_token"], "n2", theirs["access_token"])
        # A signature by a key the provider does not publish is refused.
        forged = theirs["id_token"].rsplit(".", 1)[0] + ".c2lnbmF0dXJl"
        with pytest.raises(ProviderError):
            await other.claims(forged, "n1", theirs["access_token"])
        await other.aclose()
    finally:
        await ours.aclose()


async def test_keys_are_fetched_again_for_an_unknown_key_id(
    oidc_settings: Callable[..., Settings], oidc_provider: Provider
) -> None:
    oidc_provider.person("ann@example.com")
    answer = await oidc_provider.id_token_for(CLIENT_ID, "ann@example.com", nonce="n1")
    ours = OidcProvider(oidc_settings())
    try:
        # Keys the provider has since rotated away.
        ours._keys = KeySet.generate_key_set("RSA", 2048, count=1)
        # (Its tokens name no key id: a signature the old keys do not verify is
        # reason enough to fetch them again.)
        claims = await ours.claims(answer["id_token"], "n1", answer["access_token"])
        assert claims["email"] == "ann@example.com"
    finally:
        await ours.aclose()


async def test_an_unverified_email_is_refused(
    signin: SignIn, make_person: MakePerson, session: AsyncSession
) -> None:
    await with_email(session, await make_person("Ann"), "ann@example.com")
    signin.provider.person("ann@example.com", verified=False)
    assert refusal(await signin.through("ann@example.com")) == "unverified_email"
    assert await count(session, "SELECT count(*) FROM web_sessions") == 0


async def test_nobody_with_the_email_is_refused_without_auto_create(
    signin: SignIn, make_person: MakePerson, session: AsyncSession
) -> None:
    await with_email(session, await make_person("Ann"), "ann@example.com")
    signin.provider.person("stranger@example.com")
    assert refusal(await signin.through("stranger@example.com")) == "no_account"
    assert await count(session, "SELECT count(*) FROM users") == 1
    assert await count(session, "SELECT count(*) FROM web_sessions") == 0


async def test_auto_create_makes_the_person_once(
    oidc_settings: Callable[..., Settings], oidc_provider: Provider, session: AsyncSession
) -> None:
    oidc_provider.person("new.comer@example.com", name="Анна Новикова")
    async with running(oidc_settings(oidc_auto_create=True)) as (application, http):
        flow = SignIn(application, http, oidc_provider)
        first = await flow.cookie("new.comer@example.com")
        second = await flow.cookie("new.comer@example.com")
        me = (await http.get("/api/users/me", headers=cookie(first))).json()["user"]
        again = (await http.get("/api/users/me", headers=cookie(second))).json()["user"]
    assert me["id"] == again["id"]
    assert me["name"] == "Анна Новикова"
    assert me["handle"] == "anna.novikova"  # derived as usual
    assert await count(session, "SELECT count(*) FROM users") == 1
    assert (
        await count(
            session, "SELECT count(*) FROM users WHERE email = 'new.comer@example.com' AND active"
        )
        == 1
    )
    # On record, made by no administrator.
    made = "SELECT count(*) FROM audit_log WHERE action = 'create_person' AND actor_id IS NULL"
    assert await count(session, made) == 1


async def test_a_deactivated_person_cannot_sign_in(
    signin: SignIn, make_person: MakePerson, session: AsyncSession
) -> None:
    ann = await with_email(session, await make_person("Ann"), "ann@example.com")
    await session.execute(text("UPDATE users SET active = false WHERE id = :id"), {"id": ann.id})
    await session.commit()
    signin.provider.person("ann@example.com")
    assert refusal(await signin.through("ann@example.com")) == "deactivated"
    assert await count(session, "SELECT count(*) FROM web_sessions") == 0


async def test_a_provider_that_does_not_answer_is_a_refusal(
    oidc_settings: Callable[..., Settings], session: AsyncSession
) -> None:
    async with running(oidc_settings(oidc_issuer="http://127.0.0.1:9")) as (_app, http):
        response = await http.get("/auth/oidc/login")
    assert refusal(response) == "failed"
    assert await count(session, "SELECT count(*) FROM oidc_logins") == 0


@pytest.mark.parametrize(
    "return_to", ["https://evil.example/", "//evil.example/x", "/\\evil.example", "people", ""]
)
async def test_only_local_paths_are_returned_to(signin: SignIn, return_to: str) -> None:
    response = await signin.http.get("/auth/oidc/login", params={"return_to": return_to})
    refused(response, 422, "ValidationError")


async def test_sign_in_is_off_unless_configured(client: AsyncClient) -> None:
    info = await client.get("/auth/oidc")
    assert info.json() == {
        "result": True, "enabled": False, "signed_in": False, "provider_name": "company account"
    }  # fmt: skip
    for path in ("/auth/oidc/login", "/auth/oidc/callback?state=a&code=b"):
        refused(await client.get(path), 404, "NotFound")


async def test_the_web_app_learns_the_provider_and_whether_it_is_signed_in(
    signin: SignIn, make_person: MakePerson, session: AsyncSession
) -> None:
    info = await signin.http.get("/auth/oidc")
    assert info.json() == {
        "result": True, "enabled": True, "signed_in": False, "provider_name": "Test SSO"
    }  # fmt: skip
    await ann_at(make_person, session, signin.provider)
    token = await signin.cookie("ann@example.com")
    assert (await signin.http.get("/auth/oidc", headers=cookie(token))).json()["signed_in"]
    await session.execute(text("DELETE FROM web_sessions"))
    await session.commit()
    assert not (await signin.http.get("/auth/oidc", headers=cookie(token))).json()["signed_in"]


# The sessions it makes.


async def test_an_idle_or_old_session_answers_401(
    signin: SignIn, make_person: MakePerson, session: AsyncSession
) -> None:
    await ann_at(make_person, session, signin.provider)
    idle, old = await signin.cookie("ann@example.com"), await signin.cookie("ann@example.com")
    for token in (idle, old):
        assert (await signin.http.get("/api/users/me", headers=cookie(token))).status_code == 200
    await session.execute(
        text("UPDATE web_sessions SET last_seen_at = now() - interval '8 days' WHERE id = 1")
    )
    await session.execute(text("UPDATE web_sessions SET expires_at = now() WHERE id = 2"))
    await session.commit()
    for token in (idle, old):
        response = await signin.http.get("/api/users/me", headers=cookie(token))
        refused(response, 401, "Unauthorized")
        assert "sign in again" in response.json()["error_message"]


async def test_a_session_is_refused_within_its_idle_time_only_after_it(
    oidc_settings: Callable[..., Settings],
    make_person: MakePerson,
    session: AsyncSession,
    oidc_provider: Provider,
) -> None:
    await ann_at(make_person, session, oidc_provider)
    async with running(oidc_settings(session_idle_minutes=30)) as (application, http):
        token = await SignIn(application, http, oidc_provider).cookie("ann@example.com")
        await session.execute(
            text("UPDATE web_sessions SET last_seen_at = now() - interval '29 minutes'")
        )
        await session.commit()
        assert (await http.get("/api/users/me", headers=cookie(token))).status_code == 200
        # That request refreshed the idle clock.
        recent = "SELECT count(*) FROM web_sessions WHERE last_seen_at > now() - interval '1 min'"
        assert await count(session, recent) == 1
        await session.execute(
            text("UPDATE web_sessions SET last_seen_at = now() - interval '31 minutes'")
        )
        await session.commit()
        refused(await http.get("/api/users/me", headers=cookie(token)), 401)


async def test_cookie_writes_need_the_header_and_our_origin(
    signin: SignIn, make_person: MakePerson, session: AsyncSession
) -> None:
    ann = await ann_at(make_person, session, signin.provider)
    token = await signin.cookie("ann@example.com")
    post = {"tweet_data": "from elsewhere?"}
    # A form on another site can send the cookie, but no header.
    no_header = await signin.http.post("/api/tweets", json=post, headers=cookie(token))
    refused(no_header, 403, "Forbidden")
    foreign = cookie(token, Origin="https://evil.example", **CSRF)
    refused(await signin.http.post("/api/tweets", json=post, headers=foreign), 403, "Forbidden")
    referer = cookie(token, Referer="https://evil.example/page", **CSRF)
    refused(await signin.http.post("/api/tweets", json=post, headers=referer), 403, "Forbidden")
    refused(await signin.http.delete("/api/sessions", headers=cookie(token)), 403)
    assert await count(session, "SELECT count(*) FROM tweets") == 0
    # Our own page; and a script with the key (no cookie rules apply to it).
    ours = cookie(token, Origin=PUBLIC_URL, **CSRF)
    assert (await signin.http.post("/api/tweets", json=post, headers=ours)).status_code == 201
    with_key = cookie(token, Origin="https://evil.example") | ann.headers
    assert (await signin.http.post("/api/tweets", json=post, headers=with_key)).status_code == 201
    # Reads need no header.
    assert (await signin.http.get("/api/tweets", headers=cookie(token))).status_code == 200


async def test_a_deactivated_persons_session_answers_401(
    signin: SignIn, make_person: MakePerson, session: AsyncSession
) -> None:
    ann = await ann_at(make_person, session, signin.provider)
    token = await signin.cookie("ann@example.com")
    await session.execute(text("UPDATE users SET active = false WHERE id = :id"), {"id": ann.id})
    await session.commit()
    refused(await signin.http.get("/api/users/me", headers=cookie(token)), 401)
    # Reactivated while the session lasts: it opens again; deactivation deletes it, as
    # PATCH /api/users/{id} does.
    await session.execute(text("UPDATE users SET active = true WHERE id = :id"), {"id": ann.id})
    await session.commit()
    assert (await signin.http.get("/api/users/me", headers=cookie(token))).status_code == 200
    await session.execute(text("UPDATE users SET active = false WHERE id = :id"), {"id": ann.id})
    await session.execute(text("DELETE FROM web_sessions WHERE user_id = :id"), {"id": ann.id})
    await session.commit()
    refused(await signin.http.get("/api/users/me", headers=cookie(token)), 401)


async def test_the_key_wins_over_the_cookie(
    signin: SignIn, make_person: MakePerson, session: AsyncSession
) -> None:
    await ann_at(make_person, session, signin.provider)
    bob = await make_person("Bob")
    token = await signin.cookie("ann@example.com")
    me = await signin.http.get("/api/users/me", headers=cookie(token) | bob.headers)
    assert me.json()["user"]["id"] == bob.id
    # A wrong key is wrong, whatever cookie comes along.
    wrong = cookie(token, **{"api-key": "not-a-key"})
    refused(await signin.http.get("/api/users/me", headers=wrong), 401)


async def test_signing_out_ends_the_session_and_clears_the_cookie(
    signin: SignIn, make_person: MakePerson, session: AsyncSession
) -> None:
    await ann_at(make_person, session, signin.provider)
    token = await signin.cookie("ann@example.com")
    refused(await signin.http.post("/auth/logout", headers=cookie(token)), 403)
    foreign = cookie(token, Origin="https://evil.example", **CSRF)
    refused(await signin.http.post("/auth/logout", headers=foreign), 403)
    assert (await signin.http.get("/api/users/me", headers=cookie(token))).status_code == 200

    response = await signin.http.post("/auth/logout", headers=cookie(token, **CSRF))
    assert response.json() == {"result": True}
    assert f'{COOKIE}=""' in response.headers["set-cookie"]
    assert "max-age=0" in response.headers["set-cookie"].lower()
    refused(await signin.http.get("/api/users/me", headers=cookie(token)), 401)
    # Again, or with no session at all: nothing to do, still fine.
    for headers in (cookie(token, **CSRF), {}):
        assert (await signin.http.post("/auth/logout", headers=headers)).status_code == 200
    assert await count(session, "SELECT count(*) FROM web_sessions") == 0


# One's own sessions.


async def test_people_list_and_end_their_own_sessions(
    app: FastAPI, client: AsyncClient, make_person: MakePerson
) -> None:
    ann, bob = await make_person("Ann"), await make_person("Bob")
    laptop = await cookie_headers(app, ann.id)
    phone = await cookie_headers(app, ann.id)
    bobs = await cookie_headers(app, bob.id)
    listed = await client.get("/api/sessions", headers=laptop)
    assert listed.status_code == 200, listed.text
    sessions = listed.json()["sessions"]
    assert [s["id"] for s in sessions] == [2, 1] or [s["id"] for s in sessions] == [1, 2]
    assert {s["id"]: s["current"] for s in sessions} == {1: True, 2: False}
    first = next(s for s in sessions if s["id"] == 1)
    assert first.keys() == {
        "id",
        "created_at",
        "last_seen_at",
        "expires_at",
        "user_agent",
        "current",
    }
    assert first["user_agent"] == "tests"
    expires = datetime.fromisoformat(first["expires_at"])
    assert timedelta(days=29) < expires - datetime.now(UTC) <= timedelta(days=30)
    # With the key: the same list, none of them current.
    by_key = (await client.get("/api/sessions", headers=ann.headers)).json()["sessions"]
    assert {s["id"]: s["current"] for s in by_key} == {1: False, 2: False}

    # Bob's session is not Ann's to end.
    refused(await client.delete("/api/sessions/3", headers=laptop), 404, "NotFound")
    refused(await client.delete("/api/sessions/99", headers=laptop), 404, "NotFound")
    assert (await client.get("/api/users/me", headers=bobs)).status_code == 200

    ended = await client.delete("/api/sessions/2", headers=laptop)
    assert ended.json() == {"result": True, "ended": 1}
    assert "set-cookie" not in ended.headers  # not this browser's session
    refused(await client.get("/api/users/me", headers=phone), 401)
    # Signing out everywhere ends this one too, and clears its cookie.
    await cookie_headers(app, ann.id)
    everywhere = await client.delete("/api/sessions", headers=laptop)
    assert everywhere.json() == {"result": True, "ended": 2}
    assert f'{COOKIE}=""' in everywhere.headers["set-cookie"]
    refused(await client.get("/api/users/me", headers=laptop), 401)
    assert (await client.get("/api/users/me", headers=ann.headers)).status_code == 200
    assert (await client.get("/api/users/me", headers=bobs)).status_code == 200


async def test_ending_ones_current_session_clears_its_cookie(
    app: FastAPI, client: AsyncClient, make_person: MakePerson
) -> None:
    ann = await make_person("Ann")
    laptop = await cookie_headers(app, ann.id)
    ended = await client.delete("/api/sessions/1", headers=laptop)
    assert ended.status_code == 200, ended.text
    assert f'{COOKIE}=""' in ended.headers["set-cookie"]
    # By key, with no session at all: nothing ends, nothing fails.
    nothing = await client.delete("/api/sessions", headers=ann.headers)
    assert nothing.json() == {"result": True, "ended": 0}
    assert "set-cookie" not in nothing.headers


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/api/sessions"), ("DELETE", "/api/sessions"), ("DELETE", "/api/sessions/1")],
)
async def test_sessions_need_a_credential(
    app: FastAPI, client: AsyncClient, make_person: MakePerson, method: str, path: str
) -> None:
    ann = await make_person("Ann")
    await cookie_headers(app, ann.id)
    refused(await client.request(method, path), 401, "Unauthorized")
    refused(await client.request(method, path, headers=cookie("not-a-session")), 401)


async def test_an_unsigned_id_token_is_refused_whatever_the_provider_offers(
    oidc_settings: Callable[..., Settings], oidc_provider: Provider
) -> None:
    """A discovery document offering "none" (or a shared-secret HMAC) does not make an
    unsigned token acceptable: only public-key signatures are."""
    oidc_provider.person("ann@example.com")
    real = await oidc_provider.id_token_for(CLIENT_ID, "ann@example.com", nonce="n1")
    claims = real["id_token"].split(".")[1]
    unsigned = f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{claims}."
    ours = OidcProvider(oidc_settings())
    try:
        metadata = await ours.metadata()
        metadata["id_token_signing_alg_values_supported"] = ["none", "HS256", "RS256"]
        with pytest.raises(ProviderError, match="not valid"):
            await ours.claims(unsigned, "n1", None)
        # The genuine token, signed, still passes.
        assert (await ours.claims(real["id_token"], "n1", real["access_token"]))["sub"]
    finally:
        await ours.aclose()


def _b64(value: dict[str, str]) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()


async def test_beginning_sign_ins_has_a_budget_per_address(
    oidc_settings: Callable[..., Settings],
) -> None:
    """Each begun sign-in is a row: an address cannot make them without end."""
    async with running(oidc_settings(rate_limit_reads_per_minute=3)) as (_app, http):
        answers = [(await http.get("/auth/oidc/login")).status_code for _ in range(4)]
        assert answers == [302, 302, 302, 429]
        refused(await http.get("/auth/oidc/login"), 429, "TooManyRequests")


async def test_signing_in_again_in_a_browser_ends_its_earlier_session(
    signin: SignIn, make_person: MakePerson, session: AsyncSession
) -> None:
    """A sign-in never carries on a session the browser had (someone else's, say)."""
    await ann_at(make_person, session, signin.provider)
    first = await signin.through("ann@example.com")
    earlier = first.cookies[COOKIE]
    second = await signin.through("ann@example.com")  # the client sends the first cookie
    assert second.cookies[COOKIE] != earlier
    refused(await signin.http.get("/api/users/me", headers=cookie(earlier)), 401)
    assert await count(session, "SELECT count(*) FROM web_sessions") == 1
