"""Dead letters as read back from the dead-letter topic: the original record and its error context."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, Message, TopicPartition

from worker.app import kafka_common
from worker.config import Settings

REPLAY_HEADER = "cdpw.replay.count"
_CONTEXT_PREFIXES = ("__connect.errors.", "cdpw.")


@dataclass(frozen=True)
class DeadLetter:
    """One dead letter, with its error context decoded."""

    offset: int
    partition: int
    key: bytes | None
    value: bytes | None
    timestamp_ms: int
    headers: tuple[tuple[str, bytes], ...]

    def header(self, name: str) -> str:
        return next((v.decode("utf-8", "replace") for k, v in self.headers if k == name), "")

    @property
    def replays(self) -> int:
        count = self.header(REPLAY_HEADER)
        return int(count) if count.isdigit() else 0

    def summary(self) -> dict[str, object]:
        return {
            "dlq_offset": f"{self.partition}@{self.offset}",
            "source": f"{self.header('__connect.errors.topic')}/{self.header('__connect.errors.partition')}"
            f"@{self.header('__connect.errors.offset')}",
            "stage": self.header("cdpw.stage"),
            "reason": self.header("cdpw.reason"),
            "error": self.header("cdpw.error.message")[:200],
            "attempts": self.header("cdpw.attempts"),
            "http_status": self.header("cdpw.http.status") or None,
            "last_failure": self.header("cdpw.last.failure"),
            "replays": self.replays,
        }

    def replayed_headers(self) -> list[tuple[str, bytes]]:
        """The original headers with the replay count raised by one (the error context dropped)."""
        return [*self.original_headers(), (REPLAY_HEADER, str(self.replays + 1).encode())]

    def original_headers(self) -> list[tuple[str, bytes]]:
        return [(k, v) for k, v in self.headers if not k.startswith(_CONTEXT_PREFIXES)]


def _as_dead_letter(msg: Message) -> DeadLetter:
    raw = msg.headers() or []
    pairs = raw.items() if isinstance(raw, dict) else raw
    headers = tuple((k, v.encode() if isinstance(v, str) else v or b"") for k, v in pairs)
    return DeadLetter(
        msg.offset() or 0,
        msg.partition() or 0,
        msg.key(),
        msg.value(),
        msg.timestamp()[1],
        headers,
    )


def read_dead_letters(settings: Settings, timeout: float = 30.0) -> Iterator[DeadLetter]:
    """Every dead letter from the beginning of the topic to its current end (no offsets are committed)."""
    consumer = Consumer(
        {
            **kafka_common(settings),
            "group.id": f"cdp-worker-dlq-{uuid.uuid4().hex}",
            "enable.auto.commit": False,
            "enable.partition.eof": True,
        }
    )
    try:
        topic = consumer.list_topics(settings.dlq_topic, timeout=10).topics.get(settings.dlq_topic)
        if topic is None or topic.error is not None:
            return
        partitions = [TopicPartition(settings.dlq_topic, p, OFFSET_BEGINNING) for p in topic.partitions]
        consumer.assign(partitions)
        yield from _drain(consumer, {p.partition for p in partitions}, timeout)
    finally:
        consumer.close()


def _drain(consumer: Consumer, partitions: set[int], timeout: float) -> Iterator[DeadLetter]:
    at_end: set[int] = set()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and at_end < partitions:
        msg = consumer.poll(0.5)
        if msg is None:
            continue
        error = msg.error()
        if error is not None:
            if error.code() == KafkaError._PARTITION_EOF:
                at_end.add(msg.partition() or 0)
            continue
        at_end.discard(msg.partition() or 0)
        yield _as_dead_letter(msg)
