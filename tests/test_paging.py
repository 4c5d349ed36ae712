"""`offset`/`limit` (and the directory's `q`) are validated the same way on every list."""

import pytest
from httpx import AsyncClient

from tests.helpers.api import MakePerson

BAD_PAGING = [
    {"offset": -1},
    {"offset": "x"},
    {"offset": "1.5"},
    {"offset": 2**63},
    {"limit": 0},
    {"limit": 101},
    {"limit": "ten"},
]
LISTS = [
    "/api/tweets",
    "/api/users",
    "/api/users/{me}/tweets",
    "/api/users/{me}/followers",
    "/api/users/{me}/following",
]


@pytest.mark.parametrize(
    ("path", "params"),
    [(path, params) for path in LISTS for params in BAD_PAGING]
    + [("/api/users", {"q": "a\x00b"}), ("/api/users", {"q": "x" * 101})],
)
async def test_bad_list_parameters_are_422_naming_the_field(
    client: AsyncClient, make_person: MakePerson, path: str, params: dict[str, str | int]
) -> None:
    ann = await make_person("Ann")
    response = await client.get(path.format(me=ann.id), params=params, headers=ann.headers)
    assert response.status_code == 422
    assert response.json()["error_type"] == "ValidationError"
    field = next(iter(params))
    assert response.json()["details"][0]["field"] == field
    assert field in response.json()["error_message"]
