"""Fixtures for real-time order tests: broker topics, a real sandbox and real worker processes."""

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


@pytest.fixture
def topics(bootstrap: str) -> Topics:
    return fresh_topics(bootstrap, "orders")


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[RunningSandbox]:
    """A strict sandbox (default points of sale and identity rules) with a seeded fault generator."""
    running = start_sandbox_process(tmp_path, fault_seed=7)
    yield running
    running.stop()


@pytest.fixture
def start_worker(
    bootstrap: str, topics: Topics, sandbox: RunningSandbox, tmp_path: Path
) -> Iterator[WorkerFactory]:
    """Start a ``cdp`` worker on the test topics and sandbox; every process is killed at the end."""
    base = {**kafka_env(bootstrap, topics), **cdp_env(sandbox), "CDPW_RETRY_MAX_S": "2"}
    with worker_factory(base, tmp_path) as start:
        yield start
