#!/usr/bin/env python3
"""Set up and run the project on a machine that has only Python 3.11+.

    python3 dev.py serve [--demo]   install the runtime into .venv, start the service
    python3 dev.py test [ARGS]      install test tools into .venv, run the test suite
    python3 dev.py lint             ruff check, ruff format --check, mypy
    python3 dev.py ANY ARGS         any other `python -m app` command (users create NAME, ...)

Only the standard library is used here. Requirements are reinstalled only when a
requirements file changes.
"""

from __future__ import annotations  # so an old Python reaches the version check

import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
PYTHON = VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
RUNTIME = ROOT / "requirements.txt"
DEV = ROOT / "requirements-dev.txt"


def _say(message: str) -> None:
    print(f"[dev.py] {message}", file=sys.stderr, flush=True)


def ensure_venv(requirements: Path) -> None:
    if sys.version_info < (3, 11):
        sys.exit("Python 3.11 or newer is needed; this is " + sys.version.split()[0])
    created = VENV / ".created"
    if not created.exists():
        # Also redo a venv that a failed earlier attempt left half made (no pip, say).
        shutil.rmtree(VENV, ignore_errors=True)
        _say(f"creating {VENV}")
        try:
            venv.create(VENV, with_pip=True)
        except Exception as error:
            shutil.rmtree(VENV, ignore_errors=True)
            sys.exit(
                f"Could not create {VENV}: {error}. On Debian/Ubuntu: apt-get install python3-venv"
            )
        created.touch()
    files = [RUNTIME, DEV] if requirements == DEV else [RUNTIME]
    digest = hashlib.sha256(b"".join(f.read_bytes() for f in files)).hexdigest()
    stamp = VENV / f".installed-{requirements.name}"
    if stamp.exists() and stamp.read_text() == digest:
        return
    _say(f"installing {requirements.name} (first run takes a minute)")
    pip = [str(PYTHON), "-m", "pip", "install", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "-r", str(requirements)], check=True, cwd=ROOT)
    stamp.write_text(digest)


def run(*command: str) -> int:
    return subprocess.run(command, cwd=ROOT, check=False).returncode


def main(argv: list[str]) -> int:
    if not argv or argv[0] in {"-h", "--help", "help"}:
        print(__doc__)
        return 0
    command, *rest = argv
    if command == "test":
        ensure_venv(DEV)
        return run(str(PYTHON), "-m", "pytest", *rest)
    if command == "lint":
        ensure_venv(DEV)
        checks = [
            ["ruff", "check", "."],
            ["ruff", "format", "--check", "."],
            ["mypy"],
        ]
        failed = [" ".join(c) for c in checks if run(str(PYTHON), "-m", *c) != 0]
        if failed:
            _say("failed: " + ", ".join(failed))
            return 1
        return 0
    ensure_venv(RUNTIME)
    os.chdir(ROOT)
    os.execv(PYTHON, [str(PYTHON), "-m", "app", command, *rest])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
