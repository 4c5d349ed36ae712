"""The parts of a bench run: the real server as a process, wrk driving it, and
the memory its workers use meanwhile."""

import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from app.core.embedded_images import free_port
from bench.measure import Result

WRK_SCRIPT = Path(__file__).with_name("wrk.lua")
ROOT = Path(__file__).resolve().parents[1]  # the repository: bench/ sits at its top


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    api_key: str = ""
    body: str = ""
    # A web session's token, sent as the web app's cookie is (with X-Requested-With).
    session: str = ""

    def line(self) -> str:
        return f"{self.method}\t{self.path}\t{self.api_key}\t{self.session}\t{self.body}"


_NEVER_SPENT = str(10**9)


class Server:
    """`python -m app serve` on a free port, on the given database."""

    def __init__(
        self, database_url: str, workers: int, log: Path, settings: dict[str, str] | None = None
    ) -> None:
        self.database_url = database_url
        self.workers = workers
        self.log = log
        self.settings = settings or {}  # more of the app's settings, as its environment
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None

    @contextmanager
    def running(self) -> Iterator["Server"]:
        with tempfile.TemporaryDirectory(prefix="microblog-bench-") as data_dir:
            env = {
                **os.environ,
                "DATABASE_URL": self.database_url,
                "DATA_DIR": data_dir,  # its image_saver's folder; the database is given
                # The rate limit runs as in production (the key's lookup, the
                # counting), with budgets no wrk run can spend: wrk sends far more
                # per api key than a person could.
                "RATE_LIMIT_READS_PER_MINUTE": _NEVER_SPENT,
                "RATE_LIMIT_WRITES_PER_MINUTE": _NEVER_SPENT,
                "RATE_LIMIT_UPLOADS_PER_MINUTE": _NEVER_SPENT,
                "PYTHONPATH": str(ROOT),
                **self.settings,
            }
            command = [sys.executable, "-m", "app", "serve", "--port", str(self.port)]
            command += ["--workers", str(self.workers)]
            with self.log.open("ab") as log:
                self.process = subprocess.Popen(  # noqa: S603 - our own command
                    command,
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    cwd=ROOT,
                    start_new_session=True,  # its workers and image_saver: one group to kill
                )
            try:
                self._wait_ready()
                yield self
            finally:
                self.process.send_signal(signal.SIGTERM)
                try:
                    self.process.wait(timeout=40)
                except subprocess.TimeoutExpired:
                    os.killpg(self.process.pid, signal.SIGKILL)
                    self.process.wait()

    def _wait_ready(self) -> None:
        assert self.process is not None
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited; see {self.log}")
            try:
                if httpx.get(self.url + "/ready", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.3)
        raise RuntimeError(f"the server did not become ready; see {self.log}")

    def worker_pids(self) -> list[int]:
        """The processes answering requests: the workers, or the server itself if it has one."""
        assert self.process is not None
        if self.workers == 1:
            return [self.process.pid]
        return [
            pid
            for pid in descendants(self.process.pid)
            if b"spawn_main" in read_proc(f"/proc/{pid}/cmdline")
        ]


def read_proc(path: str) -> bytes:
    try:
        with open(path, "rb") as file:
            return file.read()
    except OSError:
        return b""


def stat_fields(pid: int) -> list[bytes]:
    """/proc/<pid>/stat after the command name, from the state on (field 3 of proc(5):
    index 0 here; the parent is index 1); empty once the process is gone."""
    stat = read_proc(f"/proc/{pid}/stat")
    # The command name in parentheses may hold spaces: the fields follow its last ")".
    return stat[stat.rfind(b")") + 2 :].split()


def descendants(root: int) -> list[int]:
    """Every process below `root` (Linux /proc)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            fields = stat_fields(int(entry))
            if len(fields) > 1:
                children.setdefault(int(fields[1]), []).append(int(entry))
    found, todo = [], [root]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def rss_mb(pid: int) -> float:
    for line in read_proc(f"/proc/{pid}/status").decode().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


@contextmanager
def peak_rss(server: Server) -> Iterator[dict[str, float]]:
    """The largest resident memory of any one worker while the block runs, in MB."""
    peak = {"mb": 0.0}
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            for pid in server.worker_pids():
                peak["mb"] = max(peak["mb"], rss_mb(pid))
            stop.wait(0.25)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        yield peak
    finally:
        stop.set()
        sampler.join()


def wrk(
    base_url: str,
    requests: list[Request],
    connections: int,
    seconds: float,
    folder: Path,
    threads: int = 1,
) -> Result:
    """Drive `base_url` with wrk (one thread unless asked: the server has the other
    cores), each thread holding its share of the keep-alive connections."""
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", dir=folder, suffix=".requests", delete=False) as file:
        file.write("\n".join(r.line() for r in requests) + "\n")
    try:
        command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{max(1, round(seconds))}s"]
        command += ["--timeout", "10s", "-s", str(WRK_SCRIPT), base_url]
        done = subprocess.run(  # noqa: S603 - wrk, found on PATH by the caller's check
            command,
            env={**os.environ, "BENCH_REQUESTS": file.name},
            capture_output=True,
            text=True,
            check=True,
        )
    finally:
        os.unlink(file.name)
    line = next(x for x in done.stdout.splitlines() if x.startswith("BENCH-RESULT "))
    raw = json.loads(line.removeprefix("BENCH-RESULT "))
    return Result(
        requests=raw["requests"],
        seconds=raw["duration_us"] / 1e6,
        p50_ms=raw["p50_us"] / 1000,
        p95_ms=raw["p95_us"] / 1000,
        p99_ms=raw["p99_us"] / 1000,
        errors=sum(raw["errors"].values()),
    )
