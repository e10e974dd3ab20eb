"""Stream API client: ``GET /v1.2/browser/create.json`` and ``GET /v1.2/event/create.json``.

Requests go through a few small :class:`httpx.AsyncClient` pools (:func:`stream_http_clients`), one
per browser by hash: httpcore scans every connection of a pool on each request, so one pool of 100
connections costs about six times the CPU per request of 25 pools of 4 (measured on loopback).
Every response and every httpx failure becomes an outcome in one place, :func:`check_response` and
:func:`translate_transport`: 201 done; 400 (and other 4xx) dead letter; 404 unknown browser;
401/403 configuration error; 408/429/5xx and timeouts/connection errors retried by the engine.
"""

from __future__ import annotations

import ssl
import time
import zlib
from collections.abc import Awaitable, Callable, Sequence
from urllib.parse import quote

import httpx
import orjson

from worker.cdp import errors
from worker.cdp.message import event_message, url_encoded
from worker.cdp.ratelimit import RateLimiter
from worker.fates import Action, FateTable, fate_table
from worker.metrics import Metrics
from worker.plans import Step, StreamContext
from worker.retry import parse_retry_after

BROWSER_PATH = "/v1.2/browser/create.json"
EVENT_PATH = "/v1.2/event/create.json"
BODY_EXCERPT = 1000
RETRYABLE_4XX = frozenset({408, 429})


POOL_SIZE = 4
DEFAULT_FATES = fate_table()


def stream_http_client(
    base_url: str, timeout_s: float, max_connections: int, tls: ssl.SSLContext | None = None
) -> httpx.AsyncClient:
    """One keep-alive pool of ``max_connections`` connections, one timeout per request."""
    limits = httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections)
    timeout = httpx.Timeout(timeout_s, pool=max(timeout_s, 30.0))
    return httpx.AsyncClient(base_url=base_url, timeout=timeout, limits=limits, follow_redirects=False,
                             verify=tls if tls is not None else True)  # fmt: skip


def stream_http_clients(base_url: str, timeout_s: float, max_connections: int) -> list[httpx.AsyncClient]:
    """Pools of :data:`POOL_SIZE` connections, ``max_connections`` in all (at least one pool).

    The pools share one TLS context: loading the CA bundle takes about 25 ms per context.
    """
    pools = max(1, -(-max_connections // POOL_SIZE))
    tls = httpx.create_ssl_context()
    return [stream_http_client(base_url, timeout_s, POOL_SIZE, tls) for _ in range(pools)]


def status_class(status: int) -> str:
    return f"{status // 100}xx" if 200 <= status < 600 else "error"


def check_response(response: httpx.Response, what: str, fates: FateTable = DEFAULT_FATES) -> None:
    """Return when ``response`` is an acceptance; raise the error that decides the record's fate.

    The fate table (``CDPW_FATE_OVERRIDES``) decides; a dead-lettered 404 means an unknown browser.
    """
    status = response.status_code
    action = fates.decide("stream", status)
    if action is Action.DONE:
        return
    excerpt = response.text[:BODY_EXCERPT]
    message = f"Stream {what}: HTTP {status}: {excerpt}"
    if action is Action.STOP:
        raise errors.StreamAuthError(f"CDPW_CDP_CLIENT_KEY / CDPW_CDP_BASE_URL rejected by CDP. {message}")
    if action is Action.RETRY:
        retry_after = parse_retry_after(response.headers.get("retry-after"))
        kind = errors.ThrottledError if status in RETRYABLE_4XX else errors.ServerError
        raise kind(message, retry_after=retry_after, status=status)
    if status == 404:
        raise errors.UnknownBrowserError(message, status=status, body=excerpt)
    raise errors.StreamRejectedError(message, status=status, body=excerpt)


def translate_transport(error: httpx.HTTPError, what: str) -> errors.StreamTransientError:
    """An httpx failure as a retryable error; says whether the request may have been processed."""
    message = f"Stream {what}: {type(error).__name__}: {error}"
    if isinstance(error, httpx.ConnectTimeout | httpx.PoolTimeout):
        return errors.StreamConnectionError(message, maybe_applied=False)
    if isinstance(error, httpx.TimeoutException):
        return errors.StreamTimeoutError(message)
    if isinstance(error, httpx.ConnectError):
        return errors.StreamConnectionError(message, maybe_applied=False)
    return errors.StreamConnectionError(message, maybe_applied=True)


class StreamClient:
    """Sends Stream requests and reports each one in the metrics (requests by step, latency)."""

    def __init__(
        self,
        pools: Sequence[httpx.AsyncClient],
        client_key: str,
        metrics: Metrics,
        fates: FateTable = DEFAULT_FATES,
        limiter: RateLimiter | None = None,
    ) -> None:
        assert pools, "at least one HTTP pool"
        self._fates = fates
        self._limiter = limiter or RateLimiter(0)
        self._pools = tuple(pools)
        self._next = 0
        self._base = str(pools[0].base_url).rstrip("/")
        self._key = quote(client_key, safe="")
        self._metrics = metrics

    async def create_browser(self) -> str:
        """A new browser id (``ref``) from ``browser/create``."""
        self._next = (self._next + 1) % len(self._pools)
        pool = self._pools[self._next]
        response = await self._call("BROWSER", lambda: self._get(pool, BROWSER_PATH, url_encoded({})))
        check_response(response, "browser/create", self._fates)
        try:
            ref = orjson.loads(response.content)["ref"]
        except (orjson.JSONDecodeError, KeyError, TypeError):
            raise errors.ServerError(f"Stream browser/create: no ref in {response.text[:200]!r}") from None
        if not isinstance(ref, str) or not ref:
            raise errors.ServerError(f"Stream browser/create: bad ref {ref!r}")
        return ref

    async def send(self, step: Step, context: StreamContext, browser_id: str) -> None:
        """Send one event; returns when CDP accepted it (201), raises a :mod:`worker.cdp.errors` error."""
        message = url_encoded(event_message(step, context, browser_id))
        pool = self._pools[zlib.crc32(browser_id.encode()) % len(self._pools)]
        response = await self._call(step.event.value, lambda: self._get(pool, EVENT_PATH, message))
        check_response(response, step.event.value, self._fates)

    async def aclose(self) -> None:
        for pool in self._pools:
            await pool.aclose()

    def _get(self, pool: httpx.AsyncClient, path: str, encoded_message: str) -> Awaitable[httpx.Response]:
        # One absolute URL, parsed once: httpx's URL parsing is a large share of a request's CPU.
        url = f"{self._base}{path}?client_key={self._key}&message={encoded_message}"
        return pool.get(httpx.URL(url))

    async def _call(self, step: str, request: Callable[[], Awaitable[httpx.Response]]) -> httpx.Response:
        await self._limiter.acquire()
        started = time.monotonic()
        try:
            response = await request()
        except httpx.HTTPError as exc:
            self._count(step, "error", started)
            raise translate_transport(exc, step) from exc
        self._count(step, status_class(response.status_code), started)
        self._limiter.observe(response.status_code)
        return response

    def _count(self, step: str, status: str, started: float) -> None:
        self._metrics.cdp_requests.labels(api="stream", step=step, status_class=status).inc()
        self._metrics.cdp_request_duration.labels(api="stream").observe(time.monotonic() - started)
