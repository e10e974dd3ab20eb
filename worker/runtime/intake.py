"""Intake: the confluent-kafka consumer on its own thread.

Every call on the consumer happens on this thread (librdkafka consumers must not be shared). Records
are handed to the engine on the event loop; commits, rebalances and flow control run here and ask
the loop for what they need (committable offsets, draining revoked partitions) with
``run_coroutine_threadsafe``.

Memory stays bounded: when ``max_in_flight`` records are held, no more are handed over; the thread
keeps at most one consumed record aside (polling must go on for rebalances and liveness) and lets
librdkafka's bounded prefetch queue fill. Only when the engine stays full for ``pause_after_s``
(a slow or failing CDP) are the partitions paused, because a resumed partition takes most of a
second to deliver again.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from confluent_kafka import OFFSET_INVALID, Consumer, KafkaError, KafkaException, Message, TopicPartition

from worker.metrics import Metrics
from worker.runtime.engine import Engine
from worker.runtime.offsets import TopicPartition as TP
from worker.runtime.records import Record
from worker.runtime.state import StateRestoreError

log = logging.getLogger("worker.intake")


@dataclass(frozen=True)
class IntakeOptions:
    """How the intake thread consumes, commits and bounds memory."""

    topics: tuple[str, ...]
    max_in_flight: int
    commit_interval_s: float
    drain_timeout_s: float
    #: Longest wait for the sink to restore the state of newly assigned partitions.
    restore_timeout_s: float = 120.0
    batch_size: int = 500
    pause_after_s: float = 2.0


def to_record(msg: Message) -> Record:
    """A consumed message as an immutable :class:`Record` (header values as bytes)."""
    raw = msg.headers() or ()
    pairs = raw.items() if isinstance(raw, dict) else raw
    headers = tuple((name, value.encode() if isinstance(value, str) else value) for name, value in pairs)
    return Record(
        topic=msg.topic() or "",
        partition=msg.partition() or 0,
        offset=msg.offset() or 0,
        key=msg.key(),
        value=msg.value(),
        headers=headers,
        timestamp_ms=msg.timestamp()[1],
    )


class Intake:
    """Runs the consumer thread; see the module docstring."""

    def __init__(
        self,
        conf: dict[str, Any],
        options: IntakeOptions,
        engine: Engine,
        metrics: Metrics,
        loop: asyncio.AbstractEventLoop,
        on_fatal: Callable[[BaseException], None],
    ) -> None:
        self._conf = {**conf, "stats_cb": self._on_stats}
        self._options = options
        self._engine = engine
        self._metrics = metrics
        self._loop = loop
        self._on_fatal = on_fatal
        self._thread = threading.Thread(target=self._run, name="kafka-intake", daemon=True)
        self._taking = True
        self._closing = threading.Event()
        self._closed: asyncio.Future[None] = loop.create_future()
        self._handed_total = 0
        self._paused: set[TP] = set()
        self._carry: list[Record] = []
        self._full_since: float | None = None
        self._committed: dict[TP, int] = {}
        self._next_commit = 0.0
        #: Partitions this member owns; written by the intake thread only.
        self.assigned: set[TP] = set()
        self._consumer: Consumer | None = None

    # loop side --------------------------------------------------------------------------------------
    def start(self) -> None:
        self._thread.start()

    def stop_taking(self) -> None:
        """Take no new records (partitions are paused; polling goes on to keep the membership)."""
        self._taking = False

    async def close(self) -> None:
        """Final commit of the finished prefix, leave the group, end the thread."""
        self._taking = False
        self._closing.set()
        await self._closed

    @property
    def in_flight(self) -> int:
        return self._handed_total - self._engine.released_total

    # thread side ------------------------------------------------------------------------------------
    def _run(self) -> None:
        try:
            self._consumer = Consumer(self._conf)
            self._consumer.subscribe(
                list(self._options.topics),
                on_assign=self._on_assign,
                on_revoke=self._on_revoke,
                on_lost=self._on_lost,
            )
            while not self._closing.is_set():
                self._step(self._consumer)
            self._commit(self._consumer, force=True)
            self._consumer.close()
        except Exception as exc:
            log.exception("intake thread failed")
            self._call_loop(self._on_fatal, exc)
        finally:
            self._call_loop(_set_done, self._closed)

    def _step(self, consumer: Consumer) -> None:
        if self._full():
            self._wait_for_room(consumer)
        else:
            self._full_since = None
            self._resume(consumer)
            batch = min(self._options.batch_size, self._options.max_in_flight)
            self._hand([*self._carry, *self._consume(consumer, batch)])
            self._carry = []
        if time.monotonic() >= self._next_commit:
            self._commit(consumer)

    def _full(self) -> bool:
        return not self._taking or not self._engine.accepting or self.in_flight >= self._options.max_in_flight

    def _consume(self, consumer: Consumer, count: int) -> list[Record]:
        return [to_record(m) for m in consumer.consume(count, timeout=0.05) if self._usable(m)]

    def _hand(self, records: list[Record]) -> None:
        if records:
            self._handed_total += len(records)
            self._call_loop(self._engine.accept, records)

    def _wait_for_room(self, consumer: Consumer) -> None:
        now = time.monotonic()
        self._full_since = self._full_since or now
        if now - self._full_since >= self._options.pause_after_s:
            self._pause(consumer)
        if self._carry and not self._paused:
            time.sleep(0.002)
            return
        self._carry.extend(self._consume(consumer, 1))

    def _usable(self, msg: Message) -> bool:
        err = msg.error()
        if err is None:
            return True
        if err.code() != KafkaError._PARTITION_EOF:
            log.warning("consumer error: %s", err)
            if err.fatal():
                raise KafkaException(err)
        return False

    def _pause(self, consumer: Consumer) -> None:
        to_pause = self.assigned - self._paused
        if to_pause:
            consumer.pause([TopicPartition(t, p) for t, p in to_pause])
            self._paused |= to_pause
            self._metrics.partitions_paused.set(len(self._paused))
            log.info("paused %d partitions: %d records in flight", len(to_pause), self.in_flight)

    def _resume(self, consumer: Consumer) -> None:
        if self._paused and self.in_flight <= self._options.max_in_flight // 2:
            consumer.resume([TopicPartition(t, p) for t, p in self._paused])
            self._paused.clear()
            self._metrics.partitions_paused.set(0)

    # commits ------------------------------------------------------------------------------------------
    def _commit(self, consumer: Consumer, force: bool = False) -> None:
        self._next_commit = time.monotonic() + self._options.commit_interval_s
        offsets = self._ask_loop(self._committable, timeout=5.0)
        if offsets is None:
            return
        owned = {tp: off for tp, off in offsets.items() if tp in self.assigned}
        self._commit_offsets(consumer, owned, force)

    async def _committable(self) -> dict[TP, int]:
        self._engine.update_gauges(self.in_flight)
        now_ms = time.time() * 1000
        for topic, partition in self.assigned:
            oldest = self._engine.tracker.oldest_pending_timestamp((topic, partition))
            age = max(now_ms - oldest, 0.0) / 1000 if oldest else 0.0
            self._metrics.consumer_lag_seconds.labels(topic, str(partition)).set(age)
        return self._engine.tracker.committable()

    def _commit_offsets(self, consumer: Consumer, offsets: dict[TP, int], force: bool = False) -> None:
        changed = {tp: off for tp, off in offsets.items() if force or self._committed.get(tp) != off}
        if not changed:
            return
        try:
            consumer.commit(
                offsets=[TopicPartition(t, p, o) for (t, p), o in changed.items()], asynchronous=False
            )
        except KafkaException as exc:
            self._metrics.commits.labels(result="failed").inc()
            log.warning("commit failed: %s", exc)
            return
        self._committed.update(changed)
        self._metrics.commits.labels(result="ok").inc()

    # rebalance callbacks (run on this thread, inside consume) ---------------------------------------
    def _on_assign(self, consumer: Consumer, partitions: list[TopicPartition]) -> None:
        tps = {(p.topic, p.partition) for p in partitions}
        self.assigned |= tps
        self._metrics.rebalances.labels(kind="assigned").inc()
        self._metrics.partitions_assigned.set(len(self.assigned))
        log.info("assigned %s", sorted(tps))
        self._commit_start_offsets(consumer, partitions)
        # No record of these partitions may be handed over before their state is restored: records
        # processed on empty progress could repeat an order. A restore that fails or outlasts its
        # limit stops the worker (its partitions go to another member, or to this one restarted).
        restored = self._ask_loop(lambda: self._restore(tps), timeout=self._options.restore_timeout_s + 10)
        if restored is not True:
            self._taking = False
            self._on_fatal(StateRestoreError(f"state of {sorted(tps)} not restored"))

    async def _restore(self, tps: set[TP]) -> bool:
        await self._engine.assigned(sorted(tps))
        return True

    def _commit_start_offsets(self, consumer: Consumer, partitions: list[TopicPartition]) -> None:
        """Commit a start offset for partitions the group never committed, so lag is always defined."""
        if not partitions:
            return
        try:
            committed = consumer.committed(partitions, timeout=10)
        except KafkaException as exc:
            log.warning("cannot read committed offsets: %s", exc)
            return
        fresh = {}
        for tp in committed:
            if tp.offset == OFFSET_INVALID:
                low, high = consumer.get_watermark_offsets(TopicPartition(tp.topic, tp.partition), timeout=10)
                start = low if self._conf.get("auto.offset.reset", "earliest") == "earliest" else high
                fresh[(tp.topic, tp.partition)] = max(start, 0)
        self._commit_offsets(consumer, fresh)

    def _on_revoke(self, consumer: Consumer, partitions: list[TopicPartition]) -> None:
        tps = [(p.topic, p.partition) for p in partitions]
        self._metrics.rebalances.labels(kind="revoked").inc()
        # On close the engine has already had its drain deadline: what still runs is cancelled now.
        timeout = 0.0 if self._closing.is_set() else self._options.drain_timeout_s
        offsets = self._ask_loop(lambda: self._engine.revoke(tps, timeout), timeout=timeout + 5)
        if offsets:
            self._commit_offsets(consumer, {tp: o for tp, o in offsets.items() if tp in self.assigned})
        self._disown(tps)
        log.info("revoked %s", sorted(tps))

    def _on_lost(self, _consumer: Consumer, partitions: list[TopicPartition]) -> None:
        tps = [(p.topic, p.partition) for p in partitions]
        self._metrics.rebalances.labels(kind="lost").inc()
        self._ask_loop(lambda: self._engine.revoke(tps, 0.0), timeout=5)
        self._disown(tps)
        log.warning("lost %s (nothing committed for them)", sorted(tps))

    def _disown(self, tps: list[TP]) -> None:
        gone = set(tps)
        self._carry = [r for r in self._carry if r.tp not in gone]
        for tp in tps:
            self.assigned.discard(tp)
            self._paused.discard(tp)
            self._committed.pop(tp, None)
            for gauge in (self._metrics.consumer_lag_records, self._metrics.consumer_lag_seconds):
                with contextlib.suppress(KeyError):
                    gauge.remove(tp[0], str(tp[1]))
        self._metrics.partitions_assigned.set(len(self.assigned))

    # lag from librdkafka statistics (its high watermark comes from Fetch, which is right) ----------------
    def _on_stats(self, stats_json: str) -> None:
        stats = json.loads(stats_json)
        for topic, tstats in stats.get("topics", {}).items():
            for pid, pstats in tstats.get("partitions", {}).items():
                tp = (topic, int(pid))
                if tp not in self.assigned:
                    continue
                high = pstats.get("hi_offset", -1)
                committed = self._committed.get(tp, pstats.get("committed_offset", -1))
                if high >= 0 and committed >= 0:
                    self._metrics.consumer_lag_records.labels(topic, pid).set(max(high - committed, 0))

    # bridges to the loop ---------------------------------------------------------------------------------
    def _call_loop(self, fn: Callable[..., Any], *args: Any) -> None:
        try:
            self._loop.call_soon_threadsafe(fn, *args)
        except RuntimeError:
            log.debug("event loop closed; dropped a call to %s", fn)

    def _ask_loop(self, make: Callable[[], Awaitable[Any]], timeout: float) -> Any:
        async def run() -> Any:
            return await make()

        try:
            return asyncio.run_coroutine_threadsafe(run(), self._loop).result(timeout)
        except Exception as exc:  # noqa: BLE001  (a closed or stuck loop must not kill the consumer thread)
            log.warning("event loop did not answer: %r", exc)
            return None


def _set_done(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)
