"""A real OpenID provider for the sign-in tests: `oidc-provider-mock` (PyPI), an
Authlib-based provider with discovery, JWKS, a login page, authorization codes used
once, and per-person claims set over HTTP. It runs in a thread of the test process on
a free local port; the app (in this process or as `serve`) and Chromium reach it over
real HTTP, as they would a company's provider.

Any client id and secret work at it (it registers clients on first sight), and it
signs in whoever is typed at its login page as `sub`, with the claims last PUT for
that subject.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, quote, urlencode, urlsplit

import httpx
import oidc_provider_mock

CLIENT_ID = "microblog"
CLIENT_SECRET = "microblog-secret"


@dataclass(frozen=True)
class Provider:
    url: str  # the issuer: http://localhost:PORT

    def settings(self, public_url: str, **overrides: object) -> dict[str, object]:
        """The app's settings for signing in here."""
        return {
            "public_url": public_url,
            "oidc_issuer": self.url,
            "oidc_client_id": CLIENT_ID,
            "oidc_client_secret": CLIENT_SECRET,
            "oidc_provider_name": "Test SSO",
        } | overrides

    def env(self, public_url: str, **overrides: object) -> dict[str, str]:
        """The same, as `serve`'s environment variables."""
        return {
            name.upper(): str(value).lower() if isinstance(value, bool) else str(value)
            for name, value in self.settings(public_url, **overrides).items()
        }

    def person(self, email: str, *, verified: bool = True, **claims: Any) -> None:
        """The claims the provider gives whoever signs in as `email` (the subject)."""
        body = {"email": email, "email_verified": verified} | claims
        response = httpx.put(f"{self.url}/users/{quote(email, safe='')}", json=body)
        assert response.status_code == 204, response.text

    async def authorize(self, authorization_url: str, sub: str) -> str:
        """What the login page does when `sub` signs in: the address it sends the
        browser back to (the app's callback with a code and the state)."""
        async with httpx.AsyncClient() as http:
            response = await http.post(authorization_url, data={"sub": sub})
        assert response.status_code == 302, response.text
        return response.headers["location"]

    async def id_token_for(self, client_id: str, sub: str, nonce: str) -> dict[str, Any]:
        """A token answer (with an ID token) for another client of the provider."""
        redirect_uri = "http://elsewhere.test/callback"
        query = {
            "response_type": "code",
            "client_id": client_id,
            "redirect_uri": redirect_uri,
            "scope": "openid email profile",
            "state": "s",
            "nonce": nonce,
        }
        back = await self.authorize(f"{self.url}/oauth2/authorize?{urlencode(query)}", sub)
        code = parse_qs(urlsplit(back).query)["code"][0]
        async with httpx.AsyncClient() as http:
            response = await http.post(
                f"{self.url}/oauth2/token",
                data={
                    "grant_type": "authorization_code",
                    "code": code,
                    "redirect_uri": redirect_uri,
                },
                auth=(client_id, "any"),
            )
        assert response.status_code == 200, response.text
        answer: dict[str, Any] = response.json()
        return answer


@contextmanager
def running_provider() -> Iterator[Provider]:
    # require_nonce: the provider refuses a sign-in request without one, as ours never is.
    with oidc_provider_mock.run_server_in_thread(port=0, require_nonce=True) as server:
        yield Provider(f"http://localhost:{server.server_port}")
