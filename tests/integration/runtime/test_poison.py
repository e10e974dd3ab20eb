"""Poison records land in the dead-letter topic with all headers and their original bytes."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from tests.integration.runtime.conftest import Topics, WorkerFactory
from tests.support.kafka import cart_event, headers_of, producer, read_all
from tests.support.worker_process import read_processed

KEY = b"guest-poison"


def _poison_values() -> dict[str, bytes | None]:
    missing = cart_event("guest-poison", 1)
    del missing["line"]
    wrong_type = cart_event("guest-poison", 2)
    wrong_type["line"]["quantity"] = "three"
    unknown = cart_event("guest-poison", 3)
    unknown["event_type"] = "CartTeleported"
    float_money = cart_event("guest-poison", 4)
    float_money["line"]["unit_price"] = 12.5
    return {
        "invalid_json": b'{"event_type": "CartItemAdded", ',
        "missing_field": json.dumps(missing).encode(),
        "wrong_type": json.dumps(wrong_type).encode(),
        "unknown_event_type": json.dumps(unknown).encode(),
        "money_as_float": json.dumps(float_money).encode(),
        "empty_value": b"",
        "tombstone": None,
    }


EXPECTED_REASON = {
    "invalid_json": "decode",
    "missing_field": "invalid",
    "wrong_type": "invalid",
    "unknown_event_type": "unknown_schema",
    "money_as_float": "invalid",
    "empty_value": "empty",
    "tombstone": "empty",
}
CONNECT_HEADERS = (
    "__connect.errors.topic",
    "__connect.errors.partition",
    "__connect.errors.offset",
    "__connect.errors.stage",
    "__connect.errors.exception.class.name",
    "__connect.errors.exception.message",
    "__connect.errors.exception.stacktrace",
)
OUR_HEADERS = (
    "cdpw.stage",
    "cdpw.reason",
    "cdpw.error.class",
    "cdpw.error.message",
    "cdpw.attempts",
    "cdpw.first.failure",
    "cdpw.last.failure",
)


def _produce_sequence(bootstrap: str, topic: str) -> list[tuple[str, bytes | None, int]]:
    """valid, poison, valid, poison, ... all on one key and partition; returns (kind, value, ts)."""
    prod = producer(bootstrap)
    sent: list[tuple[str, bytes | None, int]] = []
    for n, (kind, value) in enumerate(_poison_values().items()):
        good = json.dumps(cart_event("guest-poison", 100 + n)).encode()
        ts = 1_700_000_000_000 + n
        prod.produce(topic, value=good, key=KEY, partition=0)
        prod.produce(
            topic, value=value, key=KEY, partition=0, timestamp=ts, headers=[("origin", kind.encode())]
        )
        sent.append((kind, value, ts))
    prod.produce(topic, value=json.dumps(cart_event("guest-poison", 999)).encode(), key=KEY, partition=0)
    assert prod.flush(10) == 0
    return sent


def test_each_poison_record_is_dead_lettered_verbatim_and_the_key_keeps_flowing(
    bootstrap: str, topics: Topics, start_worker: WorkerFactory, tmp_path: Path
) -> None:
    sent = _produce_sequence(bootstrap, topics.source)
    worker = start_worker()
    dead = read_all(bootstrap, topics.dlq, expected=len(sent), timeout=45)
    assert len(dead) == len(sent), worker.tail()
    by_origin = {headers_of(m)["origin"].decode(): m for m in dead}
    for kind, value, ts in sent:
        message = by_origin[kind]
        headers = headers_of(message)
        assert message.value() == value, kind
        assert message.key() == KEY
        assert message.timestamp()[1] == ts
        assert all(h in headers for h in CONNECT_HEADERS + OUR_HEADERS), kind
        assert headers["cdpw.reason"].decode() == EXPECTED_REASON[kind], kind
        assert headers["__connect.errors.topic"].decode() == topics.source
        assert headers["cdpw.stage"] == b"decode"
    # Policy "continue" (the default): later records of the poisoned key are still processed.
    deadline = time.monotonic() + 20
    while len(read_processed(tmp_path / "w.jsonl")) < len(sent) + 1 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert len(read_processed(tmp_path / "w.jsonl")) == len(sent) + 1
    assert worker.metric("cdpw_dead_letters_total", stage="decode") == len(sent)
    assert worker.terminate() == 0


@pytest.mark.parametrize("policy", ["follow"])
def test_with_the_follow_policy_later_records_of_the_key_follow_the_dead_letter(
    bootstrap: str, topics: Topics, start_worker: WorkerFactory, tmp_path: Path, policy: str
) -> None:
    prod = producer(bootstrap)
    prod.produce(topics.source, value=json.dumps(cart_event("other", 1)).encode(), key=b"other", partition=0)
    prod.produce(topics.source, value=b"not json", key=KEY, partition=0)
    prod.produce(
        topics.source, value=json.dumps(cart_event("guest-poison", 2)).encode(), key=KEY, partition=0
    )
    prod.produce(topics.source, value=json.dumps(cart_event("other", 3)).encode(), key=b"other", partition=0)
    assert prod.flush(10) == 0
    worker = start_worker(CDPW_DLQ_KEY_POLICY=policy)
    dead = read_all(bootstrap, topics.dlq, expected=2, timeout=30)
    reasons = [headers_of(m)["cdpw.reason"] for m in dead]
    assert reasons == [b"decode", b"follows_dead_letter"], worker.tail()
    deadline = time.monotonic() + 10
    while len(read_processed(tmp_path / "w.jsonl")) < 2 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert [r["key"] for r in read_processed(tmp_path / "w.jsonl")] == ["other", "other"]
    assert worker.terminate() == 0
