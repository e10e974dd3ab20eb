"""The CDP sink: each event's Stream plan sent step by step, resumable, exactly once in effect.

For one record: look up the key's progress; skip a record already finished (redelivery); pick the
browser (the running plan's, the event's, the stored one, or a new one from browser/create); plan
the event against the session's cart; send the steps not yet accepted, in order, holding the
browser's lock so no other key interleaves on it; save the progress to the state topic before a
step that must not be repeated (CHECKOUT, PAYMENT...), after it, and when the plan is finished.

A failure leaves the in-memory progress at the last accepted step, so the engine's retry of the
same record resumes there; after a crash the saved progress does the same. A 404 (unknown browser)
retires the browser and runs the plan again from its start on a new one, in a fresh session.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from worker.cdp import progress as prog
from worker.cdp.errors import StreamTransientError, UnknownBrowserError
from worker.cdp.orders_probe import order_probe
from worker.cdp.ratelimit import RateLimiter
from worker.cdp.rest_errors import RestTransientError
from worker.cdp.stream import StreamClient, StreamHttpOptions
from worker.config import Settings
from worker.events import Event, field_value
from worker.fates import fate_table
from worker.mapping import MappingOptions, plan_for
from worker.metrics import Metrics
from worker.plans import Plan, Step, StreamContext
from worker.runtime.records import Record
from worker.runtime.state import MemoryState, StateRestoreError, StateStore

log = logging.getLogger("worker.cdp")

#: Browsers tried per record before a 404 is taken as final (dead letter).
BROWSER_ATTEMPTS = 3


class StreamPort(Protocol):
    """What the sink needs of the Stream API (:class:`worker.cdp.stream.StreamClient`)."""

    async def create_browser(self) -> str: ...

    async def send(self, step: Step, context: StreamContext, browser_id: str) -> None: ...

    async def aclose(self) -> None: ...


class ProbePort(Protocol):
    """Whether CDP holds an order (:class:`worker.cdp.orders_probe.OrderProbe`); None: cannot tell."""

    async def exists(self, reference_id: str) -> bool | None: ...

    async def aclose(self) -> None: ...


class StatePort(Protocol):
    """What the sink needs of the state topic (:class:`worker.runtime.state.StateStore`)."""

    async def prepare(self) -> None: ...

    async def load(self, partitions: list[int]) -> dict[int, dict[str, bytes]]: ...

    async def save(self, partition: int, key: str, value: bytes) -> None: ...

    async def aclose(self) -> None: ...


@dataclass(frozen=True)
class CdpSinkOptions:
    """Tunables of the CDP sink (from :class:`worker.config.Settings`)."""

    mapping: MappingOptions = field(default_factory=MappingOptions)
    #: A session idle longer than this is taken as closed by CDP (keep below the tenant's timeout).
    session_idle_s: float = 900.0
    #: Event field naming the state key (as the engine's ordering key); empty: the Kafka key.
    ordering_key_field: str = ""
    #: Ask CDP (REST) before a plan that creates an order and skip the plan when the order exists.
    #: Set for dead-letter replays: their progress starts empty, so an order created by an earlier
    #: replay of the same dead letter would otherwise be created again.
    skip_existing_orders: bool = False


@dataclass
class _Call:
    """One record on its way: where its progress lives and what it holds now.

    ``fresh_plan`` is the event's plan for a session holding nothing (what every attempt runs when
    no base cart is carried over), mapped once per record.
    """

    record: Record
    event: Event
    key: str
    progress: prog.Progress
    fresh_plan: Plan


class CdpSink:
    """Sends each event's plan to the CDP Stream API; see the module docstring."""

    def __init__(self, stream: StreamPort, store: StatePort, options: CdpSinkOptions,
                 clock: Callable[[], float] = time.time, probe: ProbePort | None = None) -> None:  # fmt: skip
        self._stream = stream
        self._probe = probe
        self._store = store
        self._options = options
        self._clock = clock
        self._tables: dict[int, dict[str, prog.Progress]] = {}
        self._locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()

    # runtime hooks ---------------------------------------------------------------------------------------
    async def assigned(self, partitions: list[tuple[str, int]]) -> None:
        """Restore the progress of every key of the assigned partitions (replacing what was held)."""
        await self._store.prepare()
        loaded = await self._store.load(sorted({partition for _, partition in partitions}))
        for partition, rows in loaded.items():
            self._tables[partition] = {key: _read(key, raw) for key, raw in rows.items()}

    async def process(self, record: Record, event: Event) -> None:
        progress = self._progress(record, event)
        if prog.already_finished(progress, event.event_id, _position(record)):
            log.info("skipping finished record", extra={"event_id": event.event_id, "offset": record.offset})
            return
        plan = plan_for(event, self._options.mapping)
        call = _Call(record, event, self._key(record, event), progress, plan)
        if not plan.steps:
            await self._finish(call, event.event_id)
            return
        for attempt in range(1, BROWSER_ATTEMPTS + 1):
            try:
                await self._run(call)
                return
            except UnknownBrowserError:
                if self._ordered(call):
                    # Starting over would send CHECKOUT again on a new browser: a second order.
                    log.warning("browser lost after its order was created; rest of the plan dropped",
                                extra={"event_id": event.event_id})  # fmt: skip
                    await self._finish(call, event.event_id)
                    return
                if attempt == BROWSER_ATTEMPTS:
                    raise
                self._retire_browser(call)

    async def aclose(self) -> None:
        await self._stream.aclose()
        await self._store.aclose()
        if self._probe is not None:
            await self._probe.aclose()

    # records finished by the other APIs (the router's ledger) ---------------------------------------
    def finished_before(self, record: Record, event: Event) -> bool:
        """True when this record, or a later one of its key, was finished before: a redelivery."""
        return prog.already_finished(self._progress(record, event), event.event_id, _position(record))

    async def note_finished(self, record: Record, event: Event) -> None:
        """Remember ``record`` as finished in its key's progress (saved to the state topic)."""
        key = self._key(record, event)
        progress = prog.noted(self._progress(record, event), event.event_id, _position(record))
        self._tables.setdefault(record.partition, {})[key] = progress
        await self._store.save(record.partition, key, prog.to_bytes(progress))

    # one plan -------------------------------------------------------------------------------------------
    async def _run(self, call: _Call) -> None:
        browser = await self._browser(call)
        async with self._lock(browser):
            now = self._clock()
            call.progress = prog.begin(call.progress, call.event.event_id, browser, now, self._idle)
            self._hold(call)
            plan = self._plan(call)
            if prog.order_left_behind(call.progress, now, self._idle):
                log.warning("order created but its session closed; rest of the plan dropped",
                            extra={"event_id": plan.plan_id, "done": self._done(call)})  # fmt: skip
            elif await self._exists_already(call, plan):
                log.warning("CDP already has the order; plan skipped",
                            extra={"event_id": plan.plan_id})  # fmt: skip
            else:
                await self._send_remaining(call, plan, browser)
            await self._finish(call, plan.plan_id)

    async def _finish(self, call: _Call, plan_id: str) -> None:
        call.progress = prog.finish(call.progress, plan_id, _position(call.record))
        self._hold(call)
        await self._save(call)

    async def _send_remaining(self, call: _Call, plan: Plan, browser: str) -> None:
        for step in plan.steps[self._done(call) :]:
            await self._send(call, plan, step, browser)

    async def _send(self, call: _Call, plan: Plan, step: Step, browser: str) -> None:
        if not step.replayable:
            if await self._already_created(call, step):
                call.progress = prog.accepted(call.progress, step, self._clock())
                self._hold(call)
                await self._save(call)
                return
            await self._before_unrepeatable(call, step)
        try:
            await self._stream.send(step, plan.context, browser)
        except StreamTransientError as exc:
            if not step.replayable and not exc.maybe_applied:
                call.progress = prog.with_pending(call.progress, False)  # CDP surely did not act on it
                self._hold(call)
            raise
        call.progress = prog.accepted(call.progress, step, self._clock())
        self._hold(call)
        if not step.replayable:
            await self._save(call)

    async def _already_created(self, call: _Call, step: Step) -> bool:
        """True when an earlier attempt of this order-creating step may have landed and CDP has the order."""
        running = call.progress.running
        if self._probe is None or running is None or not running.pending or step.reference_id is None:
            return False
        found = await self._probe.exists(step.reference_id)
        log.warning("order-creating step may have been applied; CDP has the order: %s", found,
                    extra={"event_id": running.plan_id, "step": step.name})  # fmt: skip
        return found is True

    async def _exists_already(self, call: _Call, plan: Plan) -> bool:
        """With ``skip_existing_orders``, before a plan's first step: True when CDP has its order."""
        if not self._options.skip_existing_orders or self._probe is None or self._done(call):
            return False
        reference = next((s.reference_id for s in plan.steps if s.reference_id is not None), None)
        if reference is None:
            return False
        found = await self._probe.exists(reference)
        if found is None:
            raise RestTransientError("cannot tell whether CDP already has the order")
        return found

    async def _before_unrepeatable(self, call: _Call, step: Step) -> None:
        running = call.progress.running
        assert running is not None
        if running.pending:
            # The previous attempt may have reached CDP; CDP offers no read-back on the Stream API,
            # so the step is sent again (at least once) and the case is logged for reconciliation.
            log.warning("re-sending a step whose earlier attempt may have been applied",
                        extra={"event_id": running.plan_id, "step": step.name})  # fmt: skip
            return
        call.progress = prog.with_pending(call.progress, True)
        self._hold(call)
        await self._save(call)

    def _plan(self, call: _Call) -> Plan:
        """The plan on the running plan's base cart; the record's fresh plan when that cart is empty.

        ``plan_for`` is pure and treats an empty cart as none, so reusing the fresh plan is exact.
        """
        cart = prog.cart_of(call.progress)
        return plan_for(call.event, self._options.mapping, cart) if cart else call.fresh_plan

    # browsers -------------------------------------------------------------------------------------------
    async def _browser(self, call: _Call) -> str:
        hint = call.event.guest.browser_id
        browser = prog.choose_browser(call.progress, call.event.event_id, hint)
        if browser is not None:
            return browser
        browser = await self._stream.create_browser()
        call.progress = dataclasses.replace(call.progress, browser_id=browser)
        self._hold(call)
        await self._save(call)
        log.info("browser created", extra={"key": call.key})
        return browser

    def _retire_browser(self, call: _Call) -> None:
        running = call.progress.running
        lost = running.browser_id if running is not None else call.progress.browser_id
        if lost is None:
            return
        log.warning("CDP does not know the browser; starting the plan again on a new one",
                    extra={"event_id": call.event.event_id})  # fmt: skip
        call.progress = prog.browser_lost(call.progress, lost)
        self._hold(call)

    def _lock(self, browser: str) -> asyncio.Lock:
        lock = self._locks.get(browser)
        if lock is None:
            lock = asyncio.Lock()
            self._locks[browser] = lock
        return lock

    # progress -------------------------------------------------------------------------------------------
    @property
    def _idle(self) -> float:
        return self._options.session_idle_s

    @staticmethod
    def _ordered(call: _Call) -> bool:
        return call.progress.running is not None and call.progress.running.ordered

    @staticmethod
    def _done(call: _Call) -> int:
        return call.progress.running.done if call.progress.running is not None else 0

    def _key(self, record: Record, event: Event) -> str:
        name = self._options.ordering_key_field
        value = field_value(event, name) if name else None
        if value is not None:
            return value
        if record.key is not None:
            return record.key.decode("utf-8", "backslashreplace")
        return f"~partition-{record.partition}"

    def _progress(self, record: Record, event: Event) -> prog.Progress:
        table = self._tables.setdefault(record.partition, {})
        return table.get(self._key(record, event), prog.Progress())

    def _hold(self, call: _Call) -> None:
        self._tables.setdefault(call.record.partition, {})[call.key] = call.progress

    async def _save(self, call: _Call) -> None:
        await self._store.save(call.record.partition, call.key, prog.to_bytes(call.progress))


