"""HTTP stacks the raw Stream client can run on, to compare their CPU cost per call.

``worker session`` is the worker's own client (:func:`worker.cdp.stream.open_stream_session`: one
aiohttp session, one connector of all the connections); ``aiohttp pools of 4`` is the same session
split into small pools, one chosen per browser (does sharding still pay?); ``httpx pools of 4`` is
the worker's previous client (small httpcore pools, one per browser: httpcore scans its whole pool on
every request); ``httpx one pool`` is one pool of all the connections; ``httpx+aiohttp`` is the
``httpx.AsyncClient`` API over the ``httpx-aiohttp`` transport; ``aiohttp`` is a bare
``ClientSession`` with its defaults. Each runs on the stock asyncio loop or on uvloop. HTTP/2 is not
measured: the sandbox (uvicorn) speaks HTTP/1.1 only.
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

from worker.cdp.stream import StreamHttpOptions, open_stream_session

T = TypeVar("T")
TIMEOUT_S = 10.0
#: Connections per pool of the sharded variants (the worker's httpx pools had 4).
POOL_SIZE = 4


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
    """aiohttp ``ClientSession`` pools; a request goes to pool ``shard % len(pools)``."""

    def __init__(self, sessions: list[aiohttp.ClientSession]) -> None:
        self._sessions = sessions

    async def get(self, url: str, shard: int = 0) -> tuple[int, bytes]:
        session = self._sessions[shard % len(self._sessions)]
        async with session.get(URL(url, encoded=True), allow_redirects=False) as response:
            return response.status, await response.read()

    async def aclose(self) -> None:
        for session in self._sessions:
            await session.close()


def _pools(max_connections: int) -> int:
    return max(1, -(-max_connections // POOL_SIZE))


def _httpx_client(base: str, max_connections: int) -> httpx.AsyncClient:
    """The worker's previous Stream pool: ``max_connections`` keep-alive connections, no redirects."""
    limits = httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections)
    return httpx.AsyncClient(base_url=base, timeout=httpx.Timeout(TIMEOUT_S, pool=30.0), limits=limits,
                             follow_redirects=False)  # fmt: skip


def _httpx_sharded(base: str, max_connections: int) -> RawTransport:
    return HttpxTransport([_httpx_client(base, POOL_SIZE) for _ in range(_pools(max_connections))])


def _httpx(base: str, max_connections: int) -> RawTransport:
    return HttpxTransport([_httpx_client(base, max_connections)])


def _httpx_over_aiohttp(base: str, max_connections: int) -> RawTransport:
    limits = httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections)
    client = httpx.AsyncClient(base_url=base, timeout=httpx.Timeout(TIMEOUT_S, pool=30.0), limits=limits,
                               transport=AiohttpTransport(limits=limits))  # fmt: skip
    return HttpxTransport([client])


def _worker_session(base: str, max_connections: int) -> RawTransport:
    return AiohttpClientTransport([open_stream_session(StreamHttpOptions(base, TIMEOUT_S, max_connections))])


def _worker_sessions_sharded(base: str, max_connections: int) -> RawTransport:
    options = StreamHttpOptions(base, TIMEOUT_S, POOL_SIZE)
    return AiohttpClientTransport([open_stream_session(options) for _ in range(_pools(max_connections))])


def _aiohttp(_base: str, max_connections: int) -> RawTransport:
    connector = aiohttp.TCPConnector(limit=max_connections)
    session = aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(TIMEOUT_S))
    return AiohttpClientTransport([session])


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


#: The worker's own stack (what the raw reference uses in the main table): its aiohttp session on uvloop.
WORKER_STACK = Stack("worker session (aiohttp) / uvloop", _worker_session, "uvloop")

#: Every stack compared in the transport table.
STACKS = (
    WORKER_STACK,
    Stack("worker session (aiohttp) / asyncio", _worker_session),
    Stack("aiohttp pools of 4 / uvloop", _worker_sessions_sharded, "uvloop"),
    Stack("aiohttp bare session / uvloop", _aiohttp, "uvloop"),
    Stack("httpx pools of 4 / asyncio", _httpx_sharded),
    Stack("httpx pools of 4 / uvloop", _httpx_sharded, "uvloop"),
    Stack("httpx one pool / asyncio", _httpx),
    Stack("httpx+aiohttp transport / uvloop", _httpx_over_aiohttp, "uvloop"),
)
