#!/usr/bin/env python3
"""Set up and run the project on a machine that has only Python 3.11+.

    python3 dev.py serve [--demo]   install the runtime into .venv, start the service
    python3 dev.py test [ARGS]      install test tools into .venv, run the whole suite in
                                    parallel with coverage (ARGS go to pytest)
    python3 dev.py test --quick     the fast tests only: not browser, processes or bench
    python3 dev.py lint             ruff check, ruff format --check, mypy, the JS checks
    python3 dev.py fmt              fix what ruff and the JS formatter can fix
    python3 dev.py lock             rewrite requirements/*.txt from requirements/*.in
    python3 dev.py bench COMMAND    the benchmark: seed, run, migration (docs/performance.md)
    python3 dev.py ANY ARGS         any other `python -m app` command (users create NAME, ...)

Only the standard library is used here. Requirements are installed from the
hash-locked files in requirements/, again only when one of them changes.
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
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
LOCKS = ROOT / "requirements"
# The development start: the service and its embedded PostgreSQL.
RUNTIME = LOCKS / "embedded.txt"
DEV = LOCKS / "dev.txt"
# What `lock` writes from each .in file, in this order: dev.txt first, so the
# others take the same versions (it constrains them).
LOCK_ORDER = ("dev", "embedded", "runtime")
# The slow kinds, each a pytest marker (pyproject.toml); --quick leaves them out.
SLOW_MARKERS = ("browser", "processes", "bench")
# Workers for the parallel suite. Part of its time is spent waiting on the servers
# and browsers it starts, so one more worker than this machine's 2 cores pays; each
# worker also starts its own PostgreSQL and image_saver, so more cost more (measured:
# 2 workers 234 s, 3 225 s, 4 254 s). Work stealing evens out the few long tests.
TEST_WORKERS = "3"


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
    digest = hashlib.sha256(requirements.read_bytes()).hexdigest()
    stamp = VENV / f".installed-{requirements.name}"
    if stamp.exists() and stamp.read_text() == digest:
        return
    _say(f"installing requirements/{requirements.name} (first run takes a minute)")
    pip = [str(PYTHON), "-m", "pip", "install", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "--require-hashes", "-r", str(requirements)], check=True, cwd=ROOT)
    stamp.write_text(digest)


def run(*command: str) -> int:
    return subprocess.run(command, cwd=ROOT, check=False).returncode


def _js_check(fix: bool) -> int:
    from tools import jscheck  # standard library only, like this file

    return int(jscheck.main(fix=fix, venv_bin=BIN))


def test(args: list[str]) -> int:
    ensure_venv(DEV)
    # What coverage measures and its floor: pyproject.toml. (--cov takes an optional
    # value: the next option keeps it from eating a test path given after it.)
    options = ["--cov", "--cov-report=term-missing:skip-covered"]
    if args:
        # The floor is for the whole suite; a part of it is not expected to reach it.
        options.append("--cov-fail-under=0")
    if not any(arg.startswith(("-n", "--numprocesses")) for arg in args):
        options += ["--numprocesses", TEST_WORKERS, "--dist", "worksteal"]
    if "--quick" in args:
        args = [arg for arg in args if arg != "--quick"]
        options += ["-m", " and ".join(f"not {marker}" for marker in SLOW_MARKERS)]
    return run(str(PYTHON), "-m", "pytest", *options, *args)


def lint() -> int:
    ensure_venv(DEV)
    checks = [
        ["ruff", "check", "."],
        ["ruff", "format", "--check", "."],
        ["mypy"],
    ]
    failed = [" ".join(c) for c in checks if run(str(PYTHON), "-m", *c) != 0]
    if _js_check(fix=False) != 0:
        failed.append("tools/jscheck.py")
    if failed:
        _say("failed: " + ", ".join(failed))
        return 1
    return 0


def fmt() -> int:
    ensure_venv(DEV)
    run(str(PYTHON), "-m", "ruff", "check", "--fix", "--quiet", ".")
    status = run(str(PYTHON), "-m", "ruff", "format", ".")
    return status or _js_check(fix=True)


def lock() -> int:
    ensure_venv(DEV)
    for name in LOCK_ORDER:
        constrain = [] if name == "dev" else ["--constraint", "dev.txt"]
        status = subprocess.run(
            [str(BIN / "uv"), "pip", "compile", f"{name}.in", *constrain, "--universal",
             "--python-version", "3.11", "--generate-hashes", "--no-header", "--quiet",
             "--output-file", f"{name}.txt"],
            cwd=LOCKS, check=False,
        ).returncode  # fmt: skip
        if status:
            return status
    _say("requirements/*.txt rewritten; commit them with the .in change")
    return 0


def main(argv: list[str]) -> int:
    if not argv or argv[0] in {"-h", "--help", "help"}:
        print(__doc__)
        return 0
    command, *rest = argv
    if command == "test":
        return test(rest)
    if command == "lint":
        return lint()
    if command == "fmt":
        return fmt()
    if command == "lock":
        return lock()
    ensure_venv(RUNTIME)
    os.chdir(ROOT)
    module = "bench" if command == "bench" else "app"
    arguments = rest if command == "bench" else [command, *rest]
    os.execv(PYTHON, [str(PYTHON), "-m", module, *arguments])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
