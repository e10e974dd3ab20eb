"""kill -9 of the worker mid-stream, then a restart: nothing lost, nothing below the commit repeated."""

from __future__ import annotations

import time
from pathlib import Path

from tests.integration.runtime.conftest import PARTITIONS, Topics, WorkerFactory
from tests.support.kafka import cart_event, committed, produce_json, producer
from tests.support.worker_process import read_processed

RECORDS = 4000


def test_kill_9_and_restart_loses_nothing_and_repeats_nothing_below_the_commit(
    bootstrap: str, topics: Topics, start_worker: WorkerFactory, tmp_path: Path
) -> None:
    produce_json(
        producer(bootstrap),
        topics.source,
        [(f"g{i % 200}", cart_event(f"g{i % 200}", i)) for i in range(RECORDS)],
    )
    first = start_worker("first", CDPW_RECORD_SINK_DELAY_MS="1-3", CDPW_MAX_CONCURRENCY="20")
    deadline = time.monotonic() + 60
    while len(read_processed(tmp_path / "first.jsonl")) < RECORDS // 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    first.kill()
    before = read_processed(tmp_path / "first.jsonl")
    assert RECORDS // 3 <= len(before) < RECORDS, first.tail()
    commit = committed(bootstrap, topics.group, topics.source, PARTITIONS)
    assert sum(max(o, 0) for o in commit.values()) > 0, "the first worker committed nothing"

    second = start_worker("second")
    deadline = time.monotonic() + 90
    seen = {(r["partition"], r["offset"]) for r in before}
    after: list[dict[str, object]] = []
    while len(seen) < RECORDS and time.monotonic() < deadline:
        time.sleep(0.2)
        after = read_processed(tmp_path / "second.jsonl")
        seen = {(r["partition"], r["offset"]) for r in before + after}

    assert len(seen) == RECORDS, second.tail()
    repeated_below_commit = [r for r in after if int(r["offset"]) < commit[int(r["partition"])]]  # type: ignore[call-overload]
    assert repeated_below_commit == []
    redelivered = len(after) + len(before) - RECORDS
    assert redelivered >= 0
    assert second.terminate() == 0
