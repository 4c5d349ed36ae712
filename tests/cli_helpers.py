"""Running `python -m app` as a separate process, as a person would."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# Settings the developer's shell may carry must not leak into the process under test.
_SETTINGS = ("DATABASE_URL", "DATA_DIR", "MAX_TWEET_LENGTH", "IMAGE_SAVER_URL", "LOG_LEVEL")


def app_env(**settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _SETTINGS}
    return env | settings


def run_app(
    *args: str, settings: dict[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app", *args],
        cwd=ROOT,
        env=app_env(**(settings or {})),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
