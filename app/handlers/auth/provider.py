"""The app's side of the company's identity provider (OpenID Connect): its discovery
document and signing keys, fetched with one httpx client the app's lifespan owns and
kept; the authorization request; the code exchange; the ID token's checks.

The checks are Authlib's (the `CodeIDToken` claims: iss, aud, exp, iat, nonce, azp,
at_hash), on a token whose signature joserfc (Authlib's JOSE library) verified with
the provider's published keys, as Authlib's own OpenID clients do it. A key id we do
not know makes us fetch the keys again once: providers rotate them. So does a
signature our keys do not verify, since some providers name no key id in their tokens.
"""

import asyncio
import logging
from typing import Any
from urllib.parse import quote_plus, urlencode

import httpx
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from authlib.oidc.core import CodeIDToken
from joserfc import jwt
from joserfc.errors import BadSignatureError, InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet
from joserfc.jws import JWSRegistry

from app.core.config import Settings

logger = logging.getLogger(__name__)

CALLBACK_PATH = "/auth/oidc/callback"
SCOPE = "openid email profile"
# Clocks of the provider and ours may differ a little.
LEEWAY_SECONDS = 120
_TIMEOUT = httpx.Timeout(10.0)


# The ID token signature algorithms accepted (public-key ones).
ASYMMETRIC = frozenset(
    ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA")
)


class ProviderError(Exception):
    """The provider could not be reached, or answered what we cannot use; the message
    is for the server's log, never shown to the person."""


class OidcProvider:
    def __init__(self, settings: Settings, client: httpx.AsyncClient | None = None) -> None:
        assert settings.oidc_issuer
        assert settings.public_url
        self.issuer = settings.oidc_issuer
        self.client_id = settings.oidc_client_id
        self.client_secret = settings.oidc_client_secret.get_secret_value()
        self.redirect_uri = settings.public_url + CALLBACK_PATH
        self.http = client or httpx.AsyncClient(timeout=_TIMEOUT)
        self._metadata: dict[str, Any] | None = None
        self._keys: KeySet | None = None
        self._lock = asyncio.Lock()

    async def aclose(self) -> None:
        await self.http.aclose()

    async def _get_json(self, url: str) -> dict[str, Any]:
        try:
            response = await self.http.get(url)
            response.raise_for_status()
            data = response.json()
        except (httpx.HTTPError, ValueError) as error:
            raise ProviderError(f"GET {url}: {error!r}") from error
        if not isinstance(data, dict):
            raise ProviderError(f"GET {url}: not a JSON object")
        return data

    async def metadata(self) -> dict[str, Any]:
        """The discovery document, fetched once (again after a failure)."""
        if self._metadata is None:
            async with self._lock:
                if self._metadata is None:
                    url = f"{self.issuer}/.well-known/openid-configuration"
                    found = await self._get_json(url)
                    for field in ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri"):
                        if not isinstance(found.get(field), str):
                            raise ProviderError(f"{url} has no {field}")
                    if found["issuer"].rstrip("/") != self.issuer:
                        raise ProviderError(
                            f"{url} names the issuer {found['issuer']!r}, not {self.issuer!r}"
                        )
                    self._metadata = found
        return self._metadata

    async def keys(self, *, again: bool = False) -> KeySet:
        """The provider's signing keys, fetched once, and again when asked to."""
        if self._keys is None or again:
            url = (await self.metadata())["jwks_uri"]
            try:
                self._keys = KeySet.import_key_set(await self._get_json(url))  # type: ignore[arg-type]
            except (JoseError, ValueError, TypeError, KeyError) as error:
                raise ProviderError(f"{url}: not a key set: {error!r}") from error
        return self._keys

    async def authorization_url(self, state: str, nonce: str, code_verifier: str) -> str:
        endpoint = (await self.metadata())["authorization_endpoint"]
        query = urlencode(
            {
                "response_type": "code",
                "client_id": self.client_id,
                "redirect_uri": self.redirect_uri,
                "scope": SCOPE,
                "state": state,
                "nonce": nonce,
                "code_challenge": create_s256_code_challenge(code_verifier),
                "code_challenge_method": "S256",
            }
        )
        return f"{endpoint}{'&' if '?' in endpoint else '?'}{query}"

    async def exchange(self, code: str, code_verifier: str) -> dict[str, Any]:
        """The token answer for the code (the provider refuses a code used before)."""
        metadata = await self.metadata()
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": self.redirect_uri,
            "code_verifier": code_verifier,
        }
        methods = metadata.get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]
        client_auth = httpx.Auth()  # none
        if "client_secret_basic" in methods:
            # Each form-encoded first (RFC 6749, 2.3.1).
            client_auth = httpx.BasicAuth(
                quote_plus(self.client_id), quote_plus(self.client_secret)
            )
        else:  # the credentials in the form instead
            form |= {"client_id": self.client_id, "client_secret": self.client_secret}
        try:
            response = await self.http.post(metadata["token_endpoint"], data=form, auth=client_auth)
            answer = response.json()
        except (httpx.HTTPError, ValueError) as error:
            raise ProviderError(f"token request: {error!r}") from error
        if response.status_code != 200 or not isinstance(answer, dict):
            raise ProviderError(f"token request refused ({response.status_code}): {answer!r}"[:500])
        if not isinstance(answer.get("id_token"), str):
            raise ProviderError("the token answer has no id_token")
        return answer

    async def claims(self, id_token: str, nonce: str, access_token: str | None) -> dict[str, Any]:
        """The ID token's claims once its signature and claims check out."""
        metadata = await self.metadata()
        # Signed by the provider's keys only: never "none", nor a shared-secret HMAC,
        # whatever the discovery document offers.
        offered = metadata.get("id_token_signing_alg_values_supported") or ["RS256"]
        algorithms = [name for name in offered if name in ASYMMETRIC] or ["RS256"]
        registry = JWSRegistry(algorithms=algorithms, strict_check_header=False)
        try:
            try:
                token = jwt.decode(id_token, await self.keys(), registry=registry)
            except (InvalidKeyIdError, BadSignatureError):
                token = jwt.decode(id_token, await self.keys(again=True), registry=registry)
            claims = CodeIDToken(
                token.claims,
                token.header,
                {
                    "iss": {"essential": True, "values": [metadata["issuer"]]},
                    "aud": {"essential": True, "values": [self.client_id]},
                    "exp": {"essential": True},
                },
                {"nonce": nonce, "client_id": self.client_id, "access_token": access_token},
            )
            claims.validate(leeway=LEEWAY_SECONDS)
        except (JoseError, ValueError) as error:
            raise ProviderError(f"the ID token is not valid: {error!r}") from error
        return dict(claims)
