"""`cdp-worker dlq inspect|replay` end to end against a real broker and worker."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

from tests.integration.runtime.conftest import Topics, WorkerFactory
from tests.support.kafka import headers_of, producer, read_all


def _cli(bootstrap: str, topics: Topics, *args: str) -> list[str]:
    env = {
        **os.environ,
        "CDPW_KAFKA_BOOTSTRAP_SERVERS": bootstrap,
        "CDPW_KAFKA_TOPICS": topics.source,
        "CDPW_DLQ_TOPIC": topics.dlq,
    }
    done = subprocess.run(
        [sys.executable, "-m", "worker", "dlq", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return done.stdout.splitlines()


def test_dead_letters_can_be_inspected_and_replayed_without_loops(
    bootstrap: str, topics: Topics, start_worker: WorkerFactory
) -> None:
    prod = producer(bootstrap)
    prod.produce(topics.source, value=b"{broken", key=b"k1", partition=2, headers=[("trace", b"t-1")])
    prod.produce(topics.source, value=b"", key=b"k2", partition=3)
    assert prod.flush(10) == 0
    worker = start_worker()
    assert len(read_all(bootstrap, topics.dlq, expected=2, timeout=30)) == 2, worker.tail()

    listed = [json.loads(line) for line in _cli(bootstrap, topics, "inspect")]
    assert sorted(item["reason"] for item in listed) == ["decode", "empty"]
    assert {item["source"] for item in listed} == {f"{topics.source}/2@0", f"{topics.source}/3@0"}
    only = [json.loads(line) for line in _cli(bootstrap, topics, "inspect", "--reason", "empty")]
    assert [item["reason"] for item in only] == ["empty"]
    assert len(_cli(bootstrap, topics, "inspect", "--from-offset", "1")) == 1
    assert _cli(bootstrap, topics, "inspect", "--since", "2999-01-01T00:00:00Z") == []
    assert len(_cli(bootstrap, topics, "inspect", "--until", "2999-01-01")) == 2

    side = f"{topics.source}-replay"
    moved = _cli(bootstrap, topics, "replay", "--reason", "empty", "--to", side, "--rate", "5")
    assert moved[-1].startswith("replayed 1")
    copied = read_all(bootstrap, side, expected=1, timeout=20)
    assert [(m.key(), m.value()) for m in copied] == [(b"k2", b"")]

    assert _cli(bootstrap, topics, "replay", "--dry-run", "--reason", "decode")[-1].startswith(
        "would replay 1"
    )
    time.sleep(1)
    assert len(read_all(bootstrap, topics.dlq, expected=3, timeout=3)) == 2

    assert _cli(bootstrap, topics, "replay", "--reason", "decode")[-1].startswith("replayed 1")
    dead = read_all(bootstrap, topics.dlq, expected=3, timeout=30)
    assert len(dead) == 3
    again = headers_of(dead[-1])
    assert dead[-1].value() == b"{broken"
    assert again["cdpw.replay.count"] == b"1"
    assert again["trace"] == b"t-1"

    last = _cli(bootstrap, topics, "replay", "--reason", "decode", "--max-replays", "1")[-1]
    assert last == "replayed 1; skipped 1 over --max-replays"
    assert worker.terminate() == 0
