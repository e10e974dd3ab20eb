"""Faults on demand over real HTTP: rates within binomial bounds, real dropped connections, outages."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from sandbox.testing import RunningSandbox, start_sandbox_process

EVENT_PATH = "/v1.2/event/create.json"


@pytest.fixture(autouse=True)
def no_faults_left(client: httpx.Client) -> Iterator[None]:
    """Every test starts and ends without fault rules."""
    client.delete("/_sandbox/faults")
    yield
    client.delete("/_sandbox/faults")


def add_rule(client: httpx.Client, **rule: Any) -> None:
    response = client.post("/_sandbox/faults", json=rule)
    assert response.status_code == 201, response.text


def rule_counts(client: httpx.Client) -> dict[str, int]:
    [rule] = client.get("/_sandbox/faults").json()["rules"]
    counts: dict[str, int] = rule["counts"]
    return counts


async def _one(http: httpx.AsyncClient, outcomes: Counter[str], retry_after: set[str]) -> None:
    try:
        response = await http.get(EVENT_PATH, params={"client_key": "not-the-key"})
    except httpx.TimeoutException:
        outcomes["timeout"] += 1
    except (httpx.RemoteProtocolError, httpx.ReadError):
        outcomes["drop"] += 1
    else:
        outcomes[str(response.status_code)] += 1
        if response.status_code == 429:
            retry_after.add(response.headers["retry-after"])


async def _hammer(url: str, total: int, concurrency: int) -> tuple[Counter[str], set[str]]:
    """``total`` requests from ``concurrency`` workers, so slow answers overlap instead of queueing."""
    outcomes: Counter[str] = Counter()
    retry_after: set[str] = set()
    remaining = iter(range(total))
    limits = httpx.Limits(max_connections=concurrency)
    async with httpx.AsyncClient(base_url=url, timeout=1.5, limits=limits) as http:

        async def worker() -> None:
            for _ in remaining:
                await _one(http, outcomes, retry_after)

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    return outcomes, retry_after


def within_five_sigma(observed: int, total: int, p: float) -> bool:
    sigma: float = (total * p * (1 - p)) ** 0.5
    return abs(observed - total * p) <= 5 * sigma


def test_injected_faults_appear_at_their_configured_rates(
    client: httpx.Client, sandbox: RunningSandbox
) -> None:
    rates = {"429": 0.05, "500": 0.1, "503": 0.1, "drop": 0.02, "timeout": 0.01}
    add_rule(client, api="stream", path=EVENT_PATH, p429=0.05, retry_after=1, p500=0.1, p503=0.1, pdrop=0.02,
             ptimeout=0.01, timeout_ms=5000)  # fmt: skip
    total = 2000
    outcomes, retry_after = asyncio.run(_hammer(sandbox.url, total, concurrency=20))
    counts = rule_counts(client)
    assert (sum(outcomes.values()), counts["requests"]) == (total, total)
    for name, p in rates.items():
        assert within_five_sigma(counts.get(name, 0), total, p), (name, counts)
    assert within_five_sigma(outcomes["401"], total, 1 - sum(rates.values())), outcomes
    # What the client saw is exactly what was injected; only a slow ordinary answer on a loaded machine
    # could add a client-side timeout, so that one count may exceed the injected one slightly.
    assert {n: outcomes[n] for n in ("429", "500", "503", "drop")} == {
        n: counts.get(n, 0) for n in ("429", "500", "503", "drop")
    }
    assert counts.get("timeout", 0) <= outcomes["timeout"] <= counts.get("timeout", 0) + total // 100
    assert retry_after == {"1"}


def test_dropped_connection_is_a_real_tcp_drop(client: httpx.Client, sandbox: RunningSandbox) -> None:
    add_rule(client, api="stream", pdrop=1.0)
    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
        httpx.get(f"{sandbox.url}{EVENT_PATH}", timeout=5.0)
    assert rule_counts(client)["drop"] == 1


def test_429_carries_retry_after_and_a_cdp_error_body(client: httpx.Client) -> None:
    add_rule(client, api="stream", p429=1.0, retry_after=7)
    response = client.get(EVENT_PATH)
    assert (response.status_code, response.headers["retry-after"], response.json()["status"]) == (
        429,
        "7",
        429,
    )


def test_slow_response_outlasts_the_client_timeout(client: httpx.Client, sandbox: RunningSandbox) -> None:
    add_rule(client, api="stream", ptimeout=1.0, timeout_ms=1000)
    with pytest.raises(httpx.ReadTimeout):
        httpx.get(f"{sandbox.url}{EVENT_PATH}", timeout=0.3)
    assert rule_counts(client)["timeout"] == 1


def test_outage_answers_503_on_every_api_but_not_on_inspection(client: httpx.Client) -> None:
    add_rule(client, outage=True)
    for path in (EVENT_PATH, "/v1.2/browser/create.json", "/v2.1/orders", "/v2/batches/abc"):
        assert client.get(path).status_code == 503, path
    assert client.get("/_sandbox/orders").status_code == 200
    assert rule_counts(client)["outage"] == 4


def test_rule_applies_only_to_its_path(client: httpx.Client, sandbox: RunningSandbox) -> None:
    add_rule(client, api="stream", path=EVENT_PATH, p500=1.0)
    assert client.get(EVENT_PATH).status_code == 500
    params = {"client_key": sandbox.client_key, "message": "{}"}
    assert client.get("/v1.2/browser/create.json", params=params).status_code == 201


def test_latency_is_counted_per_delayed_request(client: httpx.Client) -> None:
    add_rule(client, api="stream", latency_ms={"uniform": [1, 5]})
    for _ in range(5):
        assert client.get(EVENT_PATH).status_code == 401
    counts = rule_counts(client)
    assert (counts["requests"], counts["latency"]) == (5, 5)


def test_clearing_faults_restores_normal_answers(client: httpx.Client) -> None:
    add_rule(client, api="*", p503=1.0)
    assert client.get(EVENT_PATH).status_code == 503
    assert client.delete("/_sandbox/faults").json() == {"rules": []}
    assert client.get(EVENT_PATH).status_code == 401


def test_invalid_rule_is_refused_with_400(client: httpx.Client) -> None:
    response = client.post("/_sandbox/faults", json={"api": "stream", "p500": 2})
    assert response.status_code == 400
    assert client.get("/_sandbox/faults").json() == {"rules": []}


def test_fault_given_at_start_applies_from_the_first_request(tmp_path: Path) -> None:
    running = start_sandbox_process(tmp_path, fault={"api": "stream", "p503": 1.0})
    try:
        assert httpx.get(f"{running.url}{EVENT_PATH}").status_code == 503
        [rule] = httpx.get(f"{running.url}/_sandbox/faults").json()["rules"]
        assert (rule["p503"], rule["counts"]["503"]) == (1.0, 1)
    finally:
        running.stop()
