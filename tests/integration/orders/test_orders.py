"""Real-time orders end to end: broker → worker process → strict CDP sandbox, checked order by order."""

from __future__ import annotations

import json
import time

from sandbox.testing import RunningSandbox
from tests.integration.orders.conftest import Topics, WorkerFactory
from tests.integration.orders.traffic import (
    order_problems,
    placed_orders,
    rejections,
    sandbox_orders,
    shop_traffic,
)
from tests.support.kafka import produce_json, producer


def wait_for_orders(url: str, count: int, timeout: float) -> list[dict[str, object]]:
    deadline = time.monotonic() + timeout
    orders = sandbox_orders(url)
    while len(orders) < count and time.monotonic() < deadline:
        time.sleep(0.5)
        orders = sandbox_orders(url)
    return orders


def test_small_shop_orders_arrive_complete(
    bootstrap: str, topics: Topics, sandbox: RunningSandbox, start_worker: WorkerFactory
) -> None:
    traffic = shop_traffic(guests=10, orders_per_guest=2)
    expected = placed_orders(traffic)
    produce_json(producer(bootstrap), topics.source, traffic)
    worker = start_worker()
    orders = wait_for_orders(sandbox.url, len(expected), timeout=60)
    time.sleep(0.5)
    assert order_problems(expected, sandbox_orders(sandbox.url)) == [], worker.tail()
    assert rejections(sandbox.url) == []
    assert len(orders) == 20
    print(json.dumps({"orders": len(orders)}))
