"""Kafka helpers for integration tests: topics, producing events and raw bytes, reading topics back."""

from __future__ import annotations

import copy
import json
import time
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from confluent_kafka import Consumer, Message, Producer, TopicPartition
from confluent_kafka.admin import AdminClient
from confluent_kafka.cimpl import NewTopic

EXAMPLES = Path(__file__).resolve().parents[2] / "schemas" / "examples"


def create_topics(bootstrap: str, *topics: tuple[str, int]) -> None:
    """Create ``(name, partitions)`` topics and wait until they exist."""
    admin = AdminClient({"bootstrap.servers": bootstrap})
    futures = admin.create_topics([NewTopic(name, partitions, 1) for name, partitions in topics])
    for future in futures.values():
        future.result(15)


def example(event_type: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((EXAMPLES / f"{event_type}.json").read_text())
    return data


def cart_event(customer: str, seq: int) -> dict[str, Any]:
    """A valid ``CartItemAdded`` JSON event for ``customer``; ``seq`` makes it unique."""
    event = copy.deepcopy(example("CartItemAdded"))
    event["event_id"] = str(uuid.uuid4())
    event["guest"]["customer_id"] = customer
    event["cart_id"] = f"cart-{customer}"
    event["line"]["line_id"] = f"{customer}-{seq}"
    return event


def producer(bootstrap: str, **extra: Any) -> Producer:
    return Producer({"bootstrap.servers": bootstrap, "linger.ms": 5, **extra})


def produce_json(
    prod: Producer,
    topic: str,
    items: Iterable[tuple[str | None, dict[str, Any]]],
    partition_of: dict[str, int] | None = None,
) -> int:
    """Produce ``(key, event)`` pairs as JSON; returns how many were sent."""
    count = 0
    for key, event in items:
        kwargs: dict[str, Any] = {}
        if partition_of is not None and key is not None:
            kwargs["partition"] = partition_of[key]
        prod.produce(topic, value=json.dumps(event).encode(), key=key.encode() if key else None, **kwargs)
        prod.poll(0)
        count += 1
    assert prod.flush(30) == 0
    return count


def read_all(bootstrap: str, topic: str, expected: int, timeout: float = 30.0) -> list[Message]:
    """Read ``topic`` from the beginning until ``expected`` records arrived (or the timeout)."""
    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": f"reader-{uuid.uuid4().hex}",
            "auto.offset.reset": "earliest",
            "enable.auto.commit": False,
            "session.timeout.ms": 2000,
            "heartbeat.interval.ms": 500,
        }
    )
    consumer.subscribe([topic])
    messages: list[Message] = []
    deadline = time.monotonic() + timeout
    try:
        while len(messages) < expected and time.monotonic() < deadline:
            msg = consumer.poll(0.2)
            if msg is not None and msg.error() is None:
                messages.append(msg)
    finally:
        consumer.close()
    return messages


def headers_of(msg: Message) -> dict[str, bytes]:
    """A consumed message's headers as a dict of bytes (absent values as b"")."""
    raw = msg.headers() or []
    pairs = raw.items() if isinstance(raw, dict) else raw
    return {k: (v.encode() if isinstance(v, str) else v or b"") for k, v in pairs}


def committed(bootstrap: str, group: str, topic: str, partitions: int) -> dict[int, int]:
    """The group's committed offset per partition (-1001 when none)."""
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": group})
    try:
        offsets = consumer.committed([TopicPartition(topic, p) for p in range(partitions)], timeout=10)
    finally:
        consumer.close()
    return {tp.partition: tp.offset for tp in offsets}
