"""Fixtures for runtime tests: fresh topics and a factory of real worker processes (record sink)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.stack import PARTITIONS, Topics, WorkerFactory, fresh_topics, kafka_env, worker_factory
from tests.support.worker_process import WorkerProcess

__all__ = ["PARTITIONS", "Topics", "WorkerFactory"]


@pytest.fixture
def topics(bootstrap: str) -> Topics:
    return fresh_topics(bootstrap, "events")


@pytest.fixture
def start_worker(bootstrap: str, topics: Topics, tmp_path: Path) -> Iterator[WorkerFactory]:
    """Workers with the record sink, each appending to ``tmp_path/<name>.jsonl``."""
    with worker_factory({**kafka_env(bootstrap, topics), "CDPW_SINK": "record"}, tmp_path) as start:

        def with_sink_file(name: str = "w", **env: str) -> WorkerProcess:
            return start(name, CDPW_RECORD_SINK_PATH=str(tmp_path / f"{name}.jsonl"), **env)

        yield with_sink_file
