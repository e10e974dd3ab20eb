"""``cdp-worker dlq``: inspect dead letters, or replay them to the topic they came from.

Replay sends the original key, value, timestamp and headers (without the error context) back to the
source topic with a ``cdpw.replay.count`` header; a dead letter already replayed ``--max-replays``
times is skipped, so a record that keeps failing cannot loop forever.
"""

from __future__ import annotations

import argparse
import json
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, Message, Producer, TopicPartition

from worker.app import kafka_common
from worker.config import Settings, load_settings

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

    def original_headers(self) -> list[tuple[str, str | bytes | None]]:
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


def _wanted(args: argparse.Namespace, letter: DeadLetter) -> bool:
    """The filters of the command line: reason, dead-letter offsets, record time (ISO 8601)."""
    if args.reason and letter.header("cdpw.reason") != args.reason:
        return False
    if not args.from_offset <= letter.offset <= (args.to_offset if args.to_offset >= 0 else letter.offset):
        return False
    moment = datetime.fromtimestamp(letter.timestamp_ms / 1000, UTC)
    return (args.since is None or moment >= args.since) and (args.until is None or moment < args.until)


def _selected(args: argparse.Namespace, settings: Settings) -> Iterator[DeadLetter]:
    count = 0
    for letter in read_dead_letters(settings):
        if not _wanted(args, letter):
            continue
        if count >= args.limit:
            return
        count += 1
        yield letter


def iso_time(text: str) -> datetime:
    """An ISO 8601 time for --since/--until (UTC when no offset is given)."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def inspect(args: argparse.Namespace, settings: Settings) -> int:
    for letter in _selected(args, settings):
        print(json.dumps(letter.summary(), ensure_ascii=False))
    return 0


def replay(args: argparse.Namespace, settings: Settings) -> int:
    producer = None if args.dry_run else Producer({**kafka_common(settings), "enable.idempotence": True})
    sent = skipped = 0
    pace = 1 / args.rate if args.rate > 0 else 0.0
    # Read everything first: replayed records that fail again must not be picked up by this same run.
    for letter in list(_selected(args, settings)):
        target = args.to or letter.header("__connect.errors.topic") or settings.kafka_topics[0]
        if letter.replays >= args.max_replays:
            skipped += 1
            continue
        headers = [*letter.original_headers(), (REPLAY_HEADER, str(letter.replays + 1).encode())]
        if producer is not None:
            producer.produce(
                target, value=letter.value, key=letter.key, headers=headers, timestamp=letter.timestamp_ms
            )
            producer.poll(0)
            time.sleep(pace)
        print(
            json.dumps(
                {"action": "would replay" if args.dry_run else "replayed", "to": target, **letter.summary()},
                ensure_ascii=False,
            )
        )
        sent += 1
    if producer is not None and producer.flush(30) != 0:
        print("some replays were not confirmed by the broker")
        return 1
    print(f"{'would replay' if args.dry_run else 'replayed'} {sent}; skipped {skipped} over --max-replays")
    return 0


def dlq(args: argparse.Namespace) -> int:
    settings = load_settings()
    return inspect(args, settings) if args.action == "inspect" else replay(args, settings)
