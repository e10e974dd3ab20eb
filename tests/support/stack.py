"""What integration tests stand up: fresh topics, and real worker processes on them (and on a sandbox)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from confluent_kafka import KafkaException

from sandbox.testing import RunningSandbox
from tests.support.kafka import committed, create_topics
from tests.support.worker_process import WorkerProcess

PARTITIONS = 6
WorkerFactory = Callable[..., WorkerProcess]


@dataclass(frozen=True)
class Topics:
    """The topics and consumer group of one test (the state topic is created by the worker)."""

    source: str
    dlq: str
    state: str
    group: str


def fresh_topics(bootstrap: str, prefix: str) -> Topics:
    """Create a ``PARTITIONS``-partition source topic and a one-partition dead-letter topic."""
    suffix = uuid.uuid4().hex[:10]
    made = Topics(f"{prefix}-{suffix}", f"{prefix}-dlq-{suffix}", f"{prefix}-state-{suffix}",
                  f"{prefix}-group-{suffix}")  # fmt: skip
    create_topics(bootstrap, (made.source, PARTITIONS), (made.dlq, 1))
    return made


def committed_total(bootstrap: str, topics: Topics) -> int:
    """Records committed by the group; -1 while the group coordinator cannot answer (mid-rebalance)."""
    try:
        offsets = committed(bootstrap, topics.group, topics.source, PARTITIONS)
    except KafkaException:
        return -1
    return sum(max(offset, 0) for offset in offsets.values())


def kafka_env(bootstrap: str, topics: Topics) -> dict[str, str]:
    """Worker settings for the test's broker and topics."""
    return {"CDPW_KAFKA_BOOTSTRAP_SERVERS": bootstrap, "CDPW_KAFKA_TOPICS": topics.source,
            "CDPW_KAFKA_GROUP_ID": topics.group, "CDPW_DLQ_TOPIC": topics.dlq,
            "CDPW_STATE_TOPIC": topics.state}  # fmt: skip


def cdp_env(sandbox: RunningSandbox) -> dict[str, str]:
    """Worker settings for the ``cdp`` sink against ``sandbox``, with short timeouts and backoffs."""
    return {"CDPW_SINK": "cdp", "CDPW_CDP_BASE_URL": sandbox.url, "CDPW_CDP_CLIENT_KEY": sandbox.client_key,
            "CDPW_CDP_API_TOKEN": sandbox.api_token, "CDPW_CDP_TIMEOUT_S": "5", "CDPW_RETRY_BASE_S": "0.05",
            "CDPW_MAX_CONCURRENCY": "50"}  # fmt: skip


@contextmanager
def worker_factory(base: dict[str, str], logs: Path) -> Iterator[WorkerFactory]:
    """``start(name, **env)`` starts a worker with ``base`` + ``env``; all are killed on exit."""
    started: list[WorkerProcess] = []

    def start(name: str = "w", **env: str) -> WorkerProcess:
        worker = WorkerProcess(env={**base, **env}, log_path=logs / f"{name}.log").start()
        started.append(worker)
        return worker

    try:
        yield start
    finally:
        for worker in started:
            worker.kill()
