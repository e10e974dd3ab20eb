"""Two worker processes in one group split the partitions; killing one hands them to the other."""

from __future__ import annotations

from pathlib import Path

from tests.integration.runtime.conftest import PARTITIONS, Topics, WorkerFactory
from tests.support.kafka import cart_event, produce_json, producer
from tests.support.waiting import wait_until
from tests.support.worker_process import WorkerProcess, read_processed

RECORDS = 3000


def test_two_workers_split_partitions_and_the_survivor_takes_over_without_loss(
    bootstrap: str, topics: Topics, start_worker: WorkerFactory, tmp_path: Path
) -> None:
    prod = producer(bootstrap)
    slow = {"CDPW_RECORD_SINK_DELAY_MS": "10-20", "CDPW_MAX_CONCURRENCY": "4"}
    a: WorkerProcess = start_worker("a", **slow)
    b: WorkerProcess = start_worker("b", **slow)
    a.wait_ready()
    b.wait_ready()

    def split() -> bool:
        owned = [a.metric("cdpw_partitions_assigned"), b.metric("cdpw_partitions_assigned")]
        return owned[0] > 0 and owned[1] > 0 and sum(owned) == PARTITIONS

    assert wait_until(split, 45), a.tail() + b.tail()
    produce_json(prod, topics.source, [(f"g{i % 300}", cart_event(f"g{i % 300}", i)) for i in range(RECORDS)])
    assert wait_until(
        lambda: (
            len(read_processed(tmp_path / "a.jsonl")) > 50 and len(read_processed(tmp_path / "b.jsonl")) > 50
        ),
        60,
    )
    a.kill()
    assert wait_until(lambda: b.metric("cdpw_partitions_assigned") == PARTITIONS, 60), b.tail()

    def all_done() -> bool:
        rows = read_processed(tmp_path / "a.jsonl") + read_processed(tmp_path / "b.jsonl")
        return len({(r["partition"], r["offset"]) for r in rows}) == RECORDS

    assert wait_until(all_done, 120), b.tail()
    assert b.metric("cdpw_rebalances_total", kind="assigned") >= 2
    assert b.terminate() == 0
