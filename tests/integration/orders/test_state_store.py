"""The state store on a real broker: topic creation, confirmed writes, restore of the latest value per key."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from confluent_kafka.admin import AdminClient

from tests.support.kafka import create_topics
from worker.errors import ConfigurationError
from worker.runtime.state import StateStore


def store_for(bootstrap: str, state: str, source: str) -> StateStore:
    return StateStore({"bootstrap.servers": bootstrap}, state, (source,), f"group-{uuid.uuid4().hex[:6]}")


async def test_restore_returns_the_latest_value_of_every_key_after_batched_writes(bootstrap: str) -> None:
    source, state = f"src-{uuid.uuid4().hex[:8]}", f"state-{uuid.uuid4().hex[:8]}"
    create_topics(bootstrap, (source, 3))
    writer = store_for(bootstrap, state, source)
    await writer.prepare()
    for version in range(3):  # concurrent writes go out in multi-record batches
        await asyncio.gather(*(writer.save(n % 3, f"k{n}", f"v{version}-{n}".encode()) for n in range(300)))
    await writer.aclose()
    topic = AdminClient({"bootstrap.servers": bootstrap}).list_topics(timeout=10).topics[state]
    assert len(topic.partitions) == 3

    reader = store_for(bootstrap, state, source)
    await reader.prepare()
    tables = await reader.load([0, 1, 2])
    await reader.aclose()
    assert {p: len(rows) for p, rows in tables.items()} == {0: 100, 1: 100, 2: 100}
    assert all(tables[n % 3][f"k{n}"] == f"v2-{n}".encode() for n in range(300))


async def test_a_state_topic_with_too_few_partitions_is_a_configuration_error(bootstrap: str) -> None:
    source, state = f"src-{uuid.uuid4().hex[:8]}", f"state-{uuid.uuid4().hex[:8]}"
    create_topics(bootstrap, (source, 3), (state, 1))
    with pytest.raises(ConfigurationError, match="CDPW_STATE_TOPIC"):
        await store_for(bootstrap, state, source).prepare()
