"""Outages are not poison: throttling, 503s and dropped connections only slow the orders down."""

from __future__ import annotations

import json

import httpx

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

FAULTS = {"api": "stream", "p503": 0.10, "p429": 0.05, "retry_after": 1, "pdrop": 0.02}


def test_thousand_orders_survive_503s_429s_and_dropped_connections(
    bootstrap: str, topics: Topics, sandbox: RunningSandbox, start_worker: WorkerFactory
) -> None:
    httpx.post(f"{sandbox.url}/_sandbox/faults", json=FAULTS, timeout=10).raise_for_status()
    traffic = shop_traffic(guests=200, orders_per_guest=5, seed=5)
    expected = placed_orders(traffic)
    assert len(expected) == 1000
    produce_json(producer(bootstrap), topics.source, traffic)
    worker = start_worker()
    elapsed = wait_until_finished(worker, len(traffic), timeout=400)

    assert order_problems(expected, sandbox_orders(sandbox.url)) == [], worker.tail()
    assert rejections(sandbox.url) == []
    injected = httpx.get(f"{sandbox.url}/_sandbox/faults", timeout=10).json()["rules"][0]["counts"]
    assert min(injected.get(kind, 0) for kind in ("429", "503", "drop")) > 0, injected
    retries = {reason: worker.metric("cdpw_retries_total", api="stream", reason=reason)
               for reason in ("throttled", "server_error", "connection")}  # fmt: skip
    assert all(count > 0 for count in retries.values()), retries
    assert worker.metric("cdpw_dead_letters_total") == 0
    print(json.dumps({"seconds": round(elapsed, 1), "injected": injected, "retries": retries}))
