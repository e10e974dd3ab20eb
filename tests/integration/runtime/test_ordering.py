"""10,000 records, 6 partitions, 500 keys, random processing delays, one real worker process."""

from __future__ import annotations

import time
from collections import defaultdict
from pathlib import Path

from tests.integration.runtime.conftest import PARTITIONS, Topics, WorkerFactory
from tests.support.kafka import cart_event, committed, produce_json, producer
from tests.support.worker_process import read_processed

RECORDS, KEYS = 10_000, 500


def _wait_for(path: Path, count: int, timeout: float) -> list[dict[str, object]]:
    deadline = time.monotonic() + timeout
    rows = read_processed(path)
    while len(rows) < count and time.monotonic() < deadline:
        time.sleep(0.2)
        rows = read_processed(path)
    return rows


def _overlap_of_different_keys(rows: list[dict[str, object]]) -> int:
    """How many records started while a record of another key was still running."""
    spans = sorted((float(r["started"]), float(r["finished"]), r["key"]) for r in rows)  # type: ignore[arg-type]
    overlaps, latest_end, latest_key = 0, -1.0, None
    for start, end, key in spans:
        if start < latest_end and key != latest_key:
            overlaps += 1
        if end > latest_end:
            latest_end, latest_key = end, key
    return overlaps


def test_each_key_is_processed_in_offset_order_while_keys_run_concurrently(
    bootstrap: str, topics: Topics, start_worker: WorkerFactory, tmp_path: Path
) -> None:
    prod = producer(bootstrap)
    events = [(f"guest-{i % KEYS}", cart_event(f"guest-{i % KEYS}", i)) for i in range(RECORDS)]
    produce_json(prod, topics.source, events)
    worker = start_worker(CDPW_RECORD_SINK_DELAY_MS="0-4", CDPW_MAX_CONCURRENCY="100")
    rows = _wait_for(tmp_path / "w.jsonl", RECORDS, timeout=120)

    assert len(rows) == RECORDS, worker.tail()
    assert len({(r["partition"], r["offset"]) for r in rows}) == RECORDS
    per_key: dict[object, list[tuple[int, int]]] = defaultdict(list)
    for row in rows:
        per_key[row["key"]].append((int(row["partition"]), int(row["offset"])))  # type: ignore[call-overload]
    assert len(per_key) == KEYS
    for key, seen in per_key.items():
        assert seen == sorted(seen), f"key {key} out of order"
        assert len({p for p, _ in seen}) == 1
    assert _overlap_of_different_keys(rows) > 100

    ends: dict[int, int] = defaultdict(int)
    for row in rows:
        part = int(row["partition"])  # type: ignore[call-overload]
        ends[part] = max(ends[part], int(row["offset"]) + 1)  # type: ignore[call-overload]
    deadline = time.monotonic() + 10
    while (
        committed(bootstrap, topics.group, topics.source, PARTITIONS) != dict(ends)
        and time.monotonic() < deadline
    ):
        time.sleep(0.3)
    assert committed(bootstrap, topics.group, topics.source, PARTITIONS) == dict(ends)
    assert worker.metric("cdpw_records_finished_total", outcome="done") == RECORDS
    assert worker.terminate() == 0
