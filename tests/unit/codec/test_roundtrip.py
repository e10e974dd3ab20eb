"""Every event type survives encode → decode in every wire format."""

from __future__ import annotations

import uuid
from pathlib import Path

import orjson
import pytest

from tests.unit.codec.conftest import EVENT_TYPES, SCHEMA_DIR, example
from worker.codec import WIRE_FORMATS, build_decoder, build_encoder
from worker.errors import ConfigurationError
from worker.events import event_from_dict


def _registry_url(wire_format: str) -> str | None:
    return f"mock://{uuid.uuid4().hex}" if wire_format == "avro-registry" else None


@pytest.mark.parametrize("wire_format", WIRE_FORMATS)
def test_every_event_type_round_trips(wire_format: str) -> None:
    url = _registry_url(wire_format)
    encoder = build_encoder(wire_format, SCHEMA_DIR, url)
    decoder = build_decoder(wire_format, SCHEMA_DIR, url)
    for event_type in EVENT_TYPES:
        event = event_from_dict(example(event_type))
        value, headers = encoder.encode(event)
        assert decoder.decode(value, headers) == event, event_type
        assert ("cdpw.event_type", event_type.encode()) in headers


def test_json_value_is_the_example_form() -> None:
    encoder = build_encoder("json", SCHEMA_DIR)
    value, _ = encoder.encode(event_from_dict(example("OrderPlaced")))
    data = orjson.loads(value)
    assert data["order"]["total"] == "184.85"
    assert data["order"]["lines"][0]["name"] == "Trail Runner Größe 42"
    assert data["occurred_at"] == "2026-11-27T14:03:12.345+00:00"


def test_registry_frame_carries_magic_byte_and_schema_id() -> None:
    url = _registry_url("avro-registry")
    encoder = build_encoder("avro-registry", SCHEMA_DIR, url)
    first, _ = encoder.encode(event_from_dict(example("OrderPlaced")))
    second, _ = encoder.encode(event_from_dict(example("CartCleared")))
    assert first[0] == 0 and second[0] == 0
    assert first[1:5] != second[1:5]


def test_the_json_decoder_ignores_fields_it_does_not_know() -> None:
    data = example("CartCleared")
    data["coupon"] = "XMAS"
    decoded = build_decoder("json", SCHEMA_DIR).decode(orjson.dumps(data), None)
    assert decoded == event_from_dict(example("CartCleared"))


def test_the_json_decoder_fills_defaults_for_absent_optional_fields() -> None:
    data = example("CartItemAdded")
    del data["guest"]["identifiers"], data["line"]["extensions"], data["context"]["page"]
    decoded = build_decoder("json", SCHEMA_DIR).decode(orjson.dumps(data), None)
    assert decoded.guest.identifiers == ()
    assert decoded.context.page is None


@pytest.mark.parametrize(
    ("wire_format", "url", "message"),
    [("xml", None, "CDPW_WIRE_FORMAT"), ("avro-registry", None, "CDPW_SCHEMA_REGISTRY_URL")],
)
def test_bad_codec_configuration_is_a_configuration_error(
    wire_format: str, url: str | None, message: str
) -> None:
    with pytest.raises(ConfigurationError, match=message):
        build_decoder(wire_format, SCHEMA_DIR, url)
    with pytest.raises(ConfigurationError, match=message):
        build_encoder(wire_format, SCHEMA_DIR, url)


def test_a_schema_directory_missing_an_event_type_is_a_configuration_error(tmp_path: Path) -> None:
    (tmp_path / "OrderPlaced.avsc").write_text((SCHEMA_DIR / "OrderPlaced.avsc").read_text())
    with pytest.raises(ConfigurationError, match="no schema for CartCleared"):
        build_decoder("avro", tmp_path)


TYPELESS_FIELD = '{"type": "record", "name": "OrderPlaced", "fields": [{"name": "x"}]}'


def _copy_schemas(target: Path) -> None:
    for path in SCHEMA_DIR.glob("*.avsc"):
        (target / path.name).write_text(path.read_text())


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("Order-Placed.avsc", "{}", "expected <EventType>.avsc"),
        ("OrderPlaced.avsc", "{not json", "OrderPlaced.avsc"),
        (
            "OrderPlaced.avsc",
            '{"type": "record", "name": "OrderPlaced", "fields": [{"name": "x"}]}',
            "OrderPlaced",
        ),
        (
            "OrderPlaced.avsc",
            (SCHEMA_DIR / "CartCleared.avsc").read_text(),
            "record name must be OrderPlaced",
        ),
    ],
)
def test_an_unusable_schema_file_is_a_configuration_error_naming_it(
    tmp_path: Path, name: str, text: str, message: str
) -> None:
    _copy_schemas(tmp_path)
    (tmp_path / name).write_text(text)
    with pytest.raises(ConfigurationError, match=message) as raised:
        build_decoder("json", tmp_path)
    assert str(raised.value).startswith("CDPW_SCHEMA_DIR")
