from typing import Annotated

from pydantic import Field

from app.handlers.shared.schemas import Ok


class OidcInfo(Ok):
    enabled: Annotated[bool, Field(description="Whether signing in with the provider is offered")]
    provider_name: Annotated[
        str, Field(description='What the button says: "Sign in with <provider_name>"')
    ]
