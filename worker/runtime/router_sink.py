"""The router sink: each event goes to the Stream sink or the corrections sink (REST / Batch).

The routing table lives in :mod:`worker.mapping.corrections` (:data:`~worker.mapping.corrections.ROUTES`);
this sink adds the one rule that depends on traffic: when Batch is available and the rate of
corrections (OrderUpdated/Cancelled/Refunded) over the last ``window_s`` seconds exceeds
``threshold_per_s``, corrections routed to REST go to Batch instead.

Redeliveries: a finished deletion is noted in its key's Stream progress (the Stream sink is also the
ledger, see :class:`StreamPort`; saved to the state topic), and a REST or Batch record it knows as
finished is skipped. Without it, a
deletion redelivered after a restart finds no order (it was deleted), and would wait
``CDPW_CORRECTION_WAIT_S`` for one that never comes, holding its key and, on Batch, uploading a file
per attempt. Other corrections write the order's full state: a redelivery only repeats a write.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import httpx

from worker.cdp.batch import BatchOptions, BatchUploader
from worker.cdp.batch_api import BatchApi
from worker.cdp.rest import rest_http_client
from worker.config import Settings
from worker.errors import TransientError
from worker.events import Event, OrderDeleted
from worker.fates import fate_table
from worker.mapping.corrections import Route, RoutingPolicy, is_correction, route_for
from worker.metrics import Metrics
from worker.runtime.corrections_sink import CorrectionsSink, build_corrections_sink
from worker.runtime.records import Record
from worker.runtime.sinks import Sink

log = logging.getLogger("worker.router")

#: Routes of records being retried that are remembered (far above the engine's concurrency bound).
MAX_REMEMBERED = 100_000


@dataclass
class CorrectionRate:
    """Corrections seen in a sliding window; ``hot`` when their rate exceeds ``threshold_per_s``."""

    threshold_per_s: float
    window_s: float = 10.0
    clock: Callable[[], float] = time.monotonic

    def __post_init__(self) -> None:
        self._seen: deque[float] = deque()

    def note(self) -> bool:
        """Count one correction now; True when the rate is above the threshold."""
        now = self.clock()
        self._seen.append(now)
        while self._seen and self._seen[0] <= now - self.window_s:
            self._seen.popleft()
        return len(self._seen) / self.window_s > self.threshold_per_s


class StreamPort(Sink, Protocol):
    """The Stream sink, which also keeps the records finished per key across restarts in its progress
    (:class:`worker.runtime.cdp_sink.CdpSink`)."""

    def finished_before(self, record: Record, event: Event) -> bool: ...

    async def note_finished(self, record: Record, event: Event) -> None: ...


class RouterSink:
    """Routes each event by the routing table; see the module docstring."""

    def __init__(self, stream: StreamPort, corrections: CorrectionsSink, policy: RoutingPolicy,
                 rate: CorrectionRate | None = None) -> None:  # fmt: skip
        self._stream = stream
        self._corrections = corrections
        self._policy = policy
        self._rate = rate
        self._chosen: OrderedDict[tuple[str, int, int], Route] = OrderedDict()

    def route(self, event: Event) -> Route:
        """The API that carries ``event`` now."""
        route = route_for(event, self._policy)
        if route is Route.REST and is_correction(event) and self._rate is not None and self._rate.note():
            return Route.BATCH if self._corrections.has_batch else route
        return route

    async def process(self, record: Record, event: Event) -> None:
        # A retried record keeps the route of its first attempt: its failures stay on one API (the
        # engine's circuit breakers are per API) and a half-written REST correction is finished on REST.
        where = (record.topic, record.partition, record.offset)
        route = self._chosen.pop(where, None) or self.route(event)
        if route is not Route.STREAM and self._stream.finished_before(record, event):
            log.info("skipping finished record", extra={"event_id": event.event_id, "offset": record.offset})
            return
        try:
            if route is Route.STREAM:
                await self._stream.process(record, event)
            else:
                await self._corrections.handle(record, event, route)
        except TransientError:
            self._remember(where, route)
            raise
        if isinstance(event, OrderDeleted):
            await self._stream.note_finished(record, event)

    def _remember(self, where: tuple[str, int, int], route: Route) -> None:
        self._chosen[where] = route
        while len(self._chosen) > MAX_REMEMBERED:
            self._chosen.popitem(last=False)

    async def assigned(self, partitions: list[tuple[str, int]]) -> None:
        await self._stream.assigned(partitions)
        await self._corrections.assigned(partitions)

    async def aclose(self) -> None:
        await self._stream.aclose()
        await self._corrections.aclose()


def routing_policy(settings: Settings, batch_available: bool) -> RoutingPolicy:
    """The routing knobs from the settings; every Batch route falls back to REST without an uploader."""

    def pick(name: str) -> Route:
        route = Route(name)
        return Route.REST if route is Route.BATCH and not batch_available else route

    return RoutingPolicy(
        corrections=pick(settings.route_corrections),
        deletions=pick(settings.route_deletions),
        imports=pick(settings.route_imports),
        untracked=pick(settings.route_untracked_orders),
    )


def build_batch_uploader(settings: Settings, metrics: Metrics | None) -> BatchUploader:
    """The Batch uploader with its two HTTP clients (Basic-authenticated API, bare pre-signed URLs)."""
    token = settings.cdp_api_token.get_secret_value()
    http = rest_http_client(settings.cdp_base_url, settings.cdp_client_key, token, settings.cdp_timeout_s, 4)
    upload = httpx.AsyncClient(timeout=httpx.Timeout(max(settings.cdp_timeout_s, 120.0)))
    options = BatchOptions(
        max_records=settings.batch_max_records,
        max_bytes=settings.batch_max_bytes,
        max_age_s=settings.batch_max_age_s,
        poll_base_s=settings.batch_poll_base_s,
        poll_max_s=settings.batch_poll_max_s,
        timeout_s=settings.batch_timeout_s,
    )
    return BatchUploader(BatchApi(http, upload, fate_table(settings.fate_overrides)), options, metrics)


def build_router_sink(settings: Settings, metrics: Metrics, stream: StreamPort) -> RouterSink:
    """The router around the Stream sink ``stream`` and a new corrections sink (no I/O yet)."""
    batch = build_batch_uploader(settings, metrics)
    corrections = build_corrections_sink(settings, metrics, batch)
    threshold = settings.correction_batch_threshold_per_s
    rate = CorrectionRate(threshold) if threshold > 0 else None
    return RouterSink(stream, corrections, routing_policy(settings, batch is not None), rate)
