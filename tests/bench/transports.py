"""HTTP stacks the raw Stream client can run on, to compare their CPU cost per call.

``httpx pools of 4`` is the worker's own client (:func:`worker.cdp.stream.stream_http_clients`:
small httpcore pools, one chosen per browser); ``httpx one pool`` is one pool of all the connections;
``httpx+aiohttp`` is the same ``httpx.AsyncClient`` API over the ``httpx-aiohttp``
transport (what the worker could switch to without touching its error translation); ``aiohttp`` is
aiohttp's own client, the floor of what an asyncio HTTP/1.1 client costs here. Each runs on the
stock asyncio loop or on uvloop. HTTP/2 is not measured: the sandbox (uvicorn) speaks HTTP/1.1 only.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

import aiohttp
import httpx
import uvloop
from httpx_aiohttp import AiohttpTransport
from yarl import URL

from worker.cdp.stream import stream_http_client, stream_http_clients

T = TypeVar("T")
TIMEOUT_S = 10.0


class RawTransport(Protocol):
    """Sends one GET to an absolute, already percent-encoded URL; returns the status and body.

    ``shard`` is a stable number per browser (the worker's pool choice); single pools ignore it.
    """

    async def get(self, url: str, shard: int = 0) -> tuple[int, bytes]: ...

    async def aclose(self) -> None: ...


class HttpxTransport:
    """``httpx.AsyncClient`` pools; a request goes to pool ``shard % len(pools)``, as in the worker."""

    def __init__(self, pools: list[httpx.AsyncClient]) -> None:
        self._pools = pools

    async def get(self, url: str, shard: int = 0) -> tuple[int, bytes]:
        response = await self._pools[shard % len(self._pools)].get(httpx.URL(url))
        return response.status_code, response.content

    async def aclose(self) -> None:
        for pool in self._pools:
            await pool.aclose()


class AiohttpClientTransport:
    """aiohttp's ``ClientSession`` with a connection limit like the worker's pool."""

    def __init__(self, max_connections: int) -> None:
        connector = aiohttp.TCPConnector(limit=max_connections)
        self._session = aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(TIMEOUT_S))

    async def get(self, url: str, shard: int = 0) -> tuple[int, bytes]:
        async with self._session.get(URL(url, encoded=True)) as response:
            return response.status, await response.read()

    async def aclose(self) -> None:
        await self._session.close()


def _httpx_sharded(base: str, max_connections: int) -> RawTransport:
    return HttpxTransport(stream_http_clients(base, TIMEOUT_S, max_connections))


def _httpx(base: str, max_connections: int) -> RawTransport:
    return HttpxTransport([stream_http_client(base, TIMEOUT_S, max_connections)])


def _httpx_over_aiohttp(base: str, max_connections: int) -> RawTransport:
    limits = httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections)
    client = httpx.AsyncClient(base_url=base, timeout=httpx.Timeout(TIMEOUT_S, pool=30.0), limits=limits,
                               transport=AiohttpTransport(limits=limits))  # fmt: skip
    return HttpxTransport([client])


def _aiohttp(_base: str, max_connections: int) -> RawTransport:
    return AiohttpClientTransport(max_connections)


def run_asyncio(main: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(main)


def run_uvloop(main: Coroutine[Any, Any, T]) -> T:
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(main)


@dataclass(frozen=True)
class Stack:
    """One HTTP stack: how to build its transport (inside the loop) and which loop runs it."""

    name: str
    transport: Callable[[str, int], RawTransport]
    loop: str = "asyncio"

    def run(self, main: Coroutine[Any, Any, T]) -> T:
        return run_uvloop(main) if self.loop == "uvloop" else run_asyncio(main)


#: The worker's own stack (what the raw reference uses in the main table): httpx pools of 4 by browser.
WORKER_STACK = Stack("httpx pools of 4 / asyncio", _httpx_sharded)

#: Every stack compared in the transport table.
STACKS = (
    WORKER_STACK,
    Stack("httpx pools of 4 / uvloop", _httpx_sharded, "uvloop"),
    Stack("httpx one pool / asyncio", _httpx),
    Stack("httpx+aiohttp transport / asyncio", _httpx_over_aiohttp),
    Stack("httpx+aiohttp transport / uvloop", _httpx_over_aiohttp, "uvloop"),
    Stack("aiohttp / asyncio", _aiohttp),
    Stack("aiohttp / uvloop", _aiohttp, "uvloop"),
)
