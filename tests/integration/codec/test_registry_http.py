"""The avro-registry format against a registry over real HTTP; encoded records through a real broker."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.kafka import create_topics, producer, read_all
from tests.support.registry import start_registry
from worker.codec import WIRE_FORMATS, build_decoder, build_encoder, registry_client
from worker.errors import TransientError, UnknownSchemaError
from worker.events import Event, event_from_dict

SCHEMA_DIR = Path(__file__).resolve().parents[3] / "schemas"
EVENT_TYPES = sorted(path.stem for path in (SCHEMA_DIR / "examples").glob("*.json"))


def _example(event_type: str) -> Event:
    data: dict[str, Any] = json.loads((SCHEMA_DIR / "examples" / f"{event_type}.json").read_text("utf-8"))
    return event_from_dict(data)


def _headers(raw: object) -> list[tuple[str, bytes | None]]:
    """Consumed headers (confluent-kafka gives a list of (str, bytes) pairs) in the decoder's shape."""
    assert isinstance(raw, list)
    return [(key, value) for key, value in raw]


@pytest.fixture
def registry_url() -> Iterator[str]:
    url, stop = start_registry()
    yield url
    stop()


def test_every_event_type_round_trips_through_an_http_registry(registry_url: str) -> None:
    encoder = build_encoder("avro-registry", SCHEMA_DIR, registry_url)
    encoded = [encoder.encode(_example(name)) for name in EVENT_TYPES]
    registry_client.cache_clear()  # a fresh client: the decoder must fetch writer schemas over HTTP
    decoder = build_decoder("avro-registry", SCHEMA_DIR, registry_url)
    decoded = [decoder.decode(value, headers) for value, headers in encoded]
    assert decoded == [_example(name) for name in EVENT_TYPES]
    subjects = httpx.get(f"{registry_url}/subjects").json()
    assert subjects == sorted(f"cdp.commerce.{name}-value" for name in EVENT_TYPES)


def test_encoders_register_each_schema_once_under_its_record_name_subject(registry_url: str) -> None:
    first = build_encoder("avro-registry", SCHEMA_DIR, registry_url).encode(_example("OrderPlaced"))[0]
    registry_client.cache_clear()
    second = build_encoder("avro-registry", SCHEMA_DIR, registry_url).encode(_example("OrderPlaced"))[0]
    assert first[:5] == second[:5]
    latest = httpx.get(f"{registry_url}/subjects/cdp.commerce.OrderPlaced-value/versions/latest").json()
    assert latest["version"] == 1
    assert latest["id"] == int.from_bytes(first[1:5], "big")
    assert json.loads(latest["schema"]) == json.loads((SCHEMA_DIR / "OrderPlaced.avsc").read_text())


def test_an_id_the_http_registry_does_not_know_is_an_unknown_schema(registry_url: str) -> None:
    value, _ = build_encoder("avro-registry", SCHEMA_DIR, registry_url).encode(_example("CartCleared"))
    decoder = build_decoder("avro-registry", SCHEMA_DIR, registry_url)
    with pytest.raises(UnknownSchemaError, match="schema id 777"):
        decoder.decode(value[:1] + (777).to_bytes(4, "big") + value[5:], None)


def test_an_unreachable_registry_is_transient_not_poison() -> None:
    url, stop = start_registry()
    value, _ = build_encoder("avro-registry", SCHEMA_DIR, url).encode(_example("CartCleared"))
    stop()
    registry_client.cache_clear()
    with pytest.raises(TransientError, match="schema registry unavailable"):
        build_decoder("avro-registry", SCHEMA_DIR, url).decode(value, None)


@pytest.mark.parametrize("wire_format", WIRE_FORMATS)
def test_encoded_events_survive_a_real_broker(
    wire_format: str, bootstrap: str, topic_name: str, registry_url: str
) -> None:
    encoder = build_encoder(wire_format, SCHEMA_DIR, registry_url)
    create_topics(bootstrap, (topic_name, 1))
    prod = producer(bootstrap)
    for name in EVENT_TYPES:
        value, encoded_headers = encoder.encode(_example(name))
        headers: list[tuple[str, str | bytes | None]] = list(encoded_headers)
        prod.produce(topic_name, value=value, key=name.encode(), headers=headers)
    assert prod.flush(30) == 0
    decoder = build_decoder(wire_format, SCHEMA_DIR, registry_url)
    messages = read_all(bootstrap, topic_name, len(EVENT_TYPES))
    decoded = [decoder.decode(msg.value(), _headers(msg.headers())) for msg in messages]
    assert decoded == [_example(name) for name in EVENT_TYPES]
