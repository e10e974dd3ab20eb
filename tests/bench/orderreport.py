"""Printing the orders benchmark: one table row per client, the ratios, the targets and the caveats."""

from __future__ import annotations

import math
import os
from collections.abc import Sequence

from tests.bench.figures import RunFigures, ratio
from tests.bench.orders import Cell, OrdersOptions

#: Targets from the issue (reported, never asserted).
SEQUENTIAL_TARGET = 30.0
CPU_TARGET = 2.0

HEADER = (
    f"{'L ms':>5} {'K':>6}  {'client':<40} {'orders':>7} {'s':>6} {'orders/s':>9} {'calls/s':>8} "
    f"{'µs CPU/call':>11} {'sandbox µs/call':>15} {'p50 ms':>7} {'p99 ms':>7} {'RSS MiB':>8} {'non-2xx':>7}"
)


def _num(value: float | None, digits: int = 1) -> str:
    return "-" if value is None or math.isnan(value) else f"{value:,.{digits}f}"


def row(figures: RunFigures, lead: str = "", p50: float | None = None, p99: float | None = None) -> str:
    f = figures
    return (
        f"{lead:>12}  {f.name:<40} {f.orders:>7,} {f.seconds:>6.1f} {_num(f.orders_per_s):>9} "
        f"{_num(f.calls_per_s, 0):>8} {_num(f.cpu_us_per_call, 0):>11} {_num(f.sandbox_us_per_call, 0):>15} "
        f"{_num(p50, 0):>7} {_num(p99, 0):>7} {_num(f.peak_rss_mib):>8} {f.failed:>7,}"
    )


def print_preamble(options: OrdersOptions) -> None:
    print(
        f"real-time orders: {options.orders:,} orders (1-5 lines, ~8 Stream calls each) per cell, or "
        f"{options.cap_s:.0f} s; sequential consumer capped at {options.sequential_cap_s:.0f} s;\n"
        f"worker with its defaults (200 records in flight, 100 connections); latency = Kafka timestamp → "
        f"CHECKOUT accepted,\nmeasured on {options.paced} extra orders paced at {options.paced_per_s:g}/s "
        f"before the backlog. CPU µs/call: the client process's CPU over its Stream calls."
    )
    print(
        f"load average at start: {' '.join(f'{x:.1f}' for x in os.getloadavg())} (on {os.cpu_count()} cores)"
    )
    print(HEADER, flush=True)


def print_cell(cell: Cell) -> None:
    lead = f"{cell.latency_ms:>5.0f} {cell.keys:>6}"
    print(row(cell.worker, lead, cell.latency.p50_ms, cell.latency.p99_ms))
    print(row(cell.sequential))
    print(row(cell.raw))
    print(
        f"{'':>14}ratios: worker ÷ sequential orders/s {_num(_speedup(cell))}x; worker ÷ raw calls/s "
        f"{_num(ratio(cell.worker.calls_per_s, cell.raw.calls_per_s), 2)}; worker ÷ raw CPU/call "
        f"{_num(_cpu_ratio(cell), 2)}x",
        flush=True,
    )


def _speedup(cell: Cell) -> float | None:
    return ratio(cell.worker.orders_per_s, cell.sequential.orders_per_s)


def _cpu_ratio(cell: Cell) -> float | None:
    return ratio(cell.worker.cpu_us_per_call, cell.raw.cpu_us_per_call)


def print_targets(cells: Sequence[Cell]) -> None:
    print("targets (reported, not asserted):")
    for cell in cells:
        where = f"L = {cell.latency_ms:.0f} ms, K = {cell.keys:,}"
        speedup, cpu = _speedup(cell), _cpu_ratio(cell)
        if cell.latency_ms == 50 and cell.keys == 1000:
            print(f"  ≥ {SEQUENTIAL_TARGET:.0f}x the sequential consumer at {where}: {_num(speedup)}x "
                  f"{_verdict(speedup is not None and speedup >= SEQUENTIAL_TARGET)}")  # fmt: skip
        print(f"  worker CPU per Stream call ≤ {CPU_TARGET:.0f}x the raw client's at {where}: "
              f"{_num(cpu, 2)}x {_verdict(cpu is not None and cpu <= CPU_TARGET)}")  # fmt: skip


def _verdict(met: bool) -> str:
    return "(met)" if met else "(MISSED)"


def print_stacks(runs: Sequence[RunFigures]) -> None:
    print("raw client on each HTTP stack (L = 0, K = 1,000; median of repeats by CPU per call):")
    print(HEADER)
    for figures in runs:
        print(row(figures))


def print_caveat() -> None:
    print(f"load average now: {' '.join(f'{x:.1f}' for x in os.getloadavg())} (on {os.cpu_count()} cores)")
    print(
        "caveat: broker, sandbox, worker and this driver share the machine's cores, so rates and "
        "latencies move\nwith whatever else runs (±20 % between runs is normal here); CPU per call is "
        "the steadier figure.\nAt L = 0 the sandbox's own CPU (see sandbox µs/call) bounds every client; "
        "the raw client's row is the median of 3 runs\nwhere one run is cheap (< 10 s)."
    )
