"""The corrections sink: order events routed to REST v2.1 or Batch, with update-before-create.

For one record: map the event to its action (pure, :func:`worker.mapping.corrections.action_for`),
then either hand it to the Batch uploader (which returns once the record's batch reached a terminal
state) or apply it over REST with look-up-before-write.

Update before create: a correction whose order CDP does not show yet raises
:class:`OrderNotVisibleError` (a :class:`TransientError`), so the engine retries it with backoff;
that blocks only the record's own key lane. Once the order has been missing for longer than
``wait_s`` (measured from the first miss of this record), the configured fallback applies:
``create`` (write the full order, which every correction carries), ``batch`` (Batch upsert of the
full order) or ``dead_letter``. A deletion whose order stays missing is done: there is nothing to delete.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Literal, Protocol

from worker.cdp.ratelimit import RateLimiter
from worker.cdp.rest import RestClient, rest_http_client
from worker.cdp.rest_errors import (
    BatchRejectedError,
    BatchTransientError,
    OrderNotVisibleError,
    RestTransientError,
)
from worker.cdp.rest_orders import RestOrderWriter
from worker.config import Settings
from worker.errors import ConfigurationError, PermanentError
from worker.events import Event
from worker.fates import fate_table
from worker.mapping.corrections import Action, Delete, Route, Upsert, action_for
from worker.metrics import Metrics
from worker.runtime.records import Record

log = logging.getLogger("worker.corrections")

Fallback = Literal["create", "batch", "dead_letter"]
#: Records remembered as waiting for their order (far above the engine's concurrency bound).
MAX_WAITING = 100_000
Closer = Callable[[], Awaitable[None]]


class BatchPort(Protocol):
    """What the sink needs of the Batch uploader (:class:`worker.cdp.batch.BatchUploader`)."""

    async def submit(self, record: Record, action: Action) -> None: ...

    async def aclose(self) -> None: ...


def _batch_can_carry(action: Action) -> bool:
    """Batch orders need a contact: an anonymous guest's order goes over REST instead."""
    return not isinstance(action, Upsert) or action.order.contact is not None


class OrderNeverAppearedError(PermanentError):
    """A correction's order stayed missing in CDP past the wait window and the fallback is dead letter."""

    reason = "order_missing"
    stage = "rest"


@dataclass(frozen=True)
class CorrectionOptions:
    """Tunables of the corrections sink (from :class:`worker.config.Settings`)."""

    default_pos: str = ""
    #: How long a correction waits for its order to appear in CDP before the fallback applies.
    wait_s: float = 60.0
    fallback: Fallback = "create"


