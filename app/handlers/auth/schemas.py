from typing import Annotated

from pydantic import Field

from app.handlers.shared.schemas import Ok


class OidcInfo(Ok):
    enabled: Annotated[bool, Field(description="Whether signing in with the provider is offered")]
    signed_in: Annotated[
        bool,
        Field(description="Whether this browser's session cookie signs it in (the web app asks)"),
    ]
    provider_name: Annotated[
        str, Field(description='What the button says: "Sign in with <provider_name>"')
    ]
