"""Avro poison (Confluent wire format through a real schema registry over HTTP) is dead-lettered verbatim."""

from __future__ import annotations

import json
import struct
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.runtime.conftest import Topics, WorkerFactory
from tests.support.kafka import cart_event, headers_of, producer, read_all
from tests.support.registry import start_registry
from tests.support.worker_process import read_processed
from worker.codec import build_encoder
from worker.config import DEFAULT_SCHEMA_DIR
from worker.events import event_from_dict


@pytest.fixture
def registry() -> Iterator[str]:
    url, stop = start_registry()
    yield url
    stop()


def test_corrupt_avro_and_unknown_schema_ids_are_dead_lettered_and_the_partition_flows(
    bootstrap: str, topics: Topics, start_worker: WorkerFactory, tmp_path: Path, registry: str
) -> None:
    encoder = build_encoder("avro-registry", DEFAULT_SCHEMA_DIR, registry)
    good, _ = encoder.encode(event_from_dict(cart_event("g1", 1)))
    schema_id = struct.unpack(">I", good[1:5])[0]
    poison = {
        "corrupt_avro": good[:5] + b"\xff\xff\xff\xff\x0f" + good[10:],
        "truncated_avro": good[: len(good) // 2],
        "unknown_schema_id": b"\x00" + struct.pack(">I", schema_id + 9999) + good[5:],
        "bad_magic_byte": b"\x07" + good[1:],
        "json_on_avro_topic": json.dumps(cart_event("g1", 2)).encode(),
    }
    prod = producer(bootstrap)
    for kind, value in poison.items():
        prod.produce(topics.source, value=value, key=b"g1", partition=0, headers=[("origin", kind.encode())])
        ok, _ = encoder.encode(event_from_dict(cart_event("g1", 10)))
        prod.produce(topics.source, value=ok, key=b"g1", partition=0)
    assert prod.flush(10) == 0

    worker = start_worker(CDPW_WIRE_FORMAT="avro-registry", CDPW_SCHEMA_REGISTRY_URL=registry)
    dead = read_all(bootstrap, topics.dlq, expected=len(poison), timeout=45)
    assert len(dead) == len(poison), worker.tail()
    for message in dead:
        headers = headers_of(message)
        kind = headers["origin"].decode()
        assert message.value() == poison[kind], kind
        assert headers["cdpw.stage"] == b"decode"
        assert headers["__connect.errors.exception.message"], kind
    reasons = {headers_of(m)["origin"].decode(): headers_of(m)["cdpw.reason"].decode() for m in dead}
    assert reasons["unknown_schema_id"] == "unknown_schema"
    deadline = time.monotonic() + 15
    while len(read_processed(tmp_path / "w.jsonl")) < len(poison) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert len(read_processed(tmp_path / "w.jsonl")) == len(poison)
    assert worker.terminate() == 0
