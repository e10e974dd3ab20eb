"""Fixtures for correction tests: broker topics, a strict sandbox process and worker processes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from sandbox.testing import RunningSandbox, start_sandbox_process
from tests.support.stack import (
    PARTITIONS,
    Topics,
    WorkerFactory,
    cdp_env,
    fresh_topics,
    kafka_env,
    worker_factory,
)

__all__ = ["PARTITIONS", "Topics", "WorkerFactory"]

BATCH_ENV = {"CDPW_RETRY_MAX_S": "1", "CDPW_CDP_MAX_CONNECTIONS": "16", "CDPW_BATCH_MAX_AGE_S": "0.3",
             "CDPW_BATCH_POLL_BASE_S": "0.05", "CDPW_BATCH_POLL_MAX_S": "0.5"}  # fmt: skip


@pytest.fixture
def topics(bootstrap: str) -> Topics:
    return fresh_topics(bootstrap, "fix")


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[RunningSandbox]:
    """A strict sandbox (default points of sale and identity rules); Batch processing phases of 30 ms."""
    running = start_sandbox_process(tmp_path, fault_seed=7, batch_delay=0.03)
    yield running
    running.stop()


@pytest.fixture
def start_worker(
    bootstrap: str, topics: Topics, sandbox: RunningSandbox, tmp_path: Path
) -> Iterator[WorkerFactory]:
    """Start a ``cdp`` worker (router: Stream + REST/Batch) on the test topics and sandbox."""
    with worker_factory({**kafka_env(bootstrap, topics), **cdp_env(sandbox), **BATCH_ENV}, tmp_path) as start:
        yield start
