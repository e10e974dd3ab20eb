"""The two references the worker is measured against, on the same sandbox and the same orders.

* :func:`sequential_consumer`: the straightforward consumer: poll one record, decode it with the
  worker's codec, map it with the worker's mapping, send each step with one synchronous httpx call,
  commit, next. One browser per key (created on first use), as the worker does.
* :func:`raw_client`: no Kafka, no state: the same Stream requests (built with the worker's mapping
  and message code before the clock starts), sent as fast as the HTTP stack can, one lane per key
  (a key's requests in order), at most ``concurrency`` orders at once over ``max_connections``
  connections, as the worker's defaults allow. Its CPU is this process's own CPU over the sends.
"""

from __future__ import annotations

import asyncio
import time
import uuid
import zlib
from collections import defaultdict
from dataclasses import dataclass

import httpx
import orjson
from confluent_kafka import Consumer, Message

from sandbox.testing import RunningSandbox
from tests.bench.figures import RunFigures
from tests.bench.orderload import Pair, browser_url, json_decoder, order_plan, step_urls, typed
from tests.bench.stage import sandbox_cpu
from tests.bench.transports import WORKER_STACK, RawTransport, Stack
from worker.plans import Plan

ACCEPTED = (200, 201)


@dataclass
class _Tally:
    """What a reference did so far (mutable, private to one run)."""

    orders: int = 0
    calls: int = 0
    failed: int = 0

    def call(self, status: int) -> None:
        self.calls += 1
        self.failed += status not in ACCEPTED


# the sequential consumer -------------------------------------------------------------------------------
def sequential_consumer(
    bootstrap: str, topic: str, sandbox: RunningSandbox, expected: int, cap_s: float
) -> RunFigures:
    """Consume ``expected`` orders from ``topic`` one at a time (stops after ``cap_s`` seconds)."""
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"bench-seq-{uuid.uuid4().hex[:8]}",
                         "auto.offset.reset": "earliest", "enable.auto.commit": False})  # fmt: skip
    consumer.subscribe([topic])
    tally, browsers = _Tally(), dict[str, str]()
    try:
        with httpx.Client(timeout=10.0) as http:
            message = _next_record(consumer, 60.0)  # the group join is not part of the run
            started, cpu0, sandbox0 = time.monotonic(), time.process_time(), sandbox_cpu(sandbox)
            while message is not None:
                _consume_one(http, sandbox, message, browsers, tally)
                consumer.commit(message=message, asynchronous=True)
                if tally.orders >= expected or time.monotonic() - started > cap_s:
                    break
                message = _next_record(consumer, 10.0)
            seconds = time.monotonic() - started
            cpu = time.process_time() - cpu0
    finally:
        consumer.close()
    return RunFigures("sequential consumer", tally.orders, tally.calls, seconds, cpu,
                      sandbox_cpu(sandbox) - sandbox0, tally.failed)  # fmt: skip


def _next_record(consumer: Consumer, timeout: float) -> Message | None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        message = consumer.poll(0.5)
        if message is not None and message.error() is None:
            return message
    return None


def _consume_one(
    http: httpx.Client, sandbox: RunningSandbox, message: Message, browsers: dict[str, str], tally: _Tally
) -> None:
    key = (message.key() or b"").decode()
    plan = order_plan(json_decoder().decode(message.value(), None))  # JSON needs no headers
    browser = browsers.get(key)
    if browser is None:
        response = http.get(httpx.URL(browser_url(sandbox.url, sandbox.client_key)))
        tally.call(response.status_code)
        browser = browsers[key] = orjson.loads(response.content)["ref"]
    for url in step_urls(sandbox.url, sandbox.client_key, plan, browser):
        tally.call(http.get(httpx.URL(url)).status_code)
    tally.orders += 1


# the raw client ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class RawOptions:
    """Concurrency of the raw client (the worker's defaults) and its time cap."""

    concurrency: int = 200
    max_connections: int = 100
    cap_s: float = 30.0
    stack: Stack = WORKER_STACK


def raw_client(sandbox: RunningSandbox, pairs: list[Pair], options: RawOptions) -> RunFigures:
    """Send every order's Stream requests (browsers first), as fast as ``options.stack`` can."""
    plans: dict[str, list[Plan]] = defaultdict(list)
    for key, event in pairs:
        plans[key].append(order_plan(typed(event)))
    return options.stack.run(_raw(sandbox, plans, options))


async def _raw(sandbox: RunningSandbox, plans: dict[str, list[Plan]], options: RawOptions) -> RunFigures:
    transport = options.stack.transport(sandbox.url, options.max_connections)
    gate, tally = asyncio.Semaphore(options.concurrency), _Tally()
    try:
        started, cpu0, sandbox0 = time.monotonic(), time.process_time(), sandbox_cpu(sandbox)
        browsers = await _create_browsers(transport, sandbox, list(plans), gate, tally)
        paused, cpu_paused = time.monotonic(), time.process_time()
        urls = {key: [step_urls(sandbox.url, sandbox.client_key, plan, browsers[key]) for plan in key_plans]
                for key, key_plans in plans.items()}  # fmt: skip
        resumed, cpu_resumed = time.monotonic(), time.process_time()
        deadline = resumed + options.cap_s
        lanes = (_lane(transport, urls[key], _shard(browsers[key]), gate, tally, deadline) for key in urls)
        await asyncio.gather(*lanes)
        ended, cpu_ended = time.monotonic(), time.process_time()
    finally:
        await transport.aclose()
    seconds = (paused - started) + (ended - resumed)
    cpu = (cpu_paused - cpu0) + (cpu_ended - cpu_resumed)
    name = f"raw {options.stack.name}, {options.max_connections} conns"
    return RunFigures(
        name, tally.orders, tally.calls, seconds, cpu, sandbox_cpu(sandbox) - sandbox0, tally.failed
    )


async def _create_browsers(
    transport: RawTransport, sandbox: RunningSandbox, keys: list[str], gate: asyncio.Semaphore, tally: _Tally
) -> dict[str, str]:
    url = browser_url(sandbox.url, sandbox.client_key)

    async def create(shard: int) -> str:
        async with gate:
            status, body = await transport.get(url, shard)  # round robin over pools, as the worker does
        tally.call(status)
        ref: str = orjson.loads(body)["ref"]
        return ref

    refs = await asyncio.gather(*(create(n) for n in range(len(keys))))
    return dict(zip(keys, refs, strict=True))


def _shard(browser: str) -> int:
    """A stable pool choice per browser, for the sharded HTTP stacks of :mod:`tests.bench.transports`."""
    return zlib.crc32(browser.encode())


async def _lane(
    transport: RawTransport, orders: list[list[str]], shard: int, gate: asyncio.Semaphore, tally: _Tally,
    deadline: float,
) -> None:  # fmt: skip
    """One key's orders, in order; each order holds one of the ``concurrency`` slots while it runs."""
    for order in orders:
        async with gate:
            if time.monotonic() > deadline:  # checked once a slot is held: lanes queue on the gate
                return
            for url in order:
                status, _ = await transport.get(url, shard)
                tally.call(status)
        tally.orders += 1
