"""Shared fixtures: a real Kafka-protocol broker for the whole session.

With ``CDPW_KAFKA_BOOTSTRAP_SERVERS`` set, tests use that cluster; otherwise they start the
embedded tansu broker on a free loopback port and stop it at the end.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from worker.embedded import running_broker

ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"


@pytest.fixture(scope="session")
def bootstrap() -> Iterator[str]:
    """Bootstrap servers of a running broker."""
    external = os.environ.get("CDPW_KAFKA_BOOTSTRAP_SERVERS")
    if external:
        yield external
        return
    ARTIFACTS.mkdir(exist_ok=True)
    with running_broker(log_path=ARTIFACTS / "broker.log") as broker:
        yield broker.bootstrap


@pytest.fixture
def topic_name() -> str:
    """A topic name no other test uses."""
    return f"t-{uuid.uuid4().hex[:12]}"
