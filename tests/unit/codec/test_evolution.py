"""Schema evolution: data written with each event type's previous schema (v1) is read by the current one."""

from __future__ import annotations

import io
import json
import uuid
from typing import Any

import fastavro
import pytest
from confluent_kafka.schema_registry import Schema

from tests.unit.codec.conftest import EVENT_TYPES, SCHEMA_DIR, example
from worker.codec import build_decoder, registry_client, subject_of
from worker.codec.catalog import load_catalog
from worker.errors import DecodeError, UnknownSchemaError
from worker.events import event_from_dict, event_to_record


def _v1_datum(event_type: str) -> dict[str, Any]:
    """The example as a v1 producer would have written it (v1 has no guest phone)."""
    data = example(event_type)
    data["guest"].pop("phone", None)
    record = event_to_record(event_from_dict(data))
    record["guest"] = {key: value for key, value in record["guest"].items() if key != "phone"}  # type: ignore[attr-defined]  # guest is a record
    return record


def _write(schema_file: str, datum: dict[str, Any]) -> bytes:
    stream = io.BytesIO()
    fastavro.schemaless_writer(
        stream, fastavro.parse_schema(json.loads((SCHEMA_DIR / schema_file).read_text())), datum
    )
    return stream.getvalue()


@pytest.mark.parametrize("event_type", EVENT_TYPES)
def test_every_event_type_has_a_previous_version(event_type: str) -> None:
    catalog = load_catalog(SCHEMA_DIR)
    assert sorted(catalog.versions[event_type]) == [1, 2]
    assert catalog.current(event_type).version == 2


@pytest.mark.parametrize("event_type", EVENT_TYPES)
def test_fastavro_resolves_v1_data_with_the_current_schema(event_type: str) -> None:
    body = _write(f"{event_type}.v1.avsc", _v1_datum(event_type))
    writer = fastavro.parse_schema(json.loads((SCHEMA_DIR / f"{event_type}.v1.avsc").read_text()))
    reader = fastavro.parse_schema(json.loads((SCHEMA_DIR / f"{event_type}.avsc").read_text()))
    datum: Any = fastavro.schemaless_reader(io.BytesIO(body), writer, reader)
    assert datum["guest"]["phone"] is None
    assert datum["event_type"] == event_type


@pytest.mark.parametrize("event_type", EVENT_TYPES)
def test_avro_decoder_reads_v1_data_named_by_the_version_header(event_type: str) -> None:
    body = _write(f"{event_type}.v1.avsc", _v1_datum(event_type))
    headers = [("cdpw.event_type", event_type.encode()), ("cdpw.schema_version", b"1")]
    event = build_decoder("avro", SCHEMA_DIR).decode(body, headers)
    expected = example(event_type)
    expected["guest"]["phone"] = None
    assert event == event_from_dict(expected)


@pytest.mark.parametrize("event_type", EVENT_TYPES)
def test_registry_decoder_resolves_a_v1_writer_schema_to_the_current_one(event_type: str) -> None:
    url = f"mock://{uuid.uuid4().hex}"
    client = registry_client(url)
    current = load_catalog(SCHEMA_DIR).current(event_type)
    v1_text = (SCHEMA_DIR / f"{event_type}.v1.avsc").read_text()
    schema_id = client.register_schema(subject_of(current), Schema(v1_text, "AVRO"))
    frame = b"\x00" + schema_id.to_bytes(4, "big") + _write(f"{event_type}.v1.avsc", _v1_datum(event_type))
    decoder = build_decoder("avro-registry", SCHEMA_DIR, url)
    event = decoder.decode(frame, None)
    assert event.event_type == event_type
    assert event.guest.phone is None
    assert event.event_id == example(event_type)["event_id"]


def test_an_incompatible_writer_schema_is_a_decode_error() -> None:
    url = f"mock://{uuid.uuid4().hex}"
    incompatible = {
        "type": "record",
        "name": "CartCleared",
        "namespace": "cdp.commerce",
        "fields": [{"name": "event_id", "type": "long"}],
    }
    schema_id = registry_client(url).register_schema(
        "cdp.commerce.CartCleared-value", Schema(json.dumps(incompatible))
    )
    frame = b"\x00" + schema_id.to_bytes(4, "big") + b"\x02"
    with pytest.raises(DecodeError, match="undecodable Avro body"):
        build_decoder("avro-registry", SCHEMA_DIR, url).decode(frame, None)


def test_a_writer_schema_of_a_foreign_event_type_is_an_unknown_schema() -> None:
    url = f"mock://{uuid.uuid4().hex}"
    foreign = {
        "type": "record",
        "name": "PageViewed",
        "namespace": "web",
        "fields": [{"name": "url", "type": "string"}],
    }
    schema_id = registry_client(url).register_schema("web.PageViewed-value", Schema(json.dumps(foreign)))
    with pytest.raises(UnknownSchemaError, match="PageViewed"):
        build_decoder("avro-registry", SCHEMA_DIR, url).decode(
            b"\x00" + schema_id.to_bytes(4, "big") + b"\x02a", None
        )
