"""SIGTERM with records running: the worker stops within its drain deadline; only finished work commits."""

from __future__ import annotations

import json
import signal
import time
from pathlib import Path

from tests.integration.runtime.conftest import PARTITIONS, Topics, WorkerFactory
from tests.support.kafka import cart_event, committed, producer
from tests.support.waiting import wait_until

DRAIN_S = 6.0


def test_sigterm_stops_within_the_drain_deadline_and_leaves_unfinished_records_uncommitted(
    bootstrap: str, topics: Topics, start_worker: WorkerFactory, tmp_path: Path
) -> None:
    prod = producer(bootstrap)
    for n in range(3):
        prod.produce(topics.source, value=json.dumps(cart_event(f"g{n}", n)).encode(), key=f"g{n}".encode(),
                     partition=0)  # fmt: skip
    assert prod.flush(10) == 0
    worker = start_worker(CDPW_RECORD_SINK_DELAY_MS="60000", CDPW_DRAIN_TIMEOUT_S=str(DRAIN_S))
    worker.wait_ready()
    assert wait_until(lambda: worker.metric("cdpw_records_consumed_total") == 3, 30), worker.tail()
    assert worker.process is not None
    stopping = time.monotonic()
    worker.process.send_signal(signal.SIGTERM)
    code = worker.process.wait(DRAIN_S + 4.5)
    assert code == 0
    # the bound above is a contract (below the pod's grace period), the figure is only reported
    print(f"stopped {time.monotonic() - stopping:.1f}s after SIGTERM (drain deadline {DRAIN_S}s)")
    assert committed(bootstrap, topics.group, topics.source, PARTITIONS)[0] == 0