def _position(record: Record) -> prog.Position:
    return prog.Position(record.topic, record.partition, record.offset, record.timestamp_ms)


def _read(key: str, raw: bytes) -> prog.Progress:
    """A restored progress record; a corrupt one is logged and ignored, a newer format stops the worker."""
    try:
        return prog.from_bytes(raw)
    except prog.NewerProgressError as exc:
        raise StateRestoreError(
            f"state of key {key!r}: {exc}; roll the newer worker version out instead"
        ) from exc
    except ValueError as exc:
        log.error("unreadable progress record ignored", extra={"key": key, "error": str(exc)})
        return prog.Progress()


def build_cdp_sink(
    settings: Settings, metrics: Metrics, kafka: dict[str, Any], replay: bool = False
) -> CdpSink:
    """The CDP sink with its Stream client and state store, wired from the settings (no I/O yet).

    ``replay``: for a dead-letter replay through the worker: progress in memory, not in the state
    topic (the partitions belong to the running workers), and existing orders are skipped.
    """
    http = StreamHttpOptions(settings.cdp_base_url, settings.cdp_timeout_s, settings.cdp_max_connections)
    limiter = RateLimiter(settings.stream_rate_limit_per_s)
    fates = fate_table(settings.fate_overrides)
    stream = StreamClient(http, settings.cdp_client_key, metrics, fates, limiter)
    store: StatePort = (
        MemoryState()
        if replay
        else StateStore(
            kafka,
            settings.state_topic,
            settings.kafka_topics,
            settings.kafka_group_id,
            settings.kafka_produce_timeout_ms,
            settings.state_restore_timeout_s,
        )
    )
    mapping = MappingOptions(
        single_event=settings.stream_single_event,
        add_contacts=settings.stream_add_contacts,
        send_identity=settings.stream_send_identity,
        default_pos=settings.cdp_point_of_sale,
        close_session_after_order=settings.stream_close_session_after_order,
    )
    options = CdpSinkOptions(
        mapping, settings.stream_session_idle_s, settings.ordering_key_field, skip_existing_orders=replay
    )
    token = settings.cdp_api_token.get_secret_value()
    probe = order_probe(settings.cdp_base_url, settings.cdp_client_key, token, settings.cdp_timeout_s)
    return CdpSink(stream, store, options, probe=probe)
