"""Real-time orders: the worker against the sandbox, beside a sequential consumer and a raw client.

One cell per (injected Stream latency L, number of keys K). Each client gets a fresh sandbox with
the same latency rule and the same orders (fresh topics too): the worker (latency phase, then the
backlog), the sequential consumer (same backlog from Kafka, time-capped), the raw client (same
requests, no Kafka). Optionally the raw client is run on every HTTP stack of
:mod:`tests.bench.transports` to compare their CPU per call. Figures are printed, never asserted.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tests.bench.figures import Latency, RunFigures, median
from tests.bench.orderload import order_traffic, publish_backlog
from tests.bench.references import RawOptions, raw_client, sequential_consumer
from tests.bench.stage import start_sandbox
from tests.bench.transports import STACKS
from tests.bench.workerrun import WorkerRunOptions, run_worker
from tests.support.stack import fresh_topics

#: A raw client run shorter than this is repeated (median taken); longer ones run once.
CHEAP_S = 10.0
#: Time cap of each run of the HTTP stack comparison.
STACK_CAP_S = 12.0


@dataclass(frozen=True)
class OrdersOptions:
    """Size of every cell; caps keep the slow cells (sequential at 50 ms, K = 10) short."""

    orders: int = 2000
    paced: int = 100
    paced_per_s: float = 10.0
    cap_s: float = 25.0
    sequential_cap_s: float = 20.0
    raw_repeats: int = 3
    latencies_ms: tuple[float, ...] = (0.0, 50.0)
    keys: tuple[int, ...] = (10, 1000)
    transport_orders: int = 300


@dataclass(frozen=True)
class Cell:
    latency_ms: float
    keys: int
    worker: RunFigures
    latency: Latency
    sequential: RunFigures
    raw: RunFigures


def run(bootstrap: str, options: OrdersOptions, report: Callable[[Cell], None]) -> list[Cell]:
    """Every (L, K) cell, reported as soon as it is measured."""
    workdir = Path(tempfile.mkdtemp(prefix="cdpw-bench-orders-"))
    cells = []
    for latency_ms in options.latencies_ms:
        for keys in options.keys:
            cell = run_cell(bootstrap, workdir, latency_ms, keys, options)
            report(cell)
            cells.append(cell)
    return cells


def run_cell(bootstrap: str, workdir: Path, latency_ms: float, keys: int, options: OrdersOptions) -> Cell:
    traffic = order_traffic(options.paced, options.orders, keys)
    worker_options = WorkerRunOptions(options.paced_per_s, options.cap_s)
    sandbox = start_sandbox(workdir, latency_ms)
    try:
        measured = run_worker(
            bootstrap, fresh_topics(bootstrap, "bench-orders"), sandbox, traffic, worker_options
        )
    finally:
        sandbox.stop()
    sequential = _sequential(bootstrap, workdir, latency_ms, traffic.backlog, options)
    repeats = options.raw_repeats if latency_ms == 0 else 1
    raw = raw_median(workdir, latency_ms, traffic.backlog, RawOptions(cap_s=options.cap_s), repeats)
    return Cell(latency_ms, keys, measured.throughput, measured.latency, sequential, raw)


def _sequential(
    bootstrap: str, workdir: Path, latency_ms: float, backlog: list[tuple[str, dict[str, object]]],
    options: OrdersOptions,
) -> RunFigures:  # fmt: skip
    topics = fresh_topics(bootstrap, "bench-sequential")
    publish_backlog(bootstrap, topics.source, backlog)
    sandbox = start_sandbox(workdir, latency_ms)
    try:
        return sequential_consumer(bootstrap, topics.source, sandbox, len(backlog), options.sequential_cap_s)
    finally:
        sandbox.stop()


def raw_median(
    workdir: Path, latency_ms: float, backlog: list[tuple[str, dict[str, object]]], options: RawOptions,
    repeats: int,
) -> RunFigures:  # fmt: skip
    """The raw client's run with the median CPU per call among ``repeats`` (each on a fresh sandbox).

    Repeats only while they are cheap: a first run longer than ``CHEAP_S`` is not repeated.
    """
    runs: list[RunFigures] = []
    for _ in range(max(1, repeats)):
        if runs and runs[0].seconds > CHEAP_S:
            break
        sandbox = start_sandbox(workdir, latency_ms)
        try:
            runs.append(raw_client(sandbox, backlog, options))
        finally:
            sandbox.stop()
    middle = median([run.cpu_us_per_call or 0.0 for run in runs])
    return next(run for run in runs if (run.cpu_us_per_call or 0.0) == middle)


def stack_variants() -> list[RawOptions]:
    """Every HTTP stack with the worker's default concurrency and connection count."""
    return [RawOptions(cap_s=STACK_CAP_S, stack=stack) for stack in STACKS]


def compare_stacks(options: OrdersOptions, keys: int = 1000) -> list[RunFigures]:
    """The raw client on every variant, L = 0, ``keys`` keys (median of ``raw_repeats`` where cheap)."""
    workdir = Path(tempfile.mkdtemp(prefix="cdpw-bench-stacks-"))
    backlog = order_traffic(0, options.transport_orders, keys, seed=13).backlog
    return [raw_median(workdir, 0.0, backlog, raw, options.raw_repeats) for raw in stack_variants()]
