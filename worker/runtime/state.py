"""The state store: per-key progress records in a compacted Kafka topic, restored on assignment.

Layout: the state topic has (at least) as many partitions as the source topics; the progress of a
key read from source partition ``p`` is written to state partition ``p`` with the key as record key,
so the worker that owns source partition ``p`` finds every record it needs in state partition ``p``.
The topic is created (``cleanup.policy=compact``) when missing.

Writes: :meth:`StateStore.save` returns only once the broker confirmed the record (acks=all,
idempotent producer), so progress is durable before anything relies on it.

Restore: reading "to the end" cannot trust the ListOffsets high watermark (tansu reports the last
batch's base offset + 1). So :meth:`StateStore.load` first writes a sentinel tombstone to each
partition, learns its offset from the delivery report, and reads from the beginning until it has
seen that offset. This works on any Kafka-protocol broker and whatever the batching.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
import uuid
from typing import Any

from confluent_kafka import (
    OFFSET_BEGINNING,
    Consumer,
    KafkaError,
    KafkaException,
    Message,
    Producer,
    TopicPartition,
)
from confluent_kafka.admin import AdminClient
from confluent_kafka.cimpl import NewTopic

from worker.errors import ConfigurationError, FatalError, TransientError

log = logging.getLogger("worker.state")

SENTINEL_KEY = b"\x00cdpw-restore-sentinel"
ADMIN_TIMEOUT_S = 30.0


class StateWriteError(TransientError):
    """A progress record could not be written; the record is retried (nothing was relied on yet)."""

    reason = "state"
    stage = "state"


class StateRestoreError(FatalError):
    """The state topic could not be read on assignment: going on could repeat orders, so stop."""

    reason = "state_restore"


class StateStore:
    """Progress records of one worker: restored per assigned partition, written one key at a time."""

    def __init__(
        self,
        kafka: dict[str, Any],
        topic: str,
        source_topics: tuple[str, ...],
        group_id: str,
        produce_timeout_ms: int = 0,
        restore_timeout_s: float = 120.0,
    ) -> None:
        self._kafka = kafka
        self._produce_timeout_ms = produce_timeout_ms
        self._restore_timeout_s = restore_timeout_s
        self.topic = topic
        self._sources = source_topics
        self._group_id = group_id
        self._producer: Producer | None = None
        self._poller: threading.Thread | None = None
        self._stop = threading.Event()

    # set-up ----------------------------------------------------------------------------------------------
    async def prepare(self) -> None:
        """Create the state topic if needed and start the producer (idempotent)."""
        if self._producer is not None:
            return
        await asyncio.to_thread(self._ensure_topic)
        conf = {**self._kafka, "enable.idempotence": True, "acks": "all", "linger.ms": 2,
                "message.timeout.ms": self._produce_timeout_ms}  # fmt: skip
        self._producer = Producer(conf)
        self._poller = threading.Thread(target=self._poll, name="state-producer", daemon=True)
        self._poller.start()

    def _poll(self) -> None:
        assert self._producer is not None
        while not self._stop.is_set():
            self._producer.poll(0.05)

    def _ensure_topic(self) -> None:
        admin = AdminClient(self._kafka)
        needed = max(_partition_count(admin, topic) for topic in self._sources)
        have = _partition_count(admin, self.topic, missing_ok=True)
        if have == 0:
            _create_topic(admin, self.topic, needed)
            have = _created_partitions(admin, self.topic)
        if have < needed:
            raise ConfigurationError(
                f"CDPW_STATE_TOPIC: '{self.topic}' has {have} partitions, the source topics need {needed}"
            )

    # writes ------------------------------------------------------------------------------------------
    async def save(self, partition: int, key: str, value: bytes) -> None:
        """Write ``value`` for ``key`` to state partition ``partition``; return once the broker confirmed."""
        assert self._producer is not None, "prepare() runs on the first assignment"
        loop = asyncio.get_running_loop()
        done: asyncio.Future[None] = loop.create_future()

        def delivered(error: KafkaError | None, _msg: Message) -> None:
            loop.call_soon_threadsafe(_settle, done, error)

        try:
            self._producer.produce(self.topic, value=value, key=key.encode(), partition=partition,
                                   on_delivery=delivered)  # fmt: skip
        except (BufferError, KafkaException) as exc:
            raise StateWriteError(f"state write for {key!r} not queued: {exc}") from exc
        await done

    # restore -----------------------------------------------------------------------------------------
    async def load(self, partitions: list[int]) -> dict[int, dict[str, bytes]]:
        """The latest value of every key in each of ``partitions`` (tombstoned keys left out).

        Reading starts while the sentinels are written (a new idempotent producer first waits about
        half a second for its producer id), and goes on until every sentinel was read.
        """
        if not partitions:
            return {}
        group = f"{self._group_id}.state-restore-{uuid.uuid4().hex[:8]}"  # assign() only; never commits
        restore = await asyncio.to_thread(_Restore.open, self._kafka, self.topic, group, partitions)
        sentinels = asyncio.ensure_future(asyncio.to_thread(self._write_sentinels, partitions))
        try:
            while not sentinels.done():
                await asyncio.to_thread(restore.read_for, 0.1)
            await asyncio.to_thread(restore.read_until, await sentinels, self._restore_timeout_s)
        finally:
            await asyncio.gather(sentinels, return_exceptions=True)
            await asyncio.to_thread(restore.close)
        log.info("state restored", extra={"partitions": sorted(partitions), "keys": restore.keys})
        return restore.tables

    def _write_sentinels(self, partitions: list[int]) -> dict[int, int]:
        assert self._producer is not None
        marks: dict[int, int] = {}

        def delivered(error: KafkaError | None, msg: Message) -> None:
            partition, offset = msg.partition(), msg.offset()
            if error is None and partition is not None and offset is not None:
                marks[partition] = offset

        for partition in partitions:
            self._producer.produce(self.topic, value=None, key=SENTINEL_KEY, partition=partition,
                                   on_delivery=delivered)  # fmt: skip
        self._producer.flush(ADMIN_TIMEOUT_S)
        missing = set(partitions) - set(marks)
        if missing:
            raise StateRestoreError(
                f"state topic {self.topic}: sentinel not written to partitions {sorted(missing)}"
            )
        return marks

    async def aclose(self) -> None:
        if self._producer is not None:
            await asyncio.to_thread(self._producer.flush, 10.0)
        self._stop.set()
        if self._poller is not None:
            self._poller.join(5.0)


class MemoryState:
    """Progress held in memory only, for one-off runs that own no source partition (a dead-letter
    replay through the worker): nothing restored, nothing written to the state topic."""

    async def prepare(self) -> None:
        return None

    async def load(self, partitions: list[int]) -> dict[int, dict[str, bytes]]:  # noqa: ARG002  (nothing kept)
        return {}

    async def save(self, partition: int, key: str, value: bytes) -> None:  # noqa: ARG002  (the sink holds it)
        return None

    async def aclose(self) -> None:
        return None


def _settle(future: asyncio.Future[None], error: KafkaError | None) -> None:
    if future.done():
        return
    if error is None:
        future.set_result(None)
    else:
        future.set_exception(StateWriteError(f"state write failed: {error}"))


class _Restore:
    """Reads state partitions from the beginning into one table per partition (blocking calls)."""

    def __init__(self, consumer: Consumer, partitions: list[int]) -> None:
        self.consumer = consumer
        self.tables: dict[int, dict[str, bytes]] = {p: {} for p in partitions}
        self.seen: dict[int, int] = dict.fromkeys(partitions, -1)

    @classmethod
    def open(cls, kafka: dict[str, Any], topic: str, group: str, partitions: list[int]) -> _Restore:
        consumer = Consumer({**kafka, "group.id": group, "enable.auto.commit": False,
                             "enable.auto.offset.store": False, "auto.offset.reset": "earliest",
                             "fetch.wait.max.ms": 50})  # fmt: skip
        consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in partitions])
        return cls(consumer, partitions)

    @property
    def keys(self) -> int:
        return sum(map(len, self.tables.values()))

    def read_for(self, seconds: float) -> None:
        """Take what arrives within ``seconds``."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            self._take(self.consumer.poll(0.05))

    def read_until(self, marks: dict[int, int], timeout_s: float) -> None:
        """Read on until every partition's sentinel (offset in ``marks``) was read."""
        deadline = time.monotonic() + timeout_s
        while any(self.seen[p] < offset for p, offset in marks.items()):
            if time.monotonic() > deadline:
                late = sorted(p for p, offset in marks.items() if self.seen[p] < offset)
                raise StateRestoreError(f"state restore did not reach the sentinel of partitions {late}")
            self._take(self.consumer.poll(0.5))

    def _take(self, msg: Message | None) -> None:
        if msg is None:
            return
        error, partition, offset = msg.error(), msg.partition(), msg.offset()
        if error is not None:
            if error.code() == KafkaError._PARTITION_EOF:
                return
            raise StateRestoreError(f"state restore: {error}")
        assert partition is not None  # set on every record without error
        assert offset is not None
        _apply(self.tables[partition], msg)
        self.seen[partition] = max(self.seen[partition], offset)

    def close(self) -> None:
        self.consumer.close()


