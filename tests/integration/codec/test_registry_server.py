"""The test schema registry speaks the REST subset confluent-kafka's client uses, also across processes."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from confluent_kafka.schema_registry import Schema, SchemaRegistryClient, SchemaRegistryError

from tests.support.registry import start_registry

ROOT = Path(__file__).resolve().parents[3]
ORDER_PLACED = (ROOT / "schemas" / "OrderPlaced.avsc").read_text()
ORDER_PLACED_V1 = (ROOT / "schemas" / "OrderPlaced.v1.avsc").read_text()
SUBJECT = "cdp.commerce.OrderPlaced-value"


@pytest.fixture
def url() -> Iterator[str]:
    registry_url, stop = start_registry()
    yield registry_url
    stop()


@pytest.fixture
def client(url: str) -> SchemaRegistryClient:
    return SchemaRegistryClient({"url": url})


def test_registering_is_idempotent_and_versions_follow_registration(
    url: str, client: SchemaRegistryClient
) -> None:
    first = client.register_schema(SUBJECT, Schema(ORDER_PLACED_V1, "AVRO"))
    second = client.register_schema(SUBJECT, Schema(ORDER_PLACED, "AVRO"))
    fresh = SchemaRegistryClient({"url": url})  # no client-side cache: every call goes over HTTP
    assert fresh.register_schema(SUBJECT, Schema(ORDER_PLACED, "AVRO")) == second != first
    latest = fresh.get_latest_version(SUBJECT)
    assert (latest.version, latest.schema_id) == (2, second)
    assert fresh.get_version(SUBJECT, 1).schema_id == first
    assert fresh.lookup_schema(SUBJECT, Schema(ORDER_PLACED_V1, "AVRO")).version == 1
    assert fresh.get_schema(first).schema_str == ORDER_PLACED_V1


def test_unknown_ids_subjects_and_invalid_schemas_get_confluent_errors(client: SchemaRegistryClient) -> None:
    with pytest.raises(SchemaRegistryError) as unknown_id:
        client.get_schema(99)
    assert (unknown_id.value.http_status_code, unknown_id.value.error_code) == (404, 40403)
    with pytest.raises(SchemaRegistryError) as unknown_subject:
        client.get_latest_version("nope-value")
    assert unknown_subject.value.error_code == 40401
    with pytest.raises(SchemaRegistryError) as invalid:
        client.register_schema(SUBJECT, Schema("{not json", "AVRO"))
    assert invalid.value.http_status_code == 422


def test_a_registry_started_as_a_process_is_shared_over_http() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.support.registry"], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        schema_id = SchemaRegistryClient({"url": url}).register_schema(SUBJECT, Schema(ORDER_PLACED, "AVRO"))
        assert httpx.get(f"{url}/schemas/ids/{schema_id}").json()["schema"] == ORDER_PLACED
        assert httpx.get(f"{url}/subjects").json() == [SUBJECT]
    finally:
        process.terminate()
        process.wait(10)
