"""The ``avro-registry`` wire format: Confluent framing (magic 0, 4-byte schema id, Avro body).

The writer schema is fetched from the schema registry by id (once per id) and resolved to the local
current schema of the event type named by the writer schema's record name. The encoder registers
the current schemas under subject ``<namespace>.<EventType>-value`` (record-name strategy).
Registry outages are :class:`TransientError` (retry), not poison.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Protocol

import fastavro
from confluent_kafka.schema_registry import Schema

from worker.codec.catalog import Catalog, EventSchema
from worker.codec.wire import (
    Headers,
    checked_record,
    read_avro,
    require_value,
    to_event,
    type_headers,
    write_avro,
)
from worker.errors import DecodeError, EncodeError, TransientError, UnknownSchemaError, WorkerError
from worker.events import Event

MAGIC = 0
HEADER_SIZE = 5


class RegistrySchema(Protocol):
    """What we read of confluent-kafka's ``Schema``."""

    @property
    def schema_str(self) -> str | None: ...  # pragma: no cover - protocol

    @property
    def schema_type(self) -> str | None: ...  # pragma: no cover - protocol


class RegistryClient(Protocol):
    """The part of confluent-kafka's ``SchemaRegistryClient`` the codec uses."""

    def get_schema(self, schema_id: int) -> RegistrySchema: ...  # pragma: no cover - protocol

    def register_schema(self, subject_name: str, schema: Schema) -> int: ...  # pragma: no cover - protocol


@dataclass(frozen=True, slots=True)
class _Writer:
    event_type: str
    parsed: dict[str, Any]
    reader: dict[str, Any]


def subject_of(schema: EventSchema) -> str:
    """The registry subject of an event schema: ``cdp.commerce.OrderPlaced-value``."""
    namespace = schema.declared.get("namespace")
    return f"{namespace}.{schema.event_type}-value" if namespace else f"{schema.event_type}-value"


class RegistryDecoder:
    """Decodes Confluent-framed Avro; writer schemas are fetched once per id and cached."""

    def __init__(self, catalog: Catalog, client: RegistryClient) -> None:
        self._catalog = catalog
        self._client = client
        self._writers: dict[int, _Writer] = {}

    def decode(self, value: bytes | None, headers: Headers | None) -> Event:  # noqa: ARG002 (the id is in-band)
        """The event in ``value``; UnknownSchemaError for an id the registry does not know."""
        body = require_value(value)
        if len(body) < HEADER_SIZE:
            raise DecodeError(f"{len(body)} bytes: shorter than the 5-byte Confluent header", "")
        if body[0] != MAGIC:
            raise DecodeError(f"bad magic byte {body[0]} (expected 0): not Confluent wire format", "")
        schema_id = int.from_bytes(body[1:HEADER_SIZE], "big")
        writer = self._writers.get(schema_id) or self._fetch(schema_id)
        reader = None if writer.parsed is writer.reader else writer.reader
        return to_event(read_avro(body, HEADER_SIZE, writer.parsed, reader), writer.event_type)

    def _fetch(self, schema_id: int) -> _Writer:
        declared = _writer_schema(_get(self._client, schema_id), schema_id)
        event_type = str(declared.get("name", "")).rsplit(".", 1)[-1]
        current = self._catalog.current(event_type)
        writer = _Writer(event_type, current.parsed, current.parsed)
        if declared != current.declared:
            writer = _Writer(event_type, _parse(declared, schema_id), current.parsed)
        self._writers[schema_id] = writer
        return writer


def _get(client: RegistryClient, schema_id: int) -> RegistrySchema:
    try:
        return client.get_schema(schema_id)
    except Exception as exc:  # confluent raises SchemaRegistryError or its HTTP library's errors
        raise _translate(exc, f"schema id {schema_id}") from exc


def _translate(exc: Exception, what: str) -> WorkerError:
    status = getattr(exc, "http_status_code", None)
    if isinstance(status, int) and 400 <= status < 500 and status not in (408, 429):
        return UnknownSchemaError(f"schema registry refused {what}: {status} {exc}", "")
    return TransientError(f"schema registry unavailable for {what}: {type(exc).__name__}: {exc}")


def _writer_schema(found: RegistrySchema, schema_id: int) -> dict[str, Any]:
    if (found.schema_type or "AVRO") != "AVRO" or not found.schema_str:
        raise UnknownSchemaError(f"schema id {schema_id} is not an Avro schema ({found.schema_type})", "")
    try:
        declared = json.loads(found.schema_str)
    except ValueError:
        raise UnknownSchemaError(f"schema id {schema_id} is not valid JSON", "") from None
    if not isinstance(declared, dict):
        raise UnknownSchemaError(f"schema id {schema_id} is not an Avro record schema", "")
    return declared


def _parse(declared: dict[str, Any], schema_id: int) -> dict[str, Any]:
    try:
        parsed = fastavro.parse_schema(declared)
    except Exception as exc:  # fastavro raises SchemaParseException, KeyError... on unusable schemas
        raise UnknownSchemaError(f"schema id {schema_id} is not a usable Avro schema: {exc}", "") from exc
    if not isinstance(parsed, dict):
        raise UnknownSchemaError(f"schema id {schema_id} is not an Avro record schema", "")
    return parsed


class RegistryEncoder:
    """Encodes in Confluent wire format, registering each current schema once."""

    def __init__(self, catalog: Catalog, client: RegistryClient) -> None:
        self._catalog = catalog
        self._client = client
        self._ids: dict[str, int] = {}

    def encode(self, event: Event) -> tuple[bytes, list[tuple[str, bytes]]]:
        """The framed value and the type headers of ``event``."""
        schema = self._catalog.current(event.event_type)
        schema_id = self._ids.get(event.event_type)
        if schema_id is None:
            schema_id = self._register(schema)
        frame = bytes([MAGIC]) + schema_id.to_bytes(4, "big")
        return frame + write_avro(schema.parsed, checked_record(event)), type_headers(event, schema.version)

    def _register(self, schema: EventSchema) -> int:
        subject = subject_of(schema)
        try:
            schema_id = self._client.register_schema(subject, Schema(schema.text, "AVRO"))
        except Exception as exc:  # confluent raises SchemaRegistryError or its HTTP library's errors
            error = _translate(exc, f"subject {subject}")
            raise (EncodeError(str(error)) if isinstance(error, UnknownSchemaError) else error) from exc
        self._ids[schema.event_type] = schema_id
        return schema_id
