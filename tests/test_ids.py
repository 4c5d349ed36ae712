"""Ids in paths: unknown ones are 404, malformed or out-of-range ones 422, on every route."""

import pytest
from httpx import AsyncClient

from tests.helpers.api import MakePerson

ROUTES_WITH_IDS = [
    ("DELETE", "/api/tweets/{}"),
    ("POST", "/api/tweets/{}/likes"),
    ("DELETE", "/api/tweets/{}/likes"),
    ("GET", "/api/users/{}"),
    ("GET", "/api/tweets/{}/likes"),
    ("GET", "/api/users/{}/tweets"),
    ("GET", "/api/users/{}/followers"),
    ("GET", "/api/users/{}/following"),
    ("POST", "/api/users/{}/follow"),
    ("DELETE", "/api/users/{}/follow"),
]


@pytest.mark.parametrize(
    ("given", "status", "error_type"),
    [
        ("999", 404, "NotFound"),
        (str(2**63 - 1), 404, "NotFound"),
        ("0", 422, "ValidationError"),
        ("-1", 422, "ValidationError"),
        ("abc", 422, "ValidationError"),
        ("1.5", 422, "ValidationError"),
        (str(2**63), 422, "ValidationError"),
        ("%00", 422, "ValidationError"),
    ],
)
@pytest.mark.parametrize(("method", "template"), ROUTES_WITH_IDS)
async def test_unknown_and_malformed_ids(
    client: AsyncClient,
    make_person: MakePerson,
    method: str,
    template: str,
    given: str,
    status: int,
    error_type: str,
) -> None:
    ann = await make_person("Ann")
    response = await client.request(method, template.format(given), headers=ann.headers)
    assert response.status_code == status
    assert response.json()["result"] is False
    assert response.json()["error_type"] == error_type
