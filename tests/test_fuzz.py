"""Contract fuzzing: schemathesis generates requests from our own OpenAPI schema,
valid and invalid, against the running service, each sent with an administrator's
key, with none and with a wrong one. No answer may be a 5xx; every answer must have
a documented status code and content type and match its documented schema, and
every error is the envelope.

FUZZ_EXAMPLES (default 200) sets the examples per operation (half valid, half not),
FUZZ_SEED the seed that makes them the same on every run.
"""

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, seed, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from app.core.config import Settings
from app.main import create_app
from tests.helpers.api import ServiceApi, png_picture
from tests.helpers.cli import printed_admin_key, start_serve, stop_serve

# Fuzzes `python -m app serve`, run as a process.
pytestmark = pytest.mark.processes

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "200"))
SEED = int(os.environ.get("FUZZ_SEED", "20261127"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture(scope="module")
def service(
    make_database: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, str]]:
    """`python -m app serve` on a database of its own; its base URL and admin key."""
    folder: Path = tmp_path_factory.mktemp("fuzz")
    settings_env = {
        "DATABASE_URL": make_database(),
        "DATA_DIR": str(folder / "data"),
        # Thousands of requests by one key: budgets would answer 429 to most.
        "RATE_LIMIT_READS_PER_MINUTE": "0",
        "RATE_LIMIT_WRITES_PER_MINUTE": "0",
        "RATE_LIMIT_UPLOADS_PER_MINUTE": "0",
        "LOG_LEVEL": "warning",
    }
    log = folder / "serve.log"
    process, base = start_serve(log, settings=settings_env)
    try:
        key = printed_admin_key(log)
        _some_of_everything(base, key)
        yield base, key
    finally:
        stop_serve(process)
        assert "Traceback" not in log.read_text(), log.read_text()


def _cases() -> list[tuple[str, GenerationMode]]:
    """Every operation of our schema (read from the app itself, no server needed) with
    valid inputs, and with invalid ones where it takes any input at all."""
    document = create_app(Settings(_env_file=None)).openapi()
    cases = []
    for result in schemathesis.openapi.from_dict(document).get_all_operations():
        operation = result.ok()  # type: ignore[union-attr]  # our schema is valid
        cases.append((operation.label, GenerationMode.POSITIVE))
        spec = document["paths"][operation.path][operation.method.lower()]
        if spec.get("parameters") or spec.get("requestBody"):
            cases.append((operation.label, GenerationMode.NEGATIVE))
    return cases


def _some_of_everything(base: str, admin_key: str) -> None:
    """People, follows, tweets with a picture, likes and replies with small ids, which the
    generated ids often are: so answers with content get checked too, not only 404s."""
    api = ServiceApi(base)
    try:
        people = [api.create_person(admin_key, f"Person {n}") for n in range(4)]
        for person in people:
            media_id = api.upload(person, png_picture(6, 6, "teal"), "p.png")
            api.tweet(person, f"By {person.name}", [media_id])
            for other in people:
                if other is not person:
                    api.follow(person, other)
            api.like(person, 1)
            api.like(admin_key, 1)
        # A conversation (replies to replies, a mention) on the small ids, so that
        # threads and replies answer with content too.
        parent = 1
        for person in people:
            answer = api(
                "POST",
                "/api/tweets",
                person.api_key,
                json={"tweet_data": f"@person.0 answers {parent}", "reply_to": parent},
            )
            assert answer.status_code == 201, answer.text
            parent = answer.json()["tweet_id"]
    finally:
        api.close()


_CHANGES_A_PERSON = {"PATCH /api/users/{user_id}", "POST /api/users/{user_id}/api-key"}


def _reading(label: str) -> dict[str, float]:
    """An event stream never ends: schemathesis checks the events of its first second
    (its default, 10 s a request, made GET /api/events the slowest operation by far; a
    quarter of a second was sometimes too short for the answer's first line to come
    while the rest of the suite loaded the machine)."""
    return {"timeout": 1.0} if label == "GET /api/events" else {}


@pytest.fixture(scope="module")
def api_schema(service: tuple[str, str]) -> Any:
    base, _key = service
    return schemathesis.openapi.from_url(f"{base}/openapi.json")


@pytest.mark.parametrize(("label", "mode"), _cases())
def test_the_api_keeps_its_contract(
    api_schema: Any, service: tuple[str, str], label: str, mode: GenerationMode
) -> None:
    base, admin_key = service
    operation = api_schema.find_operation_by_label(label)
    assert operation is not None, label

    @seed(SEED)  # the same examples every run: a failure can be replayed
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES // 2,  # per mode: EXAMPLES per operation in all
        deadline=None,
        suppress_health_check=list(HealthCheck),
        database=None,
    )
    def keeps_it(case: Any) -> None:
        if label in _CHANGES_A_PERSON and str(case.path_parameters.get("user_id")) == "1":
            # Not the administrator whose key every case uses (the service's first
            # person): a new key or a deactivation would leave the rest of the run 401s.
            case.path_parameters["user_id"] = 2
        for key in (admin_key, None, "wrong-key-" + "x" * 33):
            if case.headers:
                case.headers.pop("api-key", None)
            headers = {"api-key": key} if key else {}
            response = case.call_and_validate(
                base_url=base, headers=headers, checks=CHECKS, **_reading(label)
            )
            if response.status_code >= 400:
                body = response.json()
                assert body["result"] is False, response.text
                assert isinstance(body["error_type"], str), response.text
                assert body["error_type"], response.text
                assert isinstance(body["error_message"], str), response.text
                assert body["error_message"], response.text

    keeps_it()
