"""Fixtures for correction tests: broker topics, a strict sandbox process and worker processes."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from sandbox.testing import RunningSandbox, start_sandbox_process
from tests.support.kafka import create_topics
from tests.support.worker_process import WorkerProcess

PARTITIONS = 6


@dataclass(frozen=True)
class Topics:
    source: str
    dlq: str
    state: str
    group: str


@pytest.fixture
def topics(bootstrap: str) -> Topics:
    suffix = uuid.uuid4().hex[:10]
    made = Topics(f"fix-{suffix}", f"fix-dlq-{suffix}", f"fix-state-{suffix}", f"fix-group-{suffix}")
    create_topics(bootstrap, (made.source, PARTITIONS), (made.dlq, 1))
    return made


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[RunningSandbox]:
    """A strict sandbox (default points of sale and identity rules); Batch processing phases of 30 ms."""
    running = start_sandbox_process(tmp_path, fault_seed=7, batch_delay=0.03)
    yield running
    running.stop()


WorkerFactory = Callable[..., WorkerProcess]


@pytest.fixture
def start_worker(
    bootstrap: str, topics: Topics, sandbox: RunningSandbox, tmp_path: Path
) -> Iterator[WorkerFactory]:
    """Start a ``cdp`` worker (router: Stream + REST/Batch) on the test topics and sandbox."""
    started: list[WorkerProcess] = []

    def start(name: str = "w", **env: str) -> WorkerProcess:
        base = {
            "CDPW_KAFKA_BOOTSTRAP_SERVERS": bootstrap, "CDPW_KAFKA_TOPICS": topics.source,
            "CDPW_KAFKA_GROUP_ID": topics.group, "CDPW_DLQ_TOPIC": topics.dlq,
            "CDPW_STATE_TOPIC": topics.state,
            "CDPW_SINK": "cdp", "CDPW_CDP_BASE_URL": sandbox.url, "CDPW_CDP_CLIENT_KEY": sandbox.client_key,
            "CDPW_CDP_API_TOKEN": sandbox.api_token,
            "CDPW_CDP_TIMEOUT_S": "5", "CDPW_RETRY_BASE_S": "0.05", "CDPW_RETRY_MAX_S": "1",
            "CDPW_MAX_CONCURRENCY": "50", "CDPW_CDP_MAX_CONNECTIONS": "16",
            "CDPW_BATCH_MAX_AGE_S": "0.3", "CDPW_BATCH_POLL_BASE_S": "0.05", "CDPW_BATCH_POLL_MAX_S": "0.5",
        }  # fmt: skip
        worker = WorkerProcess(env={**base, **env}, log_path=tmp_path / f"{name}.log").start()
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.kill()
