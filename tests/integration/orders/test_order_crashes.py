"""kill -9 of the worker at 20 random moments: every order still arrives exactly once, complete."""

from __future__ import annotations

import json
import random
import time
from collections import Counter

import httpx
import pytest

from sandbox.testing import RunningSandbox
from tests.integration.orders.conftest import Topics, WorkerFactory
from tests.integration.orders.test_orders import wait_until_finished
from tests.integration.orders.traffic import (
    order_problems,
    placed_orders,
    rejections,
    sandbox_orders,
    shop_traffic,
)
from tests.support.kafka import produce_json, producer
from tests.support.stack import committed_total

KILLS = 20
#: Fast group membership, so a killed member's partitions move on quickly.
FAST_GROUP = {"CDPW_KAFKA_SESSION_TIMEOUT_MS": "1000", "CDPW_KAFKA_HEARTBEAT_INTERVAL_MS": "300"}


@pytest.mark.slow  # 20 restarts of a worker process (start, join, restore) take about a minute and a half
@pytest.mark.timeout(900)  # on a loaded 2-core machine the restarts take several times longer
def test_twenty_kill_9s_lose_and_duplicate_no_order(
    bootstrap: str, topics: Topics, sandbox: RunningSandbox, start_worker: WorkerFactory
) -> None:
    traffic = shop_traffic(guests=200, orders_per_guest=5, seed=9)
    expected = placed_orders(traffic)
    produce_json(producer(bootstrap), topics.source, traffic)
    # CDP answers 25 ms later and the worker sends 10 at a time, so the run outlasts the 20 kills.
    slow = {"api": "stream", "latency_ms": {"fixed": 25}}
    httpx.post(f"{sandbox.url}/_sandbox/faults", json=slow, timeout=10).raise_for_status()
    rng = random.Random(20)
    started = time.monotonic()
    for kill in range(KILLS):
        assert committed_total(bootstrap, topics) < len(traffic), (
            f"all done before kill {kill}: no crash left"
        )
        worker = start_worker(f"w{kill}", CDPW_MAX_CONCURRENCY="10", **FAST_GROUP)
        wait_until_finished(worker, 1, timeout=60)  # kill while orders are being sent, not during start-up
        time.sleep(rng.uniform(0.0, 1.5))
        worker.kill()
    httpx.delete(f"{sandbox.url}/_sandbox/faults", timeout=10).raise_for_status()
    progress_at_last_kill = committed_total(bootstrap, topics)
    last = start_worker("last", **FAST_GROUP)
    deadline = time.monotonic() + 300
    while committed_total(bootstrap, topics) < len(traffic) and time.monotonic() < deadline:
        time.sleep(1.0)
    elapsed = time.monotonic() - started

    orders = sandbox_orders(sandbox.url)
    assert order_problems(expected, orders) == [], last.tail()
    rejected = rejections(sandbox.url)
    # A CHECKOUT that may have landed before a crash is looked up over REST, not repeated blindly.
    assert rejected == [], rejected
    print(json.dumps({"kills": KILLS, "seconds": round(elapsed, 1), "records": len(traffic),
                      "committed_at_last_kill": progress_at_last_kill, "orders": len(orders),
                      "rejections": dict(Counter(r["reason"] for r in rejected))}))  # fmt: skip
