"""The Stream client follows the fate table and slows down on 429s (scripted loopback server)."""

from __future__ import annotations

import pytest

from tests.unit.cdp.stream_server import respond
from tests.unit.cdp.test_stream_client import ADD, CONTEXT, client_for
from worker.cdp import errors
from worker.cdp.ratelimit import RateLimiter
from worker.fates import fate_table


async def test_an_override_turns_a_retried_status_into_a_dead_letter() -> None:
    async with client_for(respond(503), fates=fate_table("stream:503=dead_letter")) as (client, _, _s):
        with pytest.raises(errors.StreamRejectedError):
            await client.send(ADD, CONTEXT, "b")


async def test_an_override_accepts_a_status_as_done() -> None:
    async with client_for(respond(409), fates=fate_table("stream:409=done")) as (client, _, _s):
        await client.send(ADD, CONTEXT, "b")


async def test_an_override_can_retry_a_client_error() -> None:
    async with client_for(respond(422), fates=fate_table("*:422=retry")) as (client, _, _s):
        with pytest.raises(errors.ServerError):
            await client.send(ADD, CONTEXT, "b")


async def test_a_429_halves_the_client_side_rate() -> None:
    limiter = RateLimiter(100)
    async with client_for(respond(429), limiter=limiter) as (client, _, _s):
        with pytest.raises(errors.ThrottledError):
            await client.send(ADD, CONTEXT, "b")
    assert limiter.rate == 50
