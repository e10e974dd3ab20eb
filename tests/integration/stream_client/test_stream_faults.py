"""The worker's Stream client against the real sandbox's injected faults, over real HTTP.

Each fault reaches the sink as the same outcome as before the move to aiohttp: 503 and 429 (with
Retry-After) are retried, a dropped connection or an answer too late "may have been applied", and
no request is ever sent twice behind the sink's back (the sandbox counts what it received).
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client import CollectorRegistry

from sandbox.testing import RunningSandbox, start_sandbox_process
from tests.integration.sandbox.stream_client import product
from worker.cdp import errors
from worker.cdp.stream import StreamClient, StreamHttpOptions
from worker.metrics import create_metrics
from worker.plans import Step, StreamContext, StreamEvent

CONTEXT = StreamContext(channel="WEB", pos="retail-web", language="EN", currency="EUR", page="checkout")


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSandbox]:
    running = start_sandbox_process(Path(tmp_path_factory.mktemp("sandbox")))
    yield running
    running.stop()


def clear_faults(sandbox: RunningSandbox) -> None:
    httpx.delete(f"{sandbox.url}/_sandbox/faults", timeout=10).raise_for_status()


@pytest.fixture(autouse=True)
def no_faults_left(sandbox: RunningSandbox) -> Iterator[None]:
    clear_faults(sandbox)
    yield
    clear_faults(sandbox)


def add_rule(sandbox: RunningSandbox, **rule: Any) -> None:
    rule = {"api": "stream", "path": "/v1.2/event/", **rule}
    httpx.post(f"{sandbox.url}/_sandbox/faults", json=rule, timeout=10).raise_for_status()


def rule_counts(sandbox: RunningSandbox) -> dict[str, int]:
    [rule] = httpx.get(f"{sandbox.url}/_sandbox/faults", timeout=10).json()["rules"]
    counts: dict[str, int] = rule["counts"]
    return counts


def add(n: int) -> Step:
    return Step(f"ADD:i{n}", StreamEvent.ADD, {"product": product(f"i{n}")})


async def outcome(client: StreamClient, browser: str, n: int) -> str:
    """What one ADD came to: ``done``, or the error's class (``+applied`` when it may have been)."""
    try:
        await client.send(add(n), CONTEXT, browser)
    except errors.StreamTransientError as exc:
        wait = f" after {exc.retry_after:g} s" if exc.retry_after is not None else ""
        return type(exc).__name__ + wait + ("+applied" if exc.maybe_applied else "")
    return "done"


async def with_client(sandbox: RunningSandbox, timeout_s: float, *rule: dict[str, Any]) -> list[str]:
    """A browser and one accepted ADD (a kept-alive connection), then ``rule``, then 1 ADD per rule."""
    http = StreamHttpOptions(sandbox.url, timeout_s, 1)
    client = StreamClient(http, sandbox.client_key, create_metrics(CollectorRegistry()))
    try:
        browser = await client.create_browser()
        assert await outcome(client, browser, 0) == "done"
        found = []
        for n, one in enumerate(rule, start=1):
            clear_faults(sandbox)
            add_rule(sandbox, **one)
            found.append(await outcome(client, browser, n))
        return found
    finally:
        await client.aclose()


def test_503_is_a_server_error_and_429_carries_retry_after(sandbox: RunningSandbox) -> None:
    found = asyncio.run(with_client(sandbox, 5.0, {"p503": 1.0}, {"p429": 1.0, "retry_after": 7}))
    assert found == ["ServerError", "ThrottledError after 7 s"]


def test_a_dropped_connection_may_have_been_applied_and_is_not_sent_again(sandbox: RunningSandbox) -> None:
    assert asyncio.run(with_client(sandbox, 5.0, {"pdrop": 1.0})) == ["StreamConnectionError+applied"]
    assert rule_counts(sandbox) == {"requests": 1, "drop": 1}


def test_an_answer_later_than_the_timeout_may_have_been_applied(sandbox: RunningSandbox) -> None:
    slow = {"ptimeout": 1.0, "timeout_ms": 3000}
    assert asyncio.run(with_client(sandbox, 0.5, slow)) == ["StreamTimeoutError+applied"]


def test_a_fault_mix_gives_one_outcome_per_request_the_sandbox_received(sandbox: RunningSandbox) -> None:
    """10 % 503, 5 % 429, 2 % dropped connections over 300 events on 4 connections."""

    async def run() -> Counter[str]:
        http = StreamHttpOptions(sandbox.url, 5.0, 4)
        client = StreamClient(http, sandbox.client_key, create_metrics(CollectorRegistry()))
        try:
            browsers = [await client.create_browser() for _ in range(4)]
            add_rule(sandbox, p503=0.10, p429=0.05, pdrop=0.02)
            found = await asyncio.gather(*(outcome(client, browsers[n % 4], n) for n in range(300)))
            return Counter(one.partition(" after")[0] for one in found)
        finally:
            await client.aclose()

    outcomes = asyncio.run(run())
    counts = rule_counts(sandbox)
    assert counts["requests"] == 300
    assert outcomes["ServerError"] == counts.get("503", 0)
    assert outcomes["ThrottledError"] == counts.get("429", 0)
    assert outcomes["StreamConnectionError+applied"] == counts.get("drop", 0)
    assert outcomes["done"] == 300 - counts.get("503", 0) - counts.get("429", 0) - counts.get("drop", 0)
