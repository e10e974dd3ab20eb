"""The Stream client follows the fate table and slows down on 429s (MockTransport, no network)."""

from __future__ import annotations

import httpx
import pytest
from prometheus_client import CollectorRegistry

from tests.unit.cdp.test_stream_client import ADD, CONTEXT, answer
from worker.cdp import errors
from worker.cdp.ratelimit import RateLimiter
from worker.cdp.stream import StreamClient
from worker.fates import fate_table
from worker.metrics import create_metrics


def _client(status: int, overrides: str = "", limiter: RateLimiter | None = None) -> StreamClient:
    http = httpx.AsyncClient(base_url="https://cdp.test", transport=httpx.MockTransport(answer(status)))
    return StreamClient([http], "key", create_metrics(CollectorRegistry()), fate_table(overrides), limiter)


async def test_an_override_turns_a_retried_status_into_a_dead_letter() -> None:
    with pytest.raises(errors.StreamRejectedError):
        await _client(503, "stream:503=dead_letter").send(ADD, CONTEXT, "b")


async def test_an_override_accepts_a_status_as_done() -> None:
    await _client(409, "stream:409=done").send(ADD, CONTEXT, "b")


async def test_an_override_can_retry_a_client_error() -> None:
    with pytest.raises(errors.ServerError):
        await _client(422, "*:422=retry").send(ADD, CONTEXT, "b")


async def test_a_429_halves_the_client_side_rate() -> None:
    limiter = RateLimiter(100)
    with pytest.raises(errors.ThrottledError):
        await _client(429, limiter=limiter).send(ADD, CONTEXT, "b")
    assert limiter.rate == 50
