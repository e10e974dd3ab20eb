"""The ``json`` and ``avro`` wire formats: schemas come from the local schema directory."""

from __future__ import annotations

from collections.abc import Mapping

import orjson

from worker.codec.catalog import Catalog
from worker.codec.jsonform import Check, compile_schema
from worker.codec.wire import (
    EVENT_TYPE_HEADER,
    SCHEMA_VERSION_HEADER,
    Headers,
    checked_record,
    header,
    read_avro,
    require_value,
    to_event,
    type_headers,
    write_avro,
)
from worker.errors import DecodeError, EncodeError, UnknownSchemaError, ValidationError
from worker.events import Event, event_to_dict


def json_checks(catalog: Catalog) -> dict[str, Check]:
    """One compiled JSON checker per event type, for its current schema."""
    return {name: compile_schema(catalog.current(name).declared) for name in catalog.versions}


class JsonDecoder:
    """UTF-8 JSON objects validated against the current Avro schema of their ``event_type``."""

    def __init__(self, checks: Mapping[str, Check]) -> None:
        self._checks = checks

    def decode(self, value: bytes | None, headers: Headers | None) -> Event:  # noqa: ARG002 (JSON names its type)
        """The event in ``value``; DecodeError subclasses name the failing field."""
        try:
            data = orjson.loads(require_value(value))
        except orjson.JSONDecodeError as exc:
            raise DecodeError(f"invalid JSON: {exc}", "") from exc
        if not isinstance(data, dict):
            raise DecodeError(f"expected a JSON object, got {type(data).__name__}", "")
        kind = data.get("event_type")
        if not isinstance(kind, str):
            raise ValidationError("expected the event type name as a string", "event_type")
        check = self._checks.get(kind)
        if check is None:
            raise UnknownSchemaError(f"unknown event type {kind!r}", "event_type")
        return to_event(check(data, ""), kind)


class JsonEncoder:
    """Events as UTF-8 JSON (the form :class:`JsonDecoder` reads), checked against the schema."""

    def __init__(self, catalog: Catalog, checks: Mapping[str, Check]) -> None:
        self._catalog = catalog
        self._checks = checks

    def encode(self, event: Event) -> tuple[bytes, list[tuple[str, bytes]]]:
        """The JSON value and the type headers of ``event``."""
        data = event_to_dict(event)
        check = self._checks.get(event.event_type)
        if check is None:
            raise EncodeError(f"no schema for event type {event.event_type!r}")
        try:
            to_event(check(data, ""), event.event_type)
        except DecodeError as exc:
            raise EncodeError(f"event breaks the contract: {exc}") from exc
        version = self._catalog.current(event.event_type).version
        return orjson.dumps(data), type_headers(event, version)


class AvroDecoder:
    """Schemaless Avro bodies; header ``cdpw.event_type`` (+ ``cdpw.schema_version``) picks the writer."""

    def __init__(self, catalog: Catalog) -> None:
        self._catalog = catalog

    def decode(self, value: bytes | None, headers: Headers | None) -> Event:
        """The event in ``value``, resolved to the current schema of its type."""
        body = require_value(value)
        kind = header(headers, EVENT_TYPE_HEADER)
        if kind is None:
            raise UnknownSchemaError(f"header {EVENT_TYPE_HEADER} is missing", "")
        reader = self._catalog.current(kind)
        writer = self._catalog.version(kind, _version(header(headers, SCHEMA_VERSION_HEADER), reader.version))
        datum = read_avro(body, 0, writer.parsed, None if writer is reader else reader.parsed)
        return to_event(datum, kind)


def _version(text: str | None, current: int) -> int:
    if text is None:
        return current
    if not text.isdigit():
        raise UnknownSchemaError(f"header {SCHEMA_VERSION_HEADER} is not a version number: {text!r}", "")
    return int(text)


class AvroEncoder:
    """Schemaless Avro bodies written with the current schema, plus the type/version headers."""

    def __init__(self, catalog: Catalog) -> None:
        self._catalog = catalog

    def encode(self, event: Event) -> tuple[bytes, list[tuple[str, bytes]]]:
        """The Avro body and headers of ``event``."""
        schema = self._catalog.current(event.event_type)
        return write_avro(schema.parsed, checked_record(event)), type_headers(event, schema.version)