class CorrectionsSink:
    """Applies order actions over REST or Batch; see the module docstring."""

    def __init__(
        self,
        writer: RestOrderWriter,
        options: CorrectionOptions,
        batch: BatchPort | None = None,
        clock: Callable[[], float] = time.monotonic,
        closers: tuple[Closer, ...] = (),
    ) -> None:
        self._writer = writer
        self._options = options
        self._batch = batch
        self._clock = clock
        self._closers = closers
        #: First time each waiting record missed its order (bounded: abandoned records age out).
        self._first_miss: OrderedDict[str, float] = OrderedDict()
        #: Deletions (by event id) whose delete was sent at least once and may have applied.
        self._delete_sent: OrderedDict[str, float] = OrderedDict()

    @property
    def has_batch(self) -> bool:
        return self._batch is not None

    async def handle(self, record: Record, event: Event, route: Route) -> None:
        """Apply ``event``'s action over ``route`` (REST or Batch); raises to decide the record's fate."""
        action = action_for(event, self._options.default_pos)
        if route is Route.BATCH and _batch_can_carry(action):
            await self._to_batch(record, action, event.event_id)
        else:
            await self._rest(record, action, event.event_id)
        self._first_miss.pop(event.event_id, None)
        self._delete_sent.pop(event.event_id, None)

    async def _rest(self, record: Record, action: Action, event_id: str) -> None:
        try:
            if isinstance(action, Delete):
                await self._delete(action, event_id)
            else:
                await self._writer.upsert(action, create=action.create)
        except OrderNotVisibleError:
            if not self._waited_long_enough(event_id):
                raise
            await self._fallback(record, action, event_id)

    async def _delete(self, action: Delete, event_id: str) -> None:
        found = await self._writer.find_deletable(action)
        if not found:
            self._nothing_to_delete(action, event_id)
            return
        self._remember(self._delete_sent, event_id)
        await self._writer.delete_orders(found)

    def _nothing_to_delete(self, action: Delete, event_id: str) -> None:
        """Done when an earlier attempt sent the delete (it may have applied); else wait for the order."""
        if event_id in self._delete_sent:
            log.info(
                "order already deleted by an earlier attempt", extra={"reference_id": action.reference_id}
            )
            return
        raise OrderNotVisibleError(f"order {action.reference_id} to delete is not in CDP (yet)")

    def _waited_long_enough(self, event_id: str) -> bool:
        now = self._clock()
        first = self._first_miss.get(event_id, now)
        self._remember(self._first_miss, event_id, first)
        return now - first >= self._options.wait_s

    @staticmethod
    def _remember(table: OrderedDict[str, float], event_id: str, value: float = 0.0) -> None:
        table[event_id] = value
        while len(table) > MAX_WAITING:
            table.popitem(last=False)

    async def _fallback(self, record: Record, action: Action, event_id: str) -> None:
        self._first_miss.pop(event_id, None)
        if isinstance(action, Delete):
            log.warning("order to delete never appeared in CDP; nothing deleted",
                        extra={"reference_id": action.reference_id})  # fmt: skip
            return
        fallback = self._options.fallback
        log.warning("correction's order never appeared in CDP; fallback %s", fallback,
                    extra={"reference_id": action.order.reference_id})  # fmt: skip
        if fallback == "dead_letter":
            raise OrderNeverAppearedError(
                f"order {action.order.reference_id} not in CDP after the wait window"
            )
        full = Upsert(action.order, create=True)
        if fallback == "batch" and self._batch is not None:
            await self._batch.submit(record, full)
            return
        await self._writer.upsert(full, create=True)

    async def _to_batch(self, record: Record, action: Action, event_id: str) -> None:
        if self._batch is None:
            raise ConfigurationError("CDPW_ROUTE_*: Batch route chosen but no Batch uploader is available")
        if isinstance(action, Upsert) and not action.create and not await self._visible(action, event_id):
            await self._fallback(record, action, event_id)
            return
        if isinstance(action, Delete):
            await self._batch_delete(record, action, event_id)
            return
        await self._batch.submit(record, action)

    async def _batch_delete(self, record: Record, action: Delete, event_id: str) -> None:
        assert self._batch is not None
        tried_before = event_id in self._delete_sent
        self._remember(self._delete_sent, event_id)
        try:
            await self._batch.submit(record, action)
        except BatchRejectedError as exc:
            if exc.status != 404:
                raise
            # No order matched (a 404 log line): done if an earlier attempt's file may have deleted
            # it; otherwise, like a REST delete, wait in case its creation is still in flight.
            if not tried_before:
                self._delete_sent.pop(event_id, None)
            try:
                self._nothing_to_delete(action, event_id)
            except OrderNotVisibleError:
                if not self._waited_long_enough(event_id):
                    raise
                log.warning(
                    "Batch delete found no order; nothing deleted",
                    extra={"reference_id": action.reference_id},
                )

    async def _visible(self, action: Upsert, event_id: str) -> bool:
        """Whether the correction's order is in CDP; raises while the wait window runs.

        A Batch upsert of a missing order would insert it, and the Stream creation still in flight
        would then make a second one: the order is looked up (REST) first.
        """
        try:
            found = await self._writer.exists(action.order)
        except RestTransientError as exc:
            # Reported as a Batch failure: this record's attempts all count on the Batch API.
            raise BatchTransientError(
                f"Batch correction, order look-up: {exc}", retry_after=exc.retry_after
            ) from exc
        if found:
            return True
        if not self._waited_long_enough(event_id):
            raise OrderNotVisibleError(f"order {action.order.reference_id} is not in CDP yet")
        return False

    async def assigned(self, partitions: list[tuple[str, int]]) -> None:  # noqa: ARG002  (no state to restore)
        return None

    async def aclose(self) -> None:
        if self._batch is not None:
            await self._batch.aclose()
        for close in self._closers:
            await close()


def build_corrections_sink(settings: Settings, metrics: Metrics, batch: BatchPort | None) -> CorrectionsSink:
    """The corrections sink with its REST client, wired from the settings (no I/O yet)."""
    token = settings.cdp_api_token.get_secret_value()
    http = rest_http_client(settings.cdp_base_url, settings.cdp_client_key, token, settings.cdp_timeout_s,
                            settings.cdp_max_connections)  # fmt: skip
    limiter = RateLimiter(settings.rest_rate_limit_per_s)
    client = RestClient(http, metrics, fate_table(settings.fate_overrides), limiter)
    options = CorrectionOptions(
        settings.cdp_point_of_sale, settings.correction_wait_s, settings.correction_fallback
    )
    return CorrectionsSink(RestOrderWriter(client), options, batch, closers=(client.aclose,))
