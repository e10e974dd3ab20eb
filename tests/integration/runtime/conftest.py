"""Fixtures for runtime tests: fresh topics and a factory of real worker processes."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.kafka import create_topics
from tests.support.worker_process import WorkerProcess

PARTITIONS = 6


@dataclass(frozen=True)
class Topics:
    source: str
    dlq: str
    group: str


@pytest.fixture
def topics(bootstrap: str) -> Topics:
    suffix = uuid.uuid4().hex[:10]
    made = Topics(source=f"events-{suffix}", dlq=f"dlq-{suffix}", group=f"group-{suffix}")
    create_topics(bootstrap, (made.source, PARTITIONS), (made.dlq, 1))
    return made


WorkerFactory = Callable[..., WorkerProcess]


@pytest.fixture
def start_worker(bootstrap: str, topics: Topics, tmp_path: Path) -> Iterator[WorkerFactory]:
    """Start a worker process on the test topics; every process is killed at the end of the test."""
    started: list[WorkerProcess] = []

    def start(name: str = "w", **env: str) -> WorkerProcess:
        base = {
            "CDPW_KAFKA_BOOTSTRAP_SERVERS": bootstrap,
            "CDPW_KAFKA_TOPICS": topics.source,
            "CDPW_KAFKA_GROUP_ID": topics.group,
            "CDPW_DLQ_TOPIC": topics.dlq,
            "CDPW_SINK": "record",
            "CDPW_RECORD_SINK_PATH": str(tmp_path / f"{name}.jsonl"),
        }
        worker = WorkerProcess(env={**base, **env}, log_path=tmp_path / f"{name}.log").start()
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.kill()