def _apply(table: dict[str, bytes], msg: Message) -> None:
    raw_key = msg.key()
    if raw_key is None or raw_key == SENTINEL_KEY:
        return
    key = raw_key.decode("utf-8", "replace")
    value = msg.value()
    if value is None:
        table.pop(key, None)
    else:
        table[key] = value


def _partition_count(admin: AdminClient, topic: str, missing_ok: bool = False) -> int:
    # Listing every topic (not just ``topic``) keeps a broker with auto-create from creating it here.
    metadata = admin.list_topics(timeout=ADMIN_TIMEOUT_S).topics.get(topic)
    if metadata is None or metadata.error is not None:
        if missing_ok:
            return 0
        raise ConfigurationError(
            f"topic {topic!r} not found: {metadata.error if metadata else 'no metadata'}"
        )
    return len(metadata.partitions)


def _created_partitions(admin: AdminClient, topic: str) -> int:
    """Partitions of a just-created topic, waiting for the brokers' metadata to show it."""
    deadline = time.monotonic() + ADMIN_TIMEOUT_S
    while (have := _partition_count(admin, topic, missing_ok=True)) == 0 and time.monotonic() < deadline:
        time.sleep(0.1)
    return have


def _create_topic(admin: AdminClient, topic: str, partitions: int) -> None:
    new = NewTopic(
        topic, num_partitions=partitions, replication_factor=-1, config={"cleanup.policy": "compact"}
    )
    try:
        admin.create_topics([new])[topic].result(ADMIN_TIMEOUT_S)
        log.info("state topic created", extra={"topic": topic, "partitions": partitions})
    except KafkaException as exc:
        if exc.args[0].code() != KafkaError.TOPIC_ALREADY_EXISTS:
            raise ConfigurationError(f"CDPW_STATE_TOPIC: cannot create '{topic}': {exc}") from exc
