"""Stream API client: ``GET /v1.2/browser/create.json`` and ``GET /v1.2/event/create.json``.

Requests go through one :class:`aiohttp.ClientSession` whose connector keeps up to
``max_connections`` keep-alive connections: aiohttp costs about an eighth of httpx's CPU per call
(``make bench-stacks``: ~120 against ~900 µs), and the worker's throughput is bound by that CPU.
One connector, not the small pools by browser that worked around httpcore's scan of its whole pool
on each request: with aiohttp they cost more (~137 µs). The session is opened inside the running
event loop on the first request and closed by :meth:`StreamClient.aclose`.
Every response and every transport failure becomes an outcome in one place, :func:`check_response`
and :func:`translate_transport`: 201 done; 400 (and other 4xx) dead letter; 404 unknown browser;
401/403 configuration error; 408/429/5xx and timeouts/connection errors retried by the engine.
"""

from __future__ import annotations

import asyncio
import re
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote

import aiohttp
import httpx
import orjson
from aiohttp.helpers import get_env_proxy_for_url
from prometheus_client import Counter, Histogram
from yarl import URL

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
#: Idle keep-alive connections close before the usual 5 s server idle timeout (uvicorn, many proxies),
#: so a request is rarely written on a connection the server is closing (a "maybe applied" failure).
KEEPALIVE_S = 4.0
#: Waiting for a free connection of the pool may take this long at least (as httpx's pool timeout did).
POOL_WAIT_S = 30.0

DEFAULT_FATES = fate_table()
#: A URL's query in an error text: it holds the client key and the event (personal data).
_QUERY = re.compile(r"\?[^\s'\"]*")


@dataclass(frozen=True)
class StreamHttpOptions:
    """Where and how the Stream client connects.

    ``timeout_s`` bounds the TCP+TLS connect and each wait for response bytes; ``pool_wait_s`` bounds
    the wait for a free connection plus the connect (default: ``max(timeout_s, POOL_WAIT_S)``).
    """

    base_url: str
    timeout_s: float
    max_connections: int
    pool_wait_s: float | None = None


@dataclass(frozen=True)
class StreamAnswer:
    """What CDP answered to one Stream request: status, the ``Retry-After`` header and the body."""

    status: int
    body: bytes
    retry_after: str | None = None

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


def stream_tls_context() -> ssl.SSLContext:
    """Certificate verification on, trusting what the REST and Batch clients trust.

    That is httpx's rule: ``SSL_CERT_FILE`` or ``SSL_CERT_DIR`` when set (a private CA), else certifi.
    """
    return httpx.create_ssl_context()


def env_proxy(base_url: str) -> tuple[URL | None, aiohttp.BasicAuth | None]:
    """The proxy for ``base_url`` from ``HTTP(S)_PROXY``/``ALL_PROXY`` unless ``NO_PROXY`` exempts it.

    The REST and Batch clients (httpx) honour the same variables; aiohttp would read them (and
    ``~/.netrc``) again on every request with ``trust_env``, so they are read once here instead.
    """
    try:
        return get_env_proxy_for_url(URL(base_url))
    except LookupError:
        return None, None


def open_stream_session(options: StreamHttpOptions) -> aiohttp.ClientSession:
    """One keep-alive pool of ``max_connections`` connections; call inside the running event loop.

    aiohttp's silent re-send of a GET whose connection dropped before the answer arrived is turned
    off: a Stream GET is not idempotent (a CHECKOUT creates an order), so the drop must reach the
    sink as "maybe applied" instead. Cookies are not kept (each request stands alone).
    """
    connect = max(options.timeout_s, POOL_WAIT_S) if options.pool_wait_s is None else options.pool_wait_s
    timeout = aiohttp.ClientTimeout(
        total=None, connect=connect, sock_connect=options.timeout_s, sock_read=options.timeout_s
    )
    connector = aiohttp.TCPConnector(
        limit=options.max_connections, keepalive_timeout=KEEPALIVE_S, ssl=stream_tls_context()
    )
    proxy, proxy_auth = env_proxy(options.base_url)
    session = aiohttp.ClientSession(connector=connector, timeout=timeout, cookie_jar=aiohttp.DummyCookieJar(),
                                    proxy=proxy, proxy_auth=proxy_auth)  # fmt: skip
    # No public switch exists; aiohttp's own test client sets the same attribute (pinned version).
    session._retry_connection = False
    return session


def status_class(status: int) -> str:
    return f"{status // 100}xx" if 200 <= status < 600 else "error"


def check_response(answer: StreamAnswer, what: str, fates: FateTable = DEFAULT_FATES) -> None:
    """Return when ``answer`` is an acceptance; raise the error that decides the record's fate.

    The fate table (``CDPW_FATE_OVERRIDES``) decides; a dead-lettered 404 means an unknown browser.
    """
    status = answer.status
    action = fates.decide("stream", status)
    if action is Action.DONE:
        return
    excerpt = answer.text[:BODY_EXCERPT]
    message = f"Stream {what}: HTTP {status}: {excerpt}"
    if action is Action.STOP:
        raise errors.StreamAuthError(f"CDPW_CDP_CLIENT_KEY / CDPW_CDP_BASE_URL rejected by CDP. {message}")
    if action is Action.RETRY:
        retry_after = parse_retry_after(answer.retry_after)
        kind = errors.ThrottledError if status in RETRYABLE_4XX else errors.ServerError
        raise kind(message, retry_after=retry_after, status=status)
    if status == 404:
        raise errors.UnknownBrowserError(message, status=status, body=excerpt)
    raise errors.StreamRejectedError(message, status=status, body=excerpt)


