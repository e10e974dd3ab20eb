"""REST v2.1 client: orders, order items, contacts, consumers and data extensions (cdp-api.md §4).

Basic auth (client key, API token), JSON bodies with exact decimals. Every response and every httpx
failure becomes an outcome in :func:`check` / :func:`translate`, by the fate table (api ``rest``,
``CDPW_FATE_OVERRIDES``): by default 2xx done; 401/403 configuration error (stop); 408/429/5xx,
timeouts and connection errors retried (the engine repeats the record, whose writes are
look-up-before-write, hence safe to repeat); other 4xx dead letter with the parsed error body.
Creates are not idempotent, so callers look an order up by ``referenceId`` first.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

import httpx
import orjson

from worker.cdp.message import to_json
from worker.cdp.ratelimit import RateLimiter
from worker.cdp.rest_errors import (
    RestAuthError,
    RestNotFoundError,
    RestRejectedError,
    RestTransientError,
    parse_error_body,
)
from worker.fates import Action, FateTable, fate_table
from worker.metrics import Metrics
from worker.retry import parse_retry_after

V = "/v2.1"
DEFAULT_FATES = fate_table()
#: Calls whose 404 answers "absent" rather than "refused".
LOOKUPS = frozenset({"get_extension"})
PAGE = 100
#: Owner collection of a data extension: orders or order items.
OWNERS = frozenset({"orders", "orderItems"})
Json = dict[str, Any]


def rest_http_client(base_url: str, client_key: str, api_token: str, timeout_s: float,
                     max_connections: int) -> httpx.AsyncClient:  # fmt: skip
    """The pooled, Basic-authenticated HTTP client of REST and Batch."""
    limits = httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections)
    return httpx.AsyncClient(
        base_url=base_url, auth=(client_key, api_token), limits=limits,
        timeout=httpx.Timeout(timeout_s, pool=max(timeout_s, 30.0)), follow_redirects=False,
        headers={"Accept": "application/json"},
    )  # fmt: skip


def check(response: httpx.Response, what: str, fates: FateTable = DEFAULT_FATES) -> None:
    """Return when the fate table (``CDPW_FATE_OVERRIDES``, api ``rest``) says done; raise otherwise.

    A 404 on a look-up always means "absent" (:class:`RestNotFoundError`), whatever the table says.
    """
    status = response.status_code
    action = fates.decide("rest", status)
    if status == 404 and what in LOOKUPS:
        action = Action.DEAD_LETTER
    if action is Action.DONE:
        return
    error = parse_error_body(status, response.content)
    message = f"REST {what}: HTTP {status}: {error.message} {error.developer_message}".rstrip()
    if action is Action.STOP:
        raise RestAuthError(f"CDPW_CDP_CLIENT_KEY / CDPW_CDP_API_TOKEN rejected by CDP. {message}")
    if action is Action.RETRY:
        retry_after = parse_retry_after(response.headers.get("retry-after"))
        raise RestTransientError(message, retry_after=retry_after, status=status)
    kind = RestNotFoundError if status == 404 else RestRejectedError
    raise kind(message, status=status, body=response.text[:1000], error=error)


def translate(error: httpx.HTTPError, what: str) -> RestTransientError:
    """An httpx failure as a retryable error; ``maybe_applied`` when the request may have been served."""
    failure = RestTransientError(f"REST {what}: {type(error).__name__}: {error}")
    unsent = isinstance(error, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout)
    failure.maybe_applied = not unsent
    return failure


class RestClient:
    """REST v2.1 calls; each returns the JSON resource CDP answered with."""

    def __init__(
        self, http: httpx.AsyncClient, metrics: Metrics | None = None, fates: FateTable = DEFAULT_FATES,
        limiter: RateLimiter | None = None,
    ) -> None:  # fmt: skip
        self._http = http
        self._metrics = metrics
        self._fates = fates
        self._limiter = limiter or RateLimiter(0)

    # orders ----------------------------------------------------------------------------------------
    async def find_orders(self, reference_id: str) -> list[Json]:
        """Every order with ``referenceId`` (expanded), in creation order."""
        return await self._collection(f"{V}/orders", "find_orders", {"referenceId": reference_id})

    async def create_order(self, body: Mapping[str, object]) -> Json:
        return await self._send("POST", f"{V}/orders", "create_order", body)

    async def replace_order(self, order_ref: str, body: Mapping[str, object]) -> Json:
        return await self._send("PUT", f"{V}/orders/{order_ref}", "replace_order", body)

    async def patch_order(self, order_ref: str, body: Mapping[str, object]) -> Json:
        return await self._send("PATCH", f"{V}/orders/{order_ref}", "patch_order", body)

    async def delete_order(self, order_ref: str) -> None:
        await self._send("DELETE", f"{V}/orders/{order_ref}", "delete_order")

    # items, contact, consumers -------------------------------------------------------------------
    async def list_items(self, order_ref: str) -> list[Json]:
        return await self._collection(f"{V}/orders/{order_ref}/orderItems", "list_items", {})

    async def create_item(self, order_ref: str, body: Mapping[str, object]) -> Json:
        return await self._send("POST", f"{V}/orders/{order_ref}/orderItems", "create_item", body)

    async def replace_item(self, item_ref: str, body: Mapping[str, object]) -> Json:
        return await self._send("PUT", f"{V}/orderItems/{item_ref}", "replace_item", body)

    async def delete_item(self, item_ref: str) -> None:
        await self._send("DELETE", f"{V}/orderItems/{item_ref}", "delete_item")

    async def create_contact(self, order_ref: str, body: Mapping[str, object]) -> Json:
        """The order's primary contact; CDP links the order to the guest the identifiers resolve to."""
        return await self._send("POST", f"{V}/orders/{order_ref}/contacts", "create_contact", body)

    async def create_consumer(self, order_ref: str, body: Mapping[str, object]) -> Json:
        return await self._send("POST", f"{V}/orders/{order_ref}/consumers", "create_consumer", body)

    # data extensions ------------------------------------------------------------------------------
    async def get_extension(self, owner: str, ref: str) -> dict[str, object] | None:
        """The attributes of the ``ext`` extension of an order / order item; None when it has none."""
        try:
            found = await self._send("GET", _ext_path(owner, ref), "get_extension")
        except RestNotFoundError:
            return None
        return {k: v for k, v in found.items() if k not in ("href", "name", "key")}

    async def create_extension(self, owner: str, ref: str, data: Mapping[str, object]) -> None:
        await self._send("POST", _ext_path(owner, ref), "create_extension", data)

    async def patch_extension(self, owner: str, ref: str, data: Mapping[str, object]) -> None:
        await self._send("PATCH", _ext_path(owner, ref), "patch_extension", data)

    async def delete_extension_keys(self, owner: str, ref: str, keys: list[str] | None) -> None:
        """Remove ``keys`` from the extension, or the whole extension when ``keys`` is None."""
        params = {"keys": ",".join(keys)} if keys else None
        await self._send("DELETE", _ext_path(owner, ref), "delete_extension", params=params)

    async def aclose(self) -> None:
        await self._http.aclose()

    # plumbing -----------------------------------------------------------------------------------
    async def _collection(self, path: str, what: str, params: dict[str, str]) -> list[Json]:
        found: list[Json] = []
        while True:
            page = {**params, "expand": "true", "limit": str(PAGE), "offset": str(len(found))}
            items = (await self._send("GET", path, what, params=page)).get("items") or []
            found += items
            if len(items) < PAGE:
                return found

    async def _send(self, method: str, path: str, what: str, body: Mapping[str, object] | None = None,
                    params: Mapping[str, str] | None = None) -> Json:  # fmt: skip
        content = to_json(body).encode() if body is not None else None
        headers = {"Content-Type": "application/json"} if content is not None else None
        await self._limiter.acquire()
        started = time.monotonic()
        try:
            response = await self._http.request(method, path, content=content, params=params, headers=headers)
        except httpx.HTTPError as exc:
            self._count(what, "error", started)
            raise translate(exc, what) from exc
        self._count(what, f"{response.status_code // 100}xx", started)
        self._limiter.observe(response.status_code)
        check(response, what, self._fates)
        return _json(response, what)

    def _count(self, step: str, status: str, started: float) -> None:
        if self._metrics is None:
            return
        self._metrics.cdp_requests.labels(api="rest", step=step, status_class=status).inc()
        self._metrics.cdp_request_duration.labels(api="rest").observe(time.monotonic() - started)


def _ext_path(owner: str, ref: str) -> str:
    if owner not in OWNERS:
        raise ValueError(f"extensions belong to orders or orderItems, not {owner!r}")
    return f"{V}/{owner}/{ref}/extensions/ext"


def _json(response: httpx.Response, what: str) -> Json:
    if not response.content:
        return {}
    try:
        data = orjson.loads(response.content)
    except orjson.JSONDecodeError:
        raise RestTransientError(f"REST {what}: unreadable answer {response.text[:200]!r}") from None
    return data if isinstance(data, dict) else {}
