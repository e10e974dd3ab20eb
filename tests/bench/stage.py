"""The stage of one benchmark run: a fresh sandbox with injected Stream latency, fresh topics, readings."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import httpx

from sandbox.testing import RunningSandbox, start_sandbox_process
from tests.bench.procstat import cpu_seconds


def start_sandbox(workdir: Path, latency_ms: float) -> RunningSandbox:
    """An in-memory sandbox whose Stream API answers ``latency_ms`` later than it would (0: no fault)."""
    rules = [{"api": "stream", "latency_ms": {"fixed": latency_ms}}] if latency_ms else []
    return start_sandbox_process(workdir, fault=rules, fault_seed=1)


def sandbox_cpu(sandbox: RunningSandbox) -> float:
    return cpu_seconds(sandbox.process.pid)


def order_created_at(sandbox: RunningSandbox, limit: int) -> dict[str, float]:
    """Each order's reference id → when the sandbox created it (its CHECKOUT acceptance), epoch seconds.

    The sandbox's clock is this machine's wall clock (never advanced here), like the Kafka timestamps.
    """
    response = httpx.get(f"{sandbox.url}/_sandbox/orders", params={"limit": str(limit)}, timeout=60)
    response.raise_for_status()
    return {
        item["referenceId"]: datetime.fromisoformat(item["createdAt"]).timestamp()
        for item in response.json()["items"]
    }


def sandbox_stats(sandbox: RunningSandbox) -> dict[str, object]:
    """The sandbox's counts: ``orders``, ``events`` (accepted Stream events), ``rejections``..."""
    response = httpx.get(f"{sandbox.url}/_sandbox/stats", timeout=30)
    response.raise_for_status()
    stats: dict[str, object] = response.json()
    return stats
