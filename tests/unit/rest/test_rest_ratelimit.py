"""The REST client slows down on 429s (MockTransport, no network)."""

from __future__ import annotations

import httpx
import pytest

from worker.cdp.ratelimit import RateLimiter
from worker.cdp.rest import RestClient
from worker.errors import TransientError


async def test_a_429_halves_the_rest_rate_and_successes_do_not_raise_it_past_the_setting() -> None:
    answers = iter([429, 200, 200])

    def handler(request: httpx.Request) -> httpx.Response:
        status = next(answers)
        return httpx.Response(status, json={"items": [], "offset": 0, "limit": 10} if status == 200 else {})

    limiter = RateLimiter(40)
    http = httpx.AsyncClient(base_url="https://cdp.test", transport=httpx.MockTransport(handler))
    client = RestClient(http, limiter=limiter)
    with pytest.raises(TransientError):
        await client.find_orders("R-1")
    assert limiter.rate == 20
    await client.find_orders("R-1")
    assert 20 <= limiter.rate <= 40
