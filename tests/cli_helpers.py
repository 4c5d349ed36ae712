"""Running `python -m app` as a separate process, as a person would."""

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from app.core.config import Settings

ROOT = Path(__file__).resolve().parents[1]

# The child gets only the settings a test names: none from the developer's shell,
# and none from a `.env` (read from the working directory, so that is elsewhere).
_SETTINGS = {name.upper() for name in Settings.model_fields}
NEUTRAL_DIR = Path(tempfile.gettempdir())


def app_env(**settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k.upper() not in _SETTINGS}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env | settings


def app_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "app", *args]


def run_app(
    *args: str, settings: dict[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        app_command(*args),
        cwd=NEUTRAL_DIR,
        env=app_env(**(settings or {})),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
