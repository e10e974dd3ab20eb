"""Real-time orders end to end: broker → worker process → strict CDP sandbox, checked order by order."""

from __future__ import annotations

import contextlib
import json
import time
import uuid
from pathlib import Path

import httpx

from sandbox.testing import RunningSandbox, running_sandbox
from tests.integration.orders.conftest import Topics, WorkerFactory
from tests.integration.orders.traffic import (
    Event,
    order_problems,
    placed_orders,
    rejections,
    sandbox_orders,
    shop_traffic,
)
from tests.support.kafka import produce_json, producer
from tests.support.worker_process import WorkerProcess


def wait_until_finished(worker: WorkerProcess, records: int, timeout: float) -> float:
    """Wait until the worker finished ``records`` records (cheap to poll, unlike the sandbox's order list)."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        assert worker.process is not None and worker.process.poll() is None, worker.tail()
        with contextlib.suppress(httpx.HTTPError):  # the metrics server starts a moment after the process
            if worker.metric("cdpw_records_finished_total") >= records:
                break
        time.sleep(0.5)
    return time.monotonic() - started


def with_unknown_browsers(traffic: list[tuple[str, Event]], every: int) -> list[tuple[str, Event]]:
    """Give every ``every``-th guest a storefront browser id CDP never issued (CDP answers 404)."""
    browsers = {
        key: str(uuid.UUID(int=n + 1))
        for n, key in enumerate(sorted({k for k, _ in traffic}))
        if n % every == 0
    }
    return [
        (
            key,
            {**event, "guest": {**event["guest"], "browser_id": browsers[key]}} if key in browsers else event,
        )
        for key, event in traffic
    ]


def test_small_shop_orders_arrive_complete_even_from_browsers_cdp_does_not_know(
    bootstrap: str, topics: Topics, sandbox: RunningSandbox, start_worker: WorkerFactory
) -> None:
    traffic = with_unknown_browsers(shop_traffic(guests=10, orders_per_guest=2), every=3)
    expected = placed_orders(traffic)
    produce_json(producer(bootstrap), topics.source, traffic)
    worker = start_worker()
    wait_until_finished(worker, len(traffic), timeout=60)
    orders = sandbox_orders(sandbox.url)
    assert order_problems(expected, orders) == [], worker.tail()
    assert rejections(sandbox.url) == []
    assert len(orders) == 20
    assert worker.metric("cdpw_cdp_requests_total", api="stream", step="ADD", status_class="4xx") > 0


def test_single_event_switch_creates_the_same_orders(
    bootstrap: str, topics: Topics, sandbox: RunningSandbox, start_worker: WorkerFactory
) -> None:
    traffic = shop_traffic(guests=10, orders_per_guest=2)
    produce_json(producer(bootstrap), topics.source, traffic)
    worker = start_worker(CDPW_STREAM_SINGLE_EVENT="true")
    wait_until_finished(worker, len(traffic), timeout=60)
    assert order_problems(placed_orders(traffic), sandbox_orders(sandbox.url)) == [], worker.tail()
    assert rejections(sandbox.url) == []
    assert worker.metric("cdpw_cdp_requests_total", api="stream", step="ORDER_CHECKOUT") == 20
    assert worker.metric("cdpw_cdp_requests_total", api="stream", step="CHECKOUT") == 0


def test_thousand_orders_of_200_guests_among_cart_events_arrive_exactly_once(
    bootstrap: str, topics: Topics, sandbox: RunningSandbox, start_worker: WorkerFactory
) -> None:
    traffic = shop_traffic(guests=200, orders_per_guest=5)
    expected = placed_orders(traffic)
    assert len(expected) == 1000
    assert len(traffic) > 2000, "cart events interleave with the orders"
    produce_json(producer(bootstrap), topics.source, traffic)
    worker = start_worker()
    elapsed = wait_until_finished(worker, len(traffic), timeout=240)
    orders = sandbox_orders(sandbox.url)
    assert order_problems(expected, orders) == [], worker.tail()
    assert rejections(sandbox.url) == []
    assert worker.metric("cdpw_dead_letters_total") == 0
    requests = worker.metric("cdpw_cdp_requests_total", api="stream")
    print(json.dumps({"orders": len(orders), "records": len(traffic), "seconds": round(elapsed, 1),
                      "stream_requests": requests}))  # fmt: skip


def test_order_after_its_session_expired_re_adds_every_line_in_the_new_session(
    bootstrap: str, topics: Topics, tmp_path: Path, start_worker: WorkerFactory
) -> None:
    traffic = shop_traffic(guests=5, orders_per_guest=1)
    carts = [(key, event) for key, event in traffic if event["event_type"] != "OrderPlaced"]
    orders = [(key, event) for key, event in traffic if event["event_type"] == "OrderPlaced"]
    with running_sandbox(tmp_path, session_timeout=2) as sandbox:
        worker = start_worker(CDPW_CDP_BASE_URL=sandbox.url, CDPW_STREAM_SESSION_IDLE_S="1.5")
        produce_json(producer(bootstrap), topics.source, carts)
        wait_until_finished(worker, len(carts), timeout=60)
        adds_before = worker.metric("cdpw_cdp_requests_total", api="stream", step="ADD")
        time.sleep(2.5)
        produce_json(producer(bootstrap), topics.source, orders)
        wait_until_finished(worker, len(traffic), timeout=60)
        assert order_problems(placed_orders(orders), sandbox_orders(sandbox.url)) == [], worker.tail()
        assert rejections(sandbox.url) == []
        lines = sum(len(event["order"]["lines"]) for _, event in orders)
        assert worker.metric("cdpw_cdp_requests_total", api="stream", step="ADD") - adds_before == lines
