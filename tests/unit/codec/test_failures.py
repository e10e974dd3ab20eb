"""Each documented decoding failure raises its typed error, naming the field path."""

from __future__ import annotations

import dataclasses
import io
import json
import uuid
from collections.abc import Callable

import fastavro
import orjson
import pytest

from tests.unit.codec.conftest import SCHEMA_DIR, example
from worker.codec import WIRE_FORMATS, Decoder, build_decoder, build_encoder
from worker.errors import DecodeError, EmptyRecordError, EncodeError, UnknownSchemaError, ValidationError
from worker.events import event_from_dict, event_to_record

CURRENT = SCHEMA_DIR / "OrderPlaced.avsc"

Headers = list[tuple[str, bytes | None]]


def _pair(wire_format: str) -> tuple[Decoder, Callable[[str], tuple[bytes, Headers]]]:
    url = f"mock://{uuid.uuid4().hex}" if wire_format == "avro-registry" else None
    encoder = build_encoder(wire_format, SCHEMA_DIR, url)

    def encoded(event_type: str) -> tuple[bytes, Headers]:
        value, headers = encoder.encode(event_from_dict(example(event_type)))
        return value, list(headers)

    return build_decoder(wire_format, SCHEMA_DIR, url), encoded


@pytest.mark.parametrize("wire_format", WIRE_FORMATS)
@pytest.mark.parametrize(("value", "message"), [(None, "tombstone"), (b"", "empty value")])
def test_empty_value_and_tombstone_are_empty_records(
    wire_format: str, value: bytes | None, message: str
) -> None:
    decoder, _ = _pair(wire_format)
    with pytest.raises(EmptyRecordError, match=message):
        decoder.decode(value, [("cdpw.event_type", b"OrderPlaced")])


@pytest.mark.parametrize("wire_format", ["avro", "avro-registry"])
def test_truncated_avro_body_is_a_decode_error(wire_format: str) -> None:
    decoder, encoded = _pair(wire_format)
    value, headers = encoded("OrderPlaced")
    with pytest.raises(DecodeError, match="undecodable Avro body"):
        decoder.decode(value[: len(value) // 2], headers)


@pytest.mark.parametrize("wire_format", ["avro", "avro-registry"])
def test_trailing_bytes_after_the_record_are_a_decode_error(wire_format: str) -> None:
    decoder, encoded = _pair(wire_format)
    value, headers = encoded("CartCleared")
    with pytest.raises(DecodeError, match="3 bytes left after the record"):
        decoder.decode(value + b"\x00\x01\x02", headers)


@pytest.mark.parametrize("wire_format", ["avro", "avro-registry"])
def test_corrupt_avro_body_is_a_decode_error(wire_format: str) -> None:
    decoder, encoded = _pair(wire_format)
    value, headers = encoded("OrderPlaced")
    start = 5 if wire_format == "avro-registry" else 0
    corrupt = value[:start] + b"\xff" * 12 + value[start + 12 :]
    with pytest.raises(DecodeError):
        decoder.decode(corrupt, headers)


def test_bad_magic_byte_is_a_decode_error() -> None:
    decoder, encoded = _pair("avro-registry")
    value, headers = encoded("OrderPlaced")
    with pytest.raises(DecodeError, match="bad magic byte 1") as raised:
        decoder.decode(b"\x01" + value[1:], headers)
    assert not isinstance(raised.value, UnknownSchemaError)


def test_value_shorter_than_the_confluent_header_is_a_decode_error() -> None:
    decoder, _ = _pair("avro-registry")
    with pytest.raises(DecodeError, match="shorter than the 5-byte Confluent header"):
        decoder.decode(b"\x00\x00\x01", None)


def test_unknown_schema_id_is_an_unknown_schema() -> None:
    decoder, encoded = _pair("avro-registry")
    value, headers = encoded("OrderPlaced")
    with pytest.raises(UnknownSchemaError, match="schema id 4242"):
        decoder.decode(value[:1] + (4242).to_bytes(4, "big") + value[5:], headers)


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        ([], "header cdpw.event_type is missing"),
        ([("cdpw.event_type", None)], "header cdpw.event_type is missing"),
        ([("cdpw.event_type", b"OrderTeleported")], "no schema for event type 'OrderTeleported'"),
        ([("cdpw.event_type", b"OrderPlaced"), ("cdpw.schema_version", b"7")], "no schema version 7"),
        ([("cdpw.event_type", b"OrderPlaced"), ("cdpw.schema_version", b"two")], "not a version number"),
        ([("cdpw.event_type", b"\xff\xfe")], "not UTF-8"),
    ],
)
def test_avro_without_a_usable_type_header_is_an_unknown_schema(headers: Headers, message: str) -> None:
    decoder, encoded = _pair("avro")
    value, _ = encoded("OrderPlaced")
    with pytest.raises(UnknownSchemaError, match=message):
        decoder.decode(value, headers)


def test_avro_header_naming_another_type_than_the_body_is_rejected() -> None:
    decoder, encoded = _pair("avro")
    value, _ = encoded("CartCleared")
    with pytest.raises(DecodeError):
        decoder.decode(value, [("cdpw.event_type", b"OrderDeleted")])


@pytest.mark.parametrize("value", [b"{not json", b'{"event_type": "OrderPlaced",', b"\xff\xfe{}"])
def test_invalid_json_is_a_decode_error(value: bytes) -> None:
    decoder, _ = _pair("json")
    with pytest.raises(DecodeError, match="invalid JSON"):
        decoder.decode(value, None)


