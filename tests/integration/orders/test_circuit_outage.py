"""A CDP outage opens the Stream circuit: intake pauses, nothing is dead-lettered, all orders land later."""

from __future__ import annotations

import time

import httpx

from sandbox.testing import RunningSandbox
from tests.integration.orders.conftest import Topics, WorkerFactory
from tests.integration.orders.test_orders import wait_until_finished
from tests.integration.orders.traffic import order_problems, placed_orders, sandbox_orders, shop_traffic
from tests.support.kafka import produce_json, producer
from tests.support.waiting import wait_until


def test_an_outage_longer_than_the_retry_deadline_dead_letters_nothing(
    bootstrap: str, topics: Topics, sandbox: RunningSandbox, start_worker: WorkerFactory
) -> None:
    faults = f"{sandbox.url}/_sandbox/faults"
    httpx.post(faults, json={"api": "stream", "outage": True}, timeout=10).raise_for_status()
    traffic = shop_traffic(guests=20, orders_per_guest=5, seed=9)
    expected = placed_orders(traffic)
    produce_json(producer(bootstrap), topics.source, traffic)
    worker = start_worker(CDPW_CIRCUIT_FAILURE_THRESHOLD="5", CDPW_CIRCUIT_OPEN_S="1",
                          CDPW_RETRY_DEADLINE_S="3")  # fmt: skip

    def circuit_open() -> bool:
        try:
            ready = httpx.get(f"{worker.url}/readyz", timeout=2)
        except httpx.HTTPError:
            return False
        return ready.status_code == 503 and "circuit open for stream" in ready.text

    assert wait_until(circuit_open, 60), worker.tail()
    assert worker.metric("cdpw_circuit_state", api="stream") == 2
    time.sleep(6)  # twice the retry deadline: without the circuit, records would be dead-lettered now
    assert worker.metric("cdpw_dead_letters_total") == 0
    assert worker.metric("cdpw_records_in_flight") <= 1000

    httpx.delete(faults, timeout=10).raise_for_status()
    wait_until_finished(worker, len(traffic), timeout=240)
    assert order_problems(expected, sandbox_orders(sandbox.url)) == [], worker.tail()
    assert worker.metric("cdpw_dead_letters_total") == 0
    assert worker.metric("cdpw_circuit_state", api="stream") == 0
    assert httpx.get(f"{worker.url}/readyz", timeout=5).status_code == 200


def test_policy_hold_retries_a_rejected_record_while_its_key_waits(
    bootstrap: str, topics: Topics, sandbox: RunningSandbox, start_worker: WorkerFactory
) -> None:
    faults = f"{sandbox.url}/_sandbox/faults"
    traffic = shop_traffic(guests=3, orders_per_guest=2, seed=4)
    produce_json(producer(bootstrap), topics.source, traffic)
    # CDP refuses every call for a while (a 503 the fate table calls permanent), then an operator fixes it
    httpx.post(faults, json={"api": "stream", "p503": 1.0}, timeout=10).raise_for_status()
    worker = start_worker(CDPW_DLQ_KEY_POLICY="hold", CDPW_DLQ_HOLD_S="60",
                          CDPW_FATE_OVERRIDES="stream:503=dead_letter")  # fmt: skip

    def refused() -> int:
        rules = httpx.get(faults, timeout=10).json()["rules"]
        return int(rules[0]["counts"].get("503", 0)) if rules else 0

    assert wait_until(lambda: refused() >= 10, 60), worker.tail()
    assert worker.metric("cdpw_dead_letters_total") == 0
    httpx.delete(faults, timeout=10).raise_for_status()
    wait_until_finished(worker, len(traffic), timeout=120)
    assert order_problems(placed_orders(traffic), sandbox_orders(sandbox.url)) == [], worker.tail()
    assert worker.metric("cdpw_dead_letters_total") == 0
