"""What a bench scenario yields, whoever drives the load (wrk or the raw-SQL loop)."""

import statistics
from dataclasses import dataclass, replace


def percentiles_ms(latencies_s: list[float]) -> list[float]:
    """The 1st to 99th percentiles of `latencies_s`, in milliseconds (index 49: the
    median); of one latency, that one throughout; of none, 0."""
    if len(latencies_s) < 2:
        return [latencies_s[0] * 1000 if latencies_s else 0.0] * 99
    return [cut * 1000 for cut in statistics.quantiles(latencies_s, n=100, method="inclusive")]


@dataclass(frozen=True)
class Result:
    requests: int
    seconds: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    errors: int = 0
    rounds_rps: tuple[float, ...] = ()  # every round's, when best_of chose one
    # CPU per request in ms, of this round (bench/cpu.py): the web side's and the
    # PostgreSQL server's; None where not measured.
    web_cpu_ms: float | None = None
    db_cpu_ms: float | None = None

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @classmethod
    def best_of(cls, rounds: list["Result"]) -> "Result":
        """The round with the most requests/s (and its own CPU per request), with the
        failures of all of them."""
        best = max(rounds, key=lambda r: r.rps)
        return replace(
            best,
            errors=sum(r.errors for r in rounds),
            rounds_rps=tuple(round(r.rps, 1) for r in rounds),
        )

    @classmethod
    def from_latencies(cls, latencies_s: list[float], seconds: float, errors: int) -> "Result":
        cuts = percentiles_ms(latencies_s)
        return cls(len(latencies_s), seconds, cuts[49], cuts[94], cuts[98], errors)
