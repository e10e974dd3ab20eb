"""A second worker joins mid-run: partitions move with their saved progress; no order is lost or repeated."""

from __future__ import annotations

import json
import time

import httpx

from sandbox.testing import RunningSandbox
from tests.integration.orders.conftest import Topics, WorkerFactory
from tests.integration.orders.test_order_crashes import FAST_GROUP
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


def test_partitions_moving_to_a_new_worker_mid_run_keep_every_order_exactly_once(
    bootstrap: str, topics: Topics, sandbox: RunningSandbox, start_worker: WorkerFactory
) -> None:
    traffic = shop_traffic(guests=100, orders_per_guest=3, seed=13)
    produce_json(producer(bootstrap), topics.source, traffic)
    # CDP answers 25 ms later and each worker sends 20 at a time, so the run outlasts the second
    # worker's join (unthrottled, the first worker finished every record before the second joined).
    slow = {"api": "stream", "latency_ms": {"fixed": 25}}
    httpx.post(f"{sandbox.url}/_sandbox/faults", json=slow, timeout=10).raise_for_status()
    first = start_worker("first", CDPW_MAX_CONCURRENCY="20", **FAST_GROUP)
    wait_until_finished(first, 200, timeout=60)
    second = start_worker("second", CDPW_MAX_CONCURRENCY="20", **FAST_GROUP)
    deadline = time.monotonic() + 180
    while committed_total(bootstrap, topics) < len(traffic) and time.monotonic() < deadline:
        time.sleep(1.0)

    assert order_problems(placed_orders(traffic), sandbox_orders(sandbox.url)) == [], second.tail()
    assert rejections(sandbox.url) == []
    shares = [worker.metric("cdpw_records_finished_total") for worker in (first, second)]
    assert all(share > 0 for share in shares), shares
    assert first.metric("cdpw_rebalances_total", kind="revoked") > 0
    print(json.dumps({"records": len(traffic), "finished_by_worker": shares}))
