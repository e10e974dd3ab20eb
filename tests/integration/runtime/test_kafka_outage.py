"""A Kafka outage while a dead letter is being written is waited out: the worker neither stops nor
loses the record, and writes the dead letter once the broker is back.

With the default ``CDPW_KAFKA_PRODUCE_TIMEOUT_MS=0`` the write simply waits for the broker. (A finite
timeout makes the write fail and be tried again; on tansu the producer's epoch bump after a timeout
is answered with PRODUCER_FENCED, which stops the worker: tests/unit/runtime covers that mapping.)
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.kafka import cart_event, headers_of, producer, read_all
from tests.support.stack import committed_total, fresh_topics, kafka_env
from tests.support.waiting import wait_until
from tests.support.worker_process import WorkerProcess
from worker.embedded import EmbeddedBroker, start_broker

#: Shorter than the session (no rebalance in between), longer than the slow record's 2 s.
PAUSE_S = 6.0


@pytest.fixture
def own_broker(tmp_path: Path) -> Iterator[EmbeddedBroker]:
    """A broker of this test alone: pausing it must not stall the other tests' broker."""
    broker = start_broker(log_path=tmp_path / "broker.log")
    yield broker
    broker.resume()
    broker.stop()


def test_a_dead_letter_write_during_a_broker_pause_is_retried_not_fatal(
    own_broker: EmbeddedBroker, tmp_path: Path
) -> None:
    bootstrap = own_broker.bootstrap
    topics = fresh_topics(bootstrap, "outage")
    prod = producer(bootstrap)
    # The slow record holds its key's lane: the poison behind it is dead-lettered during the pause.
    prod.produce(topics.source, value=json.dumps(cart_event("g", 1)).encode(), key=b"g", partition=0)
    prod.produce(topics.source, value=b"{broken", key=b"g", partition=0)
    assert prod.flush(10) == 0
    env = {**kafka_env(bootstrap, topics), "CDPW_SINK": "record", "CDPW_RECORD_SINK_DELAY_MS": "2000",
           "CDPW_RECORD_SINK_PATH": str(tmp_path / "w.jsonl"), "CDPW_KAFKA_SESSION_TIMEOUT_MS": "20000",
           "CDPW_KAFKA_HEARTBEAT_INTERVAL_MS": "1000"}  # fmt: skip
    worker = WorkerProcess(env=env, log_path=tmp_path / "worker.log").start()
    try:
        worker.wait_ready(60)
        assert wait_until(lambda: worker.metric("cdpw_records_consumed_total") >= 2, 30, 0.1), worker.tail()
        own_broker.pause()
        time.sleep(PAUSE_S)
        assert worker.process is not None and worker.process.poll() is None, worker.tail()
        assert worker.metric("cdpw_dead_letters_total") == 0
        own_broker.resume()

        dead = read_all(bootstrap, topics.dlq, expected=1, timeout=30)
        assert [m.value() for m in dead] == [b"{broken"]
        assert headers_of(dead[0])["__connect.errors.offset"] == b"1"
        assert wait_until(lambda: committed_total(bootstrap, topics) == 2, 20), worker.tail()
        assert "stopping" not in worker.tail(400)
        assert worker.terminate() == 0
    finally:
        worker.kill()