@pytest.mark.parametrize("value", [b"[1, 2]", b'"OrderPlaced"', b"42"])
def test_json_that_is_not_an_object_is_a_decode_error(value: bytes) -> None:
    decoder, _ = _pair("json")
    with pytest.raises(DecodeError, match="expected a JSON object"):
        decoder.decode(value, None)


def _json(mutate: Callable[[dict[str, object]], None], event_type: str = "OrderPlaced") -> bytes:
    data = example(event_type)
    mutate(data)
    return orjson.dumps(data)


def _line(index: int, name: str, value: object) -> Callable[[dict[str, object]], None]:
    def mutate(data: dict[str, object]) -> None:
        data["order"]["lines"][index][name] = value  # type: ignore[index]  # example data is known nested JSON

    return mutate


JSON_INVALID = [
    (
        _line(2, "unit_price", 12.345),
        "order.lines[2].unit_price",
        "expected a decimal string with at most 2 decimal places, got 12.345",
    ),
    (
        _line(2, "unit_price", "12.345"),
        "order.lines[2].unit_price",
        "expected a decimal string with at most 2 decimal places, got '12.345'",
    ),
    (_line(0, "unit_price", 19), "order.lines[0].unit_price", "expected a decimal string"),
    (_line(0, "unit_price", "1e3"), "order.lines[0].unit_price", "expected a decimal string"),
    (_line(0, "unit_price", "NaN"), "order.lines[0].unit_price", "expected a decimal string"),
    (_line(0, "quantity", "2"), "order.lines[0].quantity", "expected an integer (int), got '2'"),
    (_line(0, "quantity", 2.5), "order.lines[0].quantity", "expected an integer (int), got 2.5"),
    (_line(0, "quantity", 2**40), "order.lines[0].quantity", "expected an integer (int)"),
    (_line(0, "quantity", 0), "order.lines[0].quantity", "expected an integer greater than 0"),
    (_line(1, "sku", 10077), "order.lines[1].sku", "expected a string, got 10077"),
    (_line(1, "name", None), "order.lines[1].name", "expected a string, got None"),
    (
        _line(1, "extensions", {"gift": [1]}),
        "order.lines[1].extensions.gift",
        "expected one of string, long, double, boolean, got [1]",
    ),
    (lambda d: d.update(event_id="nope"), "event_id", "expected a UUID string, got 'nope'"),
    (lambda d: d.update(occurred_at=1732716192000), "occurred_at", "expected an ISO 8601 timestamp string"),
    (lambda d: d.update(occurred_at="2026-11-27 14:03"), "occurred_at", "with a timezone"),
    (lambda d: d.pop("guest"), "guest", "required field is missing"),
    (lambda d: d.update(guest=[]), "guest", "expected an object, got []"),
    (lambda d: d["order"].update(status="shipped"), "order.status", "expected one of PURCHASED"),
    (lambda d: d["order"].update(lines={}), "order.lines", "expected an array, got {}"),
    (lambda d: d["order"].update(currency="eur"), "order.currency", "expected 3 upper-case letters"),
    (lambda d: d["guest"].update(anonymous="no"), "guest.anonymous", "expected a boolean, got 'no'"),
    (lambda d: d.update(event_type=7), "event_type", "expected the event type name as a string"),
]


@pytest.mark.parametrize(("mutate", "path", "message"), JSON_INVALID)
def test_json_failing_validation_names_the_exact_field(
    mutate: Callable[[dict[str, object]], None], path: str, message: str
) -> None:
    decoder, _ = _pair("json")
    with pytest.raises(ValidationError) as raised:
        decoder.decode(_json(mutate), None)
    assert raised.value.path == path
    assert message in str(raised.value)
    assert str(raised.value).startswith(f"{path}: ")


def test_money_as_a_json_float_is_rejected_with_the_exact_message() -> None:
    decoder, _ = _pair("json")
    with pytest.raises(ValidationError) as raised:
        decoder.decode(_json(lambda d: d["order"].update(total=184.85)), None)  # type: ignore[attr-defined]  # nested JSON
    assert (
        str(raised.value)
        == "order.total: expected a decimal string with at most 2 decimal places, got 184.85"
    )


def test_unknown_json_event_type_is_an_unknown_schema() -> None:
    decoder, _ = _pair("json")
    with pytest.raises(UnknownSchemaError, match="unknown event type 'OrderTeleported'") as raised:
        decoder.decode(_json(lambda d: d.update(event_type="OrderTeleported")), None)
    assert raised.value.path == "event_type"


def test_avro_datum_breaking_the_contract_is_a_validation_error() -> None:
    decoder, _ = _pair("avro")
    record = event_to_record(event_from_dict(example("OrderPlaced")))
    record["context"] = {**record["context"], "currency": "eur"}  # type: ignore[dict-item]  # known nested record
    stream = io.BytesIO()
    fastavro.schemaless_writer(stream, fastavro.parse_schema(json.loads(CURRENT.read_text())), record)
    with pytest.raises(ValidationError) as raised:
        decoder.decode(stream.getvalue(), [("cdpw.event_type", b"OrderPlaced")])
    assert raised.value.path == "context.currency"


@pytest.mark.parametrize("wire_format", WIRE_FORMATS)
def test_encoding_an_event_that_breaks_the_contract_is_an_encode_error(wire_format: str) -> None:
    url = f"mock://{uuid.uuid4().hex}" if wire_format == "avro-registry" else None
    event = event_from_dict(example("CartCleared"))
    bad = dataclasses.replace(event, event_id="not-a-uuid")
    with pytest.raises(EncodeError, match="event_id"):
        build_encoder(wire_format, SCHEMA_DIR, url).encode(bad)