def _not_sent(message: str) -> errors.StreamTransientError:
    return errors.StreamConnectionError(message, maybe_applied=False)


def _maybe_applied(message: str) -> errors.StreamTransientError:
    return errors.StreamConnectionError(message, maybe_applied=True)


#: First match wins, so a subclass comes before its base. Before the request was written: the
#: connect or the wait for a pooled connection timed out (ConnectionTimeoutError), or the connect
#: failed (ClientConnectorError: refused, DNS, TLS, certificate). After: no answer in time
#: (SocketTimeoutError), the server disconnected or reset the connection, the body was cut
#: (ClientPayloadError), the answer was not HTTP (ClientResponseError), or anything else.
TRANSPORT_OUTCOMES: tuple[tuple[type[BaseException], Callable[[str], errors.StreamTransientError]], ...] = (
    (aiohttp.ConnectionTimeoutError, _not_sent),
    (aiohttp.ClientConnectorError, _not_sent),
    (asyncio.TimeoutError, errors.StreamTimeoutError),
    (aiohttp.ClientError, _maybe_applied),
)

#: What :meth:`StreamClient._call` translates; anything else (a bug, a cancellation) propagates.
TRANSPORT_ERRORS = (aiohttp.ClientError, asyncio.TimeoutError)


def translate_transport(error: BaseException, what: str) -> errors.StreamTransientError:
    """An aiohttp failure as a retryable error; says whether the request may have been processed.

    The message never carries a URL's query (aiohttp puts the whole URL in some errors' text).
    """
    message = f"Stream {what}: {type(error).__name__}: {_QUERY.sub('?…', str(error))}"
    for kind, outcome in TRANSPORT_OUTCOMES:
        if isinstance(error, kind):
            return outcome(message)
    return _maybe_applied(message)


class StreamClient:
    """Sends Stream requests and reports each one in the metrics (requests by step, latency).

    The HTTP session is opened by ``opener`` (:func:`open_stream_session`) on the first request,
    inside the running loop, and closed by :meth:`aclose`.
    """

    def __init__(
        self,
        http: StreamHttpOptions,
        client_key: str,
        metrics: Metrics,
        fates: FateTable = DEFAULT_FATES,
        limiter: RateLimiter | None = None,
        opener: Callable[[StreamHttpOptions], aiohttp.ClientSession] = open_stream_session,
    ) -> None:
        self._http = http
        self._fates = fates
        self._limiter = limiter or RateLimiter(0)
        self._open = opener
        self._session: aiohttp.ClientSession | None = None
        self._base = http.base_url.rstrip("/")
        self._key = quote(client_key, safe="")
        self._metrics = metrics
        # Labelled children looked up once: labels() with keywords costs ~1.6 µs per call. Safe
        # because these series are never removed from their metric.
        self._requests: dict[tuple[str, str], Counter] = {}
        self._duration: Histogram | None = None

    async def create_browser(self) -> str:
        """A new browser id (``ref``) from ``browser/create``."""
        answer = await self._call("BROWSER", BROWSER_PATH, url_encoded({}))
        check_response(answer, "browser/create", self._fates)
        try:
            ref = orjson.loads(answer.body)["ref"]
        except (orjson.JSONDecodeError, KeyError, TypeError):
            raise errors.ServerError(f"Stream browser/create: no ref in {answer.text[:200]!r}") from None
        if not isinstance(ref, str) or not ref:
            raise errors.ServerError(f"Stream browser/create: bad ref {ref!r}")
        return ref

    async def send(self, step: Step, context: StreamContext, browser_id: str) -> None:
        """Send one event; returns when CDP accepted it (201), raises a :mod:`worker.cdp.errors` error."""
        message = url_encoded(event_message(step, context, browser_id))
        answer = await self._call(step.event.value, EVENT_PATH, message)
        check_response(answer, step.event.value, self._fates)

    async def aclose(self) -> None:
        session, self._session = self._session, None
        if session is not None:
            await session.close()

    async def _get(self, path: str, encoded_message: str) -> StreamAnswer:
        if self._session is None:
            self._session = self._open(self._http)
        # Already percent-encoded (encoded=True): yarl neither parses nor re-quotes the query.
        url = URL(f"{self._base}{path}?client_key={self._key}&message={encoded_message}", encoded=True)
        async with self._session.get(url, allow_redirects=False) as response:
            body = await response.read()
            return StreamAnswer(response.status, body, response.headers.get("Retry-After"))

    async def _call(self, step: str, path: str, encoded_message: str) -> StreamAnswer:
        await self._limiter.acquire()
        started = time.monotonic()
        try:
            answer = await self._get(path, encoded_message)
        except TRANSPORT_ERRORS as exc:
            self._count(step, "error", started)
            raise translate_transport(exc, step) from exc
        self._count(step, status_class(answer.status), started)
        self._limiter.observe(answer.status)
        return answer

    def _count(self, step: str, status: str, started: float) -> None:
        requests = self._requests.get((step, status))
        if requests is None:
            requests = self._metrics.cdp_requests.labels(api="stream", step=step, status_class=status)
            self._requests[(step, status)] = requests
        requests.inc()
        if self._duration is None:
            self._duration = self._metrics.cdp_request_duration.labels(api="stream")
        self._duration.observe(time.monotonic() - started)
