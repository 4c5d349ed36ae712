"""What a bench scenario yields, whoever drives the load (wrk or the raw-SQL loop)."""

import statistics
from dataclasses import dataclass, replace


@dataclass(frozen=True)
class Result:
    requests: int
    seconds: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    errors: int = 0
    rounds_rps: tuple[float, ...] = ()  # every round's, when best_of chose one

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @classmethod
    def best_of(cls, rounds: list["Result"]) -> "Result":
        """The round with the most requests/s, with the failures of all of them."""
        best = max(rounds, key=lambda r: r.rps)
        return replace(
            best,
            errors=sum(r.errors for r in rounds),
            rounds_rps=tuple(round(r.rps, 1) for r in rounds),
        )

    @classmethod
    def from_latencies(cls, latencies_s: list[float], seconds: float, errors: int) -> "Result":
        if len(latencies_s) < 2:
            only = latencies_s[0] * 1000 if latencies_s else 0.0
            return cls(len(latencies_s), seconds, only, only, only, errors)
        cuts = statistics.quantiles(latencies_s, n=100, method="inclusive")
        return cls(
            len(latencies_s),
            seconds,
            cuts[49] * 1000,
            cuts[94] * 1000,
            cuts[98] * 1000,
            errors,
        )
