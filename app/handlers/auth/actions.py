"""Signing in with the identity provider: a sign-in begins (its state, nonce and PKCE
verifier kept for the callback) and ends with a person found by their verified e-mail,
or made from the claims when OIDC_AUTO_CREATE allows, and a new session.

Every refusal is a `Refused` with a code the web app explains in the person's
language, and a reason for the server's log alone.
"""

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from authlib.common.security import generate_token
from sqlalchemy import delete, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.config import Settings
from app.core.exceptions import AppError, ValidationFailed
from app.core.models import OidcLogin, User
from app.handlers.admin import audit
from app.handlers.auth.provider import OidcProvider, ProviderError
from app.handlers.users.actions import create_user
from app.handlers.users.schemas import MAX_NAME_LENGTH

logger = logging.getLogger(__name__)

# A sign-in left at the provider for longer must be started again.
LOGIN_EXPIRES = timedelta(minutes=10)
MAX_RETURN_TO = 300

# The codes the web app's sign-in page explains (messages "signin.error.<code>").
NO_ACCOUNT = "no_account"
DEACTIVATED = "deactivated"
UNVERIFIED_EMAIL = "unverified_email"
EXPIRED = "expired"  # the state is unknown, used or too old
DENIED = "denied"  # the person (or the provider) said no at the provider
FAILED = "failed"  # anything else: the provider, its answer, its token


class Refused(Exception):
    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


def local_path(return_to: str) -> str:
    """`return_to` if it is a path of this site; 422 for anything that could lead
    elsewhere (another host, a scheme, `//host`, a backslash browsers read as `/`)."""
    if (
        not return_to.startswith("/")
        or return_to.startswith("//")
        or "\\" in return_to
        or any(ord(c) < 0x21 or c == "\x7f" for c in return_to)
        or len(return_to) > MAX_RETURN_TO
    ):
        raise ValidationFailed(
            "return_to must be a path of this site, such as /people", "return_to"
        )
    return return_to


async def begin(session: AsyncSession, provider: OidcProvider, return_to: str) -> tuple[str, str]:
    """Keep a new sign-in's secrets; the provider's address to send the browser to, and
    the sign-in's state (which the browser keeps too, for the callback to compare)."""
    return_to = local_path(return_to)
    state, nonce, verifier = generate_token(43), generate_token(43), generate_token(96)
    url = await provider.authorization_url(state, nonce, verifier)
    # Sign-ins abandoned at the provider: a few rows, removed as new ones begin.
    await session.execute(
        delete(OidcLogin).where(OidcLogin.created_at < func.now() - LOGIN_EXPIRES)
    )
    await session.execute(
        insert(OidcLogin).values(
            state=state, nonce=nonce, code_verifier=verifier, return_to=return_to
        )
    )
    return url, state


@dataclass(frozen=True)
class SignedIn:
    user: User
    return_to: str


async def finish(
    session: AsyncSession, provider: OidcProvider, settings: Settings, state: str, code: str
) -> SignedIn:
    """The person the provider vouches for; the state's row goes whatever happens, so
    a state (and the code it came with) works once."""
    login = (
        await session.execute(
            delete(OidcLogin)
            .where(OidcLogin.state == state)
            .returning(
                OidcLogin.nonce,
                OidcLogin.code_verifier,
                OidcLogin.return_to,
                OidcLogin.created_at > func.now() - LOGIN_EXPIRES,
            )
        )
    ).one_or_none()
    if login is None:
        raise Refused(EXPIRED, "unknown or already used state")
    nonce, verifier, return_to, fresh = login
    if not fresh:
        raise Refused(EXPIRED, "the sign-in began more than 10 minutes ago")
    try:
        tokens = await provider.exchange(code, verifier)
        claims = await provider.claims(tokens["id_token"], nonce, tokens.get("access_token"))
    except ProviderError as error:
        raise Refused(FAILED, str(error)) from error
    try:
        return SignedIn(await person_for(session, claims, settings), return_to)
    except (AppError, IntegrityError) as error:
        # A person not made after all (claims no name rule takes, a race lost twice):
        # the sign-in page says so, rather than a bare error on the callback.
        raise Refused(FAILED, f"no person for the claims: {error!r}"[:300]) from error


async def person_for(session: AsyncSession, claims: dict[str, Any], settings: Settings) -> User:
    email = claims.get("email")
    if not isinstance(email, str) or "@" not in email:
        raise Refused(UNVERIFIED_EMAIL, f"no e-mail claim for sub {claims.get('sub')!r}")
    # Some providers (Amazon Cognito) send it as a string.
    if claims.get("email_verified") not in (True, "true"):
        raise Refused(UNVERIFIED_EMAIL, f"{email}: email_verified is not true")
    user = await _by_email(session, email)
    if user is None:
        if not settings.oidc_auto_create:
            raise Refused(NO_ACCOUNT, f"{email}: nobody has this e-mail (OIDC_AUTO_CREATE is off)")
        user = await _create(session, email, claims)
    if not user.active:
        raise Refused(DEACTIVATED, f"{email}: person {user.id} is deactivated")
    return user


async def _by_email(session: AsyncSession, email: str) -> User | None:
    found = await session.scalars(select(User).where(func.lower(User.email) == email.lower()))
    return found.one_or_none()


def _name(email: str, claims: dict[str, Any]) -> str:
    given = " ".join(
        str(claims[part]).strip()
        for part in ("given_name", "family_name")
        if isinstance(claims.get(part), str)
    )
    for candidate in (claims.get("name"), given, claims.get("preferred_username")):
        if isinstance(candidate, str) and candidate.strip() and candidate.isprintable():
            return candidate.strip()[:MAX_NAME_LENGTH]
    return email.split("@", 1)[0][:MAX_NAME_LENGTH]


async def _create(session: AsyncSession, email: str, claims: dict[str, Any]) -> User:
    """A new person from the claims; if the same person's first two sign-ins race,
    the one that loses finds the other's."""
    try:
        async with session.begin_nested():
            user, _key = await create_user(session, _name(email, claims))
            user.email = email
            await session.flush()
            # On record as the command line's are: by no administrator.
            await audit.record(
                session,
                None,
                "create_person",
                "person",
                user.id,
                {"name": [None, user.name], "email": [None, email], "via": [None, "sign-in"]},
            )
    except IntegrityError:
        found = await _by_email(session, email)
        if found is None:
            raise
        return found
    logger.info("OIDC sign-in made person %s for %s", user.id, email)
    return user
