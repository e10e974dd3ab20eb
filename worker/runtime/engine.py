"""The engine: takes consumed records, runs them through key lanes, decides each one's fate.

It owns the offset tracker and the in-flight accounting. Every record ends in exactly one of:
done (the sink accepted it), dead-lettered (the broker confirmed the dead letter), or not finished
(a fatal error stopped the worker, or its partition was revoked) — and only finished records ever
become committable.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from worker.codec import Decoder
from worker.errors import (
    DeadLetterPendingError,
    DecodeError,
    Fate,
    PermanentError,
    TransientError,
    WorkerError,
    fate_of,
    reason_of,
)
from worker.events import field_value
from worker.metrics import APIS, Metrics
from worker.retry import Backoff
from worker.runtime.circuit import Breakers, State
from worker.runtime.deadletters import DeadLetterPort, Failure
from worker.runtime.lanes import KeyLanes
from worker.runtime.offsets import OffsetTracker, TopicPartition
from worker.runtime.records import Record, Work
from worker.runtime.sinks import Sink

log = logging.getLogger("worker.engine")

POISONED_KEYS_LIMIT = 100_000
#: APIs with a circuit breaker; other transient waits (``order_wait``, ``none``) never pause intake.
CIRCUIT_APIS = frozenset(APIS)


class FollowedDeadLetterError(PermanentError):
    """An earlier record of this key was dead-lettered and the key policy is ``follow``."""

    reason = "follows_dead_letter"


@dataclass(frozen=True)
class EngineOptions:
    """Tunables of the engine (from :class:`worker.config.Settings`)."""

    max_concurrency: int = 200
    ordering_key_field: str = ""
    backoff: Backoff = field(default_factory=Backoff)
    retry_deadline_s: float = 600.0
    retry_max_attempts: int = 1000
    dlq_key_policy: str = "continue"
    dlq_hold_s: float = 300.0
    circuit_threshold: int = 20
    circuit_open_s: float = 10.0


class Engine:
    """Runs records through lanes to the sink; see the module docstring for the guarantees."""

    def __init__(
        self,
        decoder: Decoder,
        sink: Sink,
        dead_letters: DeadLetterPort,
        metrics: Metrics,
        options: EngineOptions,
        on_fatal: Callable[[BaseException], None],
    ) -> None:
        self._decoder = decoder
        self._sink = sink
        self._dead_letters = dead_letters
        self._metrics = metrics
        self._options = options
        self._on_fatal = on_fatal
        self._stopped = False
        self._closed = False
        self._revoked: set[TopicPartition] = set()
        self.breakers = Breakers(options.circuit_threshold, options.circuit_open_s, self._circuit_changed)
        self.tracker = OffsetTracker()
        self.lanes = KeyLanes(self._handle, options.max_concurrency, on_drop=self._release)
        self._poisoned: OrderedDict[object, None] = OrderedDict()
        #: Records released (finished, dropped or abandoned); read by the intake thread.
        self.released_total = 0
        #: Assignments whose sink state is still being restored (the worker is not ready meanwhile).
        self.restoring = 0

    # intake side -------------------------------------------------------------------------------
    def accept(self, records: Iterable[Record]) -> None:
        """Take consumed records (in partition order) and queue each on its key's lane."""
        consumed = self._metrics.records_consumed
        for record in records:
            if record.tp in self._revoked or self._closed:
                self.released_total += 1  # handed over just before its partition went: its new owner reads it
                continue
            self.tracker.take(record.tp, record.offset, record.timestamp_ms)
            consumed.labels(topic=record.topic).inc()
            self.lanes.submit(self._work(record))

    def _work(self, record: Record) -> Work:
        work = Work(record=record, lane_key=None, taken_at=time.monotonic())
        try:
            work.event = self._decoder.decode(record.value, record.headers)
        except WorkerError as exc:
            work.error = exc
        work.lane_key = self._lane_key(work)
        return work

    def _lane_key(self, work: Work) -> object:
        name = self._options.ordering_key_field
        if name and work.event is not None:
            value = field_value(work.event, name)
            if value is not None:
                return value
        key = work.record.key
        return key if key is not None else ("partition", *work.record.tp)

    # processing ----------------------------------------------------------------------------------
    def _fail(self, error: BaseException) -> None:
        """Stop the worker: records not finished yet stay uncommitted and are read again later."""
        self._stopped = True
        self._on_fatal(error)

    async def _handle(self, work: Work) -> None:
        if self._stopped or self._closed or work.revoked:
            self._release(work)
            return
        try:
            outcome = await self._attempt(work)
        except asyncio.CancelledError:
            self._release(work)
            raise
        if outcome is None:
            self._release(work)
            return
        self._finish(work, outcome)

    async def _attempt(self, work: Work) -> str | None:
        while True:
            try:
                await self._process(work)
            except asyncio.CancelledError:
                raise
            except Exception as error:  # noqa: BLE001  (every failure gets a fate, unknown ones included)
                next_step = await self._on_failure(work, error)
                if next_step != "retry":
                    return next_step
            else:
                self._succeeded(work)
                return "done"

    async def _process(self, work: Work) -> None:
        if work.event is None:
            if not isinstance(work.error, TransientError):
                raise work.error or DecodeError("no event")
            work.event = self._decoder.decode(work.record.value, work.record.headers)
        if work.lane_key in self._poisoned:
            raise FollowedDeadLetterError("an earlier record of this key was dead-lettered")
        assert work.event is not None
        await self._sink.process(work.record, work.event)
        self._metrics.end_to_end_latency.observe(max(time.time() - work.record.timestamp_ms / 1000, 0.0))

    async def _on_failure(self, work: Work, error: Exception) -> str | None:
        if work.revoked or self._closed:
            return None  # its partition is gone (or the worker is closing): the next owner reads it again
        now = time.time()
        work.attempts += 1
        work.first_failure = work.first_failure or now
        work.last_failure = now
        fate = fate_of(error)
        if fate is not Fate.RETRY:
            self._probe_answered(work)
        if fate is Fate.STOP:
            log.error("stopping: %s", error)
            self._fail(error)
            return None
        if (
            fate is Fate.RETRY
            and now - work.first_failure - work.circuit_wait < self._options.retry_deadline_s
            and work.attempts < self._options.retry_max_attempts
        ):
            await self._retry_later(work, error)
            return "retry"
        if self._holds(work, error, now):
            await asyncio.sleep(self._options.backoff.delay(work.attempts))
            return "retry"
        return await self._dead_letter(work, error)

    def _holds(self, work: Work, error: Exception, now: float) -> bool:
        """Policy ``hold``: a CDP rejection is retried for ``dlq_hold_s`` while its key waits behind it
        (time for an operator to fix a tenant setting); undecodable bytes are never held."""
        if self._options.dlq_key_policy != "hold" or isinstance(error, DecodeError):
            return False
        assert work.first_failure is not None
        return now - work.first_failure < self._options.dlq_hold_s

    async def _retry_later(self, work: Work, error: Exception) -> None:
        """Back off, then wait while the failing API's circuit is open (that time is not held against it).

        Only CDP APIs have circuits; other transient waits (e.g. for an order to appear) just back off.
        """
        api = getattr(error, "api", "none")
        self._probe_failed(work)
        retry_after = error.retry_after if isinstance(error, TransientError) else None
        self._metrics.retries.labels(api=api, reason=reason_of(error)).inc()
        if api in CIRCUIT_APIS:
            self.breakers.of(api).record_failure()
        await asyncio.sleep(self._options.backoff.delay(work.attempts, retry_after))
        if api in CIRCUIT_APIS:
            waited, probe = await self.breakers.of(api).wait_turn()
            work.circuit_wait += waited
            if probe:
                work.notes["probe"] = api

    def _probe_failed(self, work: Work) -> None:
        """A probe that failed again, on whatever API, reopens the circuit it was probing."""
        probing = work.notes.pop("probe", None)
        if probing is not None:
            self.breakers.of(probing).record_failure()

    def _succeeded(self, work: Work) -> None:
        """A success ends every failure streak; a probe's success closes its circuit."""
        self._probe_answered(work)
        self.breakers.reset_streaks()

    def _probe_answered(self, work: Work) -> None:
        """The probe got an answer that is not an outage (done, or rejected for good): its API is up."""
        probing = work.notes.pop("probe", None)
        if probing is not None:
            self.breakers.of(probing).record_success()

    def _circuit_changed(self, api: str, state: State) -> None:
        self._metrics.circuit_state.labels(api=api).set(int(state))

    @property
    def accepting(self) -> bool:
        """False while a circuit is open: intake takes nothing new."""
        return not self.breakers.blocking

    async def _dead_letter(self, work: Work, error: Exception) -> str | None:
        stage = getattr(error, "stage", "decode" if isinstance(error, DecodeError) else "process")
        now = time.time()
        failure = Failure(stage, error, work.attempts, work.first_failure or now, work.last_failure or now)
        if not await self._write_dead_letter(work, failure):
            return None
        self._metrics.dead_letters.labels(stage=stage, reason=reason_of(error)).inc()
        log.warning(
            "dead-lettered %s/%d@%d at %s: %s",
            work.record.topic,
            work.record.partition,
            work.record.offset,
            stage,
            error,
        )
        if self._options.dlq_key_policy == "follow":
            self._poison(work.lane_key)
        return "dead_letter"

    async def _write_dead_letter(self, work: Work, failure: Failure) -> bool:
        """True once the broker confirmed the dead letter. A broker outage is waited out (the record
        stays unfinished; it is abandoned if its partition goes); a refusal stops the worker."""
        attempt = 0
        while True:
            attempt += 1
            try:
                await self._dead_letters.send(work.record, failure)
                return True
            except DeadLetterPendingError as exc:
                log.warning("dead-letter write not confirmed, trying again: %s", exc)
                await asyncio.sleep(self._options.backoff.delay(attempt))
                if self._stopped or self._closed or work.revoked:
                    return False
            except Exception as exc:  # noqa: BLE001  (an unwritable dead-letter topic stops the worker)
                log.error("dead-letter write failed, stopping: %s", exc)
                self._fail(exc)
                return False

    def _poison(self, key: object) -> None:
        self._poisoned[key] = None
        self._poisoned.move_to_end(key)
        while len(self._poisoned) > POISONED_KEYS_LIMIT:
            self._poisoned.popitem(last=False)

    def _finish(self, work: Work, outcome: str) -> None:
        record = work.record
        self.tracker.finish(record.tp, record.offset)
        self._metrics.records_finished.labels(topic=record.topic, outcome=outcome).inc()
        self._metrics.processing_duration.observe(time.monotonic() - work.taken_at)
        self.released_total += 1

    def _release(self, _work: Work) -> None:
        self.released_total += 1

    # rebalance and shutdown ------------------------------------------------------------------------
    async def revoke(self, partitions: list[TopicPartition], timeout: float) -> dict[TopicPartition, int]:
        """Stop work of ``partitions``: drop queued records, let running ones finish within ``timeout``.

        Returns the committable offsets of those partitions; nothing is committed for them afterwards.
        """
        self._revoked.update(partitions)
        running = self.lanes.revoke(partitions)
        if running:
            _, late = await asyncio.wait(running, timeout=timeout)
            for task in late:
                task.cancel()
            if late:
                log.warning("revoke: cancelled %d records still running after %.1fs", len(late), timeout)
                await asyncio.wait(late)
        offsets = {tp: off for tp, off in self.tracker.committable().items() if tp in set(partitions)}
        self.tracker.forget(partitions)
        return offsets

    async def assigned(self, partitions: list[TopicPartition]) -> None:
        """Let the sink prepare (restore its state) before records of ``partitions`` flow."""
        self._revoked.difference_update(partitions)
        self.restoring += 1
        try:
            await self._sink.assigned(partitions)
        except Exception as exc:
            self._fail(exc)
            raise
        finally:
            self.restoring -= 1

    async def drain(self, timeout: float) -> bool:
        """Wait until every taken record is finished, at most ``timeout`` seconds; True if drained."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.lanes.wait_idle(), timeout)
        return self.lanes.idle

    def update_gauges(self, in_flight: int) -> None:
        self._metrics.records_in_flight.set(in_flight)
        self._metrics.keys_blocked.set(self.lanes.blocked_keys)

    async def aclose(self) -> None:
        self._closed = True
        await self.lanes.close()
        await self._sink.aclose()
