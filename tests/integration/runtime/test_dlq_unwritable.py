"""An unwritable dead-letter topic stops the worker without committing the poison record: nothing is lost."""

from __future__ import annotations

import json
import time

from tests.integration.runtime.conftest import PARTITIONS, Topics, WorkerFactory
from tests.support.kafka import cart_event, committed, headers_of, producer, read_all


def test_worker_stops_without_committing_past_a_record_it_could_not_dead_letter(
    bootstrap: str, topics: Topics, start_worker: WorkerFactory
) -> None:
    prod = producer(bootstrap)
    prod.produce(topics.source, value=json.dumps(cart_event("g", 1)).encode(), key=b"g", partition=0)
    prod.produce(topics.source, value=b"{broken", key=b"g", partition=0)
    prod.produce(topics.source, value=json.dumps(cart_event("g", 2)).encode(), key=b"g", partition=0)
    assert prod.flush(10) == 0

    broken = start_worker("broken", CDPW_DLQ_TOPIC="not a valid/topic name")
    assert broken.process is not None
    assert broken.process.wait(60) == 1, broken.tail()
    assert "dead-letter" in broken.tail(200)
    assert committed(bootstrap, topics.group, topics.source, PARTITIONS)[0] == 1

    fixed = start_worker("fixed")
    dead = read_all(bootstrap, topics.dlq, expected=1, timeout=30)
    assert [m.value() for m in dead] == [b"{broken"]
    assert headers_of(dead[0])["__connect.errors.offset"] == b"1"
    deadline = time.monotonic() + 15
    while (
        committed(bootstrap, topics.group, topics.source, PARTITIONS)[0] != 3 and time.monotonic() < deadline
    ):
        time.sleep(0.2)
    assert committed(bootstrap, topics.group, topics.source, PARTITIONS)[0] == 3
    assert fixed.terminate() == 0
