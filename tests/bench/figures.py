"""What one run of the orders benchmark measured, and the arithmetic on it."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class RunFigures:
    """One client (worker or reference) sending orders to a sandbox for ``seconds``.

    ``cpu_s`` is the client process's CPU time over the run (None when not measured), ``sandbox_cpu_s``
    the sandbox's; ``failed`` counts Stream calls not answered 201.
    """

    name: str
    orders: int
    calls: int
    seconds: float
    cpu_s: float | None
    sandbox_cpu_s: float
    failed: int = 0
    peak_rss_mib: float | None = None

    @property
    def orders_per_s(self) -> float:
        return self.orders / self.seconds if self.seconds > 0 else 0.0

    @property
    def calls_per_s(self) -> float:
        return self.calls / self.seconds if self.seconds > 0 else 0.0

    @property
    def cpu_us_per_call(self) -> float | None:
        return None if self.cpu_s is None or not self.calls else self.cpu_s / self.calls * 1e6

    @property
    def sandbox_us_per_call(self) -> float | None:
        return self.sandbox_cpu_s / self.calls * 1e6 if self.calls else None


@dataclass(frozen=True)
class Latency:
    """End-to-end latency (Kafka timestamp → CHECKOUT accepted by the sandbox) of orders paced at ``rate``."""

    rate: float
    samples: int
    missing: int
    p50_ms: float
    p99_ms: float


def percentile(values: Sequence[float], fraction: float) -> float:
    """The nearest-rank percentile (``fraction`` in 0..1) of ``values``; NaN when there are none."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


def median(values: Sequence[float]) -> float:
    return percentile(values, 0.5)


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    if numerator is None or not denominator:
        return None
    return numerator / denominator
